package io.tandem.app.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.json.JsonMapper;

/**
 * Posts notifications as JSON, signed so the receiver can check they came from Tandem.
 *
 * <p>Signature: {@code X-Tandem-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
 * "<t>.<body>")>} (the scheme Stripe uses: the timestamp inside the MAC stops replays of old
 * bodies). The secret is resolved per delivery and never logged. Thread-safe.
 */
public final class WebhookChannel implements NotificationChannel {

  private final URI url;
  private final Supplier<String> secret;
  private final HttpClient http;
  private final Duration timeout;
  private final Clock clock;
  private final JsonMapper json;

  public WebhookChannel(
      URI url,
      Supplier<String> secret,
      HttpClient http,
      Duration timeout,
      Clock clock,
      JsonMapper json) {
    this.url = url;
    this.secret = secret;
    this.http = http;
    this.timeout = timeout;
    this.clock = clock;
    this.json = json;
  }

  @Override
  public String name() {
    return "webhook " + url.getHost();
  }

  @Override
  public DeliveryResult deliver(Notification n) {
    String body = json.writeValueAsString(n);
    long t = clock.instant().getEpochSecond();
    HttpRequest req =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", "tandem-notifier")
            .header("X-Tandem-Event", n.event())
            .header("X-Tandem-Signature", "t=" + t + ",v1=" + sign(secret.get(), t, body))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    try {
      HttpResponse<Void> resp = http.send(req, HttpResponse.BodyHandlers.discarding());
      boolean ok = resp.statusCode() / 100 == 2;
      return new DeliveryResult(ok, "HTTP " + resp.statusCode());
    } catch (IOException e) {
      return new DeliveryResult(false, "not delivered: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new DeliveryResult(false, "interrupted");
    }
  }

  /** The hex HMAC-SHA256 of {@code "<t>.<body>"}; public so receivers and tests can verify. */
  public static String sign(String secret, long t, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of()
          .formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
