package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Kind {@code http}: a user-defined HTTP(S) check (a provisioning server, a web phone's gateway, a
 * status page). OK when the status is within {@code [minStatus, maxStatus]} and, if configured, the
 * body matches a regular expression; the whole exchange is bounded by the sensor's timeout. Value:
 * response time in ms. Redirects are not followed (a redirect to a login page is not "up").
 */
public final class HttpCheckSensor extends BaseSensor {

  private final URI url;
  private final String method;
  private final int minStatus;
  private final int maxStatus;
  private final Optional<Pattern> expectBody;
  private final HttpClient client;

  public HttpCheckSensor(
      SensorSpec spec,
      SensorContext context,
      URI url,
      String method,
      int minStatus,
      int maxStatus,
      Optional<Pattern> expectBody) {
    super(spec, context);
    this.url = url;
    this.method = method;
    this.minStatus = minStatus;
    this.maxStatus = maxStatus;
    this.expectBody = expectBody;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(spec.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  protected SensorReading measure() {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(spec.timeout())
            .method(method, HttpRequest.BodyPublishers.noBody())
            .header("User-Agent", "tandem-sensor")
            .build();
    long t0 = context.nanoTicker().getAsLong();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      return reading(
          SensorStatus.TIMEOUT,
          Double.NaN,
          "ms",
          url + ": no answer within " + spec.timeout().toMillis() + " ms");
    } catch (IOException e) {
      return reading(
          SensorStatus.FAIL,
          Double.NaN,
          "ms",
          url + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return reading(SensorStatus.FAIL, Double.NaN, "ms", url + ": interrupted");
    }
    double ms = (context.nanoTicker().getAsLong() - t0) / 1e6;
    int status = response.statusCode();
    if (status < minStatus || status > maxStatus) {
      return reading(SensorStatus.FAIL, ms, "ms", url + " answered " + status);
    }
    if (expectBody.isPresent() && !expectBody.get().matcher(response.body()).find()) {
      return reading(
          SensorStatus.FAIL, ms, "ms", url + ": body does not match /" + expectBody.get() + "/");
    }
    return reading(
        SensorStatus.OK,
        ms,
        "ms",
        String.format(Locale.ROOT, "%s answered %d in %.1f ms", url, status, ms));
  }
}
