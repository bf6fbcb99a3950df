package io.tandem.app.witness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Raw HTTP requests to a witness listener, for what the client class never sends. */
final class Raw {

  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Raw() {}

  static HttpResponse<String> post(URI base, String path, String secret, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (secret != null) {
      b.header("Authorization", "Bearer " + secret);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(URI base, String path, String site, String secret)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5)).GET();
    if (site != null) {
      b.header("X-Tandem-Site", site);
    }
    if (secret != null) {
      b.header("Authorization", "Bearer " + secret);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
