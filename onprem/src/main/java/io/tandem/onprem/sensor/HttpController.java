package io.tandem.onprem.sensor;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Controller kind {@code http}: one HTTP request to a device's API, typically a network power
 * outlet (PDU) switching a port off to fence a host, e.g. {@code POST
 * http://pdu-1/api/outlets/3/state} with body {@code off}. Basic authentication with the password
 * read from an env var or file at start-up; the password never appears in results or {@link
 * #toString()}. A 2xx status means done.
 */
public final class HttpController implements Controller {

  private final String name;
  private final URI url;
  private final String method;
  private final String body;
  private final String contentType;
  private final Optional<String> authorization;
  private final Duration timeout;
  private final Clock clock;
  private final HttpClient client;

  public HttpController(
      String name,
      URI url,
      String method,
      String body,
      String contentType,
      Optional<String> user,
      Optional<String> password,
      Duration timeout,
      Clock clock) {
    this.name = name;
    this.url = url;
    this.method = method;
    this.body = body;
    this.contentType = contentType;
    this.authorization =
        user.map(
            u ->
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(
                            (u + ":" + password.orElse("")).getBytes(StandardCharsets.UTF_8)));
    this.timeout = timeout;
    this.clock = clock;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Result act() {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", contentType);
    authorization.ifPresent(a -> request.header("Authorization", a));
    try {
      HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      boolean ok = r.statusCode() / 100 == 2;
      return new Result(ok, method + " " + url + " answered " + r.statusCode(), clock.instant());
    } catch (IOException e) {
      return new Result(
          false, method + " " + url + " failed: " + e.getClass().getSimpleName(), clock.instant());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, method + " " + url + " interrupted", clock.instant());
    }
  }

  @Override
  public String toString() {
    return "HttpController[" + name + " " + method + " " + url + "]";
  }
}
