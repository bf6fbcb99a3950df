package io.tandem.app.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import tools.jackson.databind.json.JsonMapper;

/** Webhook (signed JSON POST) and e-mail (SMTP) against local receivers on loopback. */
class NotificationChannelsTest {

  private static final Instant NOW = Instant.parse("2026-11-26T06:00:00Z");

  private static Notification failover(boolean drill) {
    return new Notification(
        "run-succeeded",
        "critical",
        "failover to site-b verified",
        "site-b took over; RTO 7.2 s",
        NOW,
        drill,
        Map.of("to", "site-b", "epoch", 13));
  }

  record Received(String signature, String event, String body) {}

  @Test
  void webhookPostsJsonSignedWithHmac() throws Exception {
    BlockingQueue<Received> got = new ArrayBlockingQueue<>(1);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/hook",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          got.add(
              new Received(
                  ex.getRequestHeaders().getFirst("X-Tandem-Signature"),
                  ex.getRequestHeaders().getFirst("X-Tandem-Event"),
                  body));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    server.start();
    try {
      var channel =
          new WebhookChannel(
              URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook"),
              () -> "hook-secret",
              HttpClient.newHttpClient(),
              Duration.ofSeconds(5),
              Clock.fixed(NOW, ZoneOffset.UTC),
              JsonMapper.shared());
      var result = channel.deliver(failover(false));
      assertThat(result.delivered()).isTrue();
      Received r = got.poll(5, TimeUnit.SECONDS);
      assertThat(r).isNotNull();
      assertThat(r.event()).isEqualTo("run-succeeded");
      assertThat(JsonMapper.shared().readTree(r.body()).path("title").asString())
          .isEqualTo("failover to site-b verified");
      long t = NOW.getEpochSecond();
      assertThat(r.signature())
          .isEqualTo("t=" + t + ",v1=" + WebhookChannel.sign("hook-secret", t, r.body()));
      assertThat(r.signature()).doesNotContain("hook-secret");
      assertThat(r.signature())
          .isNotEqualTo("t=" + t + ",v1=" + WebhookChannel.sign("other", t, r.body()));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void webhookFailureIsReportedNotThrown() {
    var channel =
        new WebhookChannel(
            URI.create("http://127.0.0.1:9/unreachable"),
            () -> "s",
            HttpClient.newHttpClient(),
            Duration.ofSeconds(2),
            Clock.systemUTC(),
            JsonMapper.shared());
    var result = channel.deliver(failover(false));
    assertThat(result.delivered()).isFalse();
    assertThat(result.detail()).startsWith("not delivered");
  }

  @Test
  void emailGoesToOnCallButDrillsOnlyToDrillRecipients() throws Exception {
    GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    try {
      var sender = new JavaMailSenderImpl();
      sender.setHost("127.0.0.1");
      sender.setPort(smtp.getSmtp().getPort());
      EmailChannel.configure(sender, 5000);
      var channel =
          new EmailChannel(
              sender, "tandem@lab.test", List.of("oncall@lab.test"), List.of("dr-team@lab.test"));
      assertThat(channel.deliver(failover(false)).delivered()).isTrue();
      assertThat(channel.deliver(failover(true)).delivered()).isTrue();
      MimeMessage[] mails = smtp.getReceivedMessages();
      assertThat(mails).hasSize(2);
      assertThat(mails[0].getSubject()).isEqualTo("[CRITICAL] Tandem: failover to site-b verified");
      assertThat(mails[0].getAllRecipients()[0].toString()).isEqualTo("oncall@lab.test");
      assertThat(mails[1].getSubject()).startsWith("[DRILL] ");
      assertThat(mails[1].getAllRecipients()[0].toString()).isEqualTo("dr-team@lab.test");
    } finally {
      smtp.stop();
    }
  }
}
