package io.tandem.app.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tandem.core.agent.Action;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.ReasonCode;
import io.tandem.core.config.Notifications;
import io.tandem.core.config.SecretRef;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.runbook.Notice;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The configuration's notifications section reaches a real HTTP receiver, signed. */
class ConfiguredNotificationsTest {

  private static final Instant NOW = Instant.parse("2026-11-26T07:00:00Z");

  @Test
  void stateChangesAndRunResultsArePostedSignedWithTheConfiguredSecret() throws Exception {
    BlockingQueue<String[]> got = new ArrayBlockingQueue<>(8);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/hook",
        ex -> {
          got.add(
              new String[] {
                ex.getRequestHeaders().getFirst("X-Tandem-Signature"),
                new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
              });
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    server.start();
    var config =
        new Notifications(
            Optional.of(
                new Notifications.Webhook(
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/hook",
                    Optional.of(SecretRef.env("HOOK_SECRET")))),
            Optional.empty());
    try (var n =
        ConfiguredNotifications.from(
            config,
            SecretResolver.of(Map.of("HOOK_SECRET", "s3cret-hook")),
            "pbx-prod",
            Clock.fixed(NOW, ZoneOffset.UTC))) {
      var listener = n.stateChanges("site-b");
      listener.accept(
          new Decision(
              Action.NONE,
              ReasonCode.HOLDING_TICKET,
              "no action",
              AgentState.ACTIVE,
              AgentState.ACTIVE,
              3,
              NOW));
      listener.accept(
          new Decision(
              Action.ACTIVATE,
              ReasonCode.TICKET_GRANTED,
              "activating: acquired ticket epoch 4",
              AgentState.ACQUIRING,
              AgentState.ACTIVE,
              4,
              NOW));
      n.runbookNotifier()
          .send(new Notice(Notice.Severity.INFO, "drill finished", "back on site-a", true));

      String[] state = got.poll(10, TimeUnit.SECONDS);
      assertThat(state).isNotNull();
      JsonNode body = JsonMapper.shared().readTree(state[1]);
      assertThat(body.path("event").asString()).isEqualTo("state-changed");
      assertThat(body.path("title").asString()).isEqualTo("site-b is now ACTIVE");
      assertThat(body.path("fields").path("epoch").asLong()).isEqualTo(4);
      long t = NOW.getEpochSecond();
      assertThat(state[0])
          .isEqualTo("t=" + t + ",v1=" + WebhookChannel.sign("s3cret-hook", t, state[1]));

      String[] drill = got.poll(10, TimeUnit.SECONDS);
      assertThat(drill).isNotNull();
      JsonNode d = JsonMapper.shared().readTree(drill[1]);
      assertThat(d.path("drill").asBoolean()).isTrue();
      assertThat(d.path("severity").asString()).isEqualTo("info");
      // the unchanged ACTIVE -> ACTIVE decision sent nothing
      assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
    } finally {
      server.stop(0);
    }
  }

  private static Decision decision(ReasonCode reason, AgentState from, AgentState to, String w) {
    return new Decision(Action.NONE, reason, w, from, to, 5, NOW);
  }

  @Test
  void onTheBusAStateChangeNotifiesAndAnAlarmIsSentOnceWhileItLasts() throws Exception {
    BlockingQueue<String> got = new ArrayBlockingQueue<>(16);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/hook",
        ex -> {
          got.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    server.start();
    var config =
        new Notifications(
            Optional.of(
                new Notifications.Webhook(
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/hook",
                    Optional.of(SecretRef.env("HOOK_SECRET")))),
            Optional.empty());
    try (var n =
            ConfiguredNotifications.from(
                config,
                SecretResolver.of(Map.of("HOOK_SECRET", "s3cret-hook")),
                "pbx-prod",
                Clock.fixed(NOW, ZoneOffset.UTC));
        var bus = new io.tandem.core.event.EventBus("notify-test")) {
      n.subscribe(bus, "site-b");
      String stuck = "ALARM: the fence of site-b could not be confirmed";
      for (int i = 0; i < 3; i++) { // three ticks of the same alarm
        bus.publish(
            new io.tandem.core.event.TandemEvent.DecisionMade(
                "site-b",
                decision(ReasonCode.FENCE_UNKNOWN, AgentState.FENCING, AgentState.FENCING, stuck)));
      }
      bus.publish(
          new io.tandem.core.event.TandemEvent.DecisionMade(
              "site-b",
              decision(
                  ReasonCode.FENCED, AgentState.FENCING, AgentState.FENCED, "fenced: confirmed")));

      JsonNode alarm = JsonMapper.shared().readTree(got.poll(10, TimeUnit.SECONDS));
      assertThat(alarm.path("event").asString()).isEqualTo("alarm");
      assertThat(alarm.path("severity").asString()).isEqualTo("critical");
      assertThat(alarm.path("title").asString()).isEqualTo("site-b: FENCE_UNKNOWN");
      assertThat(alarm.path("text").asString()).isEqualTo(stuck);
      JsonNode state = JsonMapper.shared().readTree(got.poll(10, TimeUnit.SECONDS));
      assertThat(state.path("event").asString()).isEqualTo("state-changed");
      assertThat(state.path("title").asString()).isEqualTo("site-b is now FENCED");
      // the alarm's later ticks sent nothing more
      assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
    } finally {
      server.stop(0);
    }
  }
}
