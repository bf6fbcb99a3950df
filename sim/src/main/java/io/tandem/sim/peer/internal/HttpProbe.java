package io.tandem.sim.peer.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Small HTTP calls used by readiness probes and peer controls; every call has a timeout. */
public final class HttpProbe {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(TIMEOUT)
          .version(HttpClient.Version.HTTP_1_1)
          .proxy(HttpClient.Builder.NO_PROXY)
          .build();

  private HttpProbe() {}

  public static HttpResponse<String> get(String uri) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(uri)).timeout(TIMEOUT).GET().build());
  }

  public static HttpResponse<String> post(String uri, String body) throws IOException {
    return send(
        HttpRequest.newBuilder(URI.create(uri))
            .timeout(TIMEOUT)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private static HttpResponse<String> send(HttpRequest request) throws IOException {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
