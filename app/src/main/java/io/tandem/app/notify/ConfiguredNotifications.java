package io.tandem.app.notify;

import io.tandem.core.agent.Decision;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.runbook.Notice;
import io.tandem.core.runbook.Notifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cluster configuration's {@code notifications} section made live: a webhook channel and an
 * e-mail channel, fed by runbook notices ({@link #runbookNotifier()}) and by the agent's state
 * changes ({@link #stateChanges(String)}). Secrets are resolved once, at build time, through the
 * configuration's {@link SecretResolver}, and never logged.
 *
 * <p>Thread-safe; delivery happens on {@link Notifications}' background thread, so neither a
 * runbook nor the decision loop ever waits for a slow mail server.
 */
public final class ConfiguredNotifications implements AutoCloseable {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Notifications out;
  private final String cluster;
  private final Clock clock;

  private ConfiguredNotifications(Notifications out, String cluster, Clock clock) {
    this.out = out;
    this.cluster = cluster;
    this.clock = clock;
  }

  /** Builds the channels the configuration asks for (possibly none). */
  public static ConfiguredNotifications from(
      io.tandem.core.config.Notifications config,
      SecretResolver secrets,
      String cluster,
      Clock clock) {
    List<NotificationChannel> channels = new ArrayList<>();
    config
        .webhook()
        .ifPresent(
            w -> {
              String secret = w.secret().map(ref -> secrets.resolve(ref).reveal()).orElse("");
              channels.add(
                  new WebhookChannel(
                      URI.create(w.url()),
                      () -> secret,
                      HttpClient.newBuilder().connectTimeout(TIMEOUT).build(),
                      TIMEOUT,
                      clock,
                      JsonMapper.shared()));
            });
    config
        .smtp()
        .ifPresent(
            s -> {
              var sender = new JavaMailSenderImpl();
              sender.setHost(s.host());
              sender.setPort(s.port());
              s.user().ifPresent(sender::setUsername);
              s.password().ifPresent(ref -> sender.setPassword(secrets.resolve(ref).reveal()));
              sender.getJavaMailProperties().put("mail.smtp.starttls.enable", s.startTls());
              sender.getJavaMailProperties().put("mail.smtp.auth", s.user().isPresent());
              EmailChannel.configure(sender, (int) TIMEOUT.toMillis());
              channels.add(new EmailChannel(sender, s.from(), s.to(), s.to()));
            });
    return new ConfiguredNotifications(new Notifications(channels), cluster, clock);
  }

  /** Runbook notices (run results) as notifications; drills stay informational. */
  public Notifier runbookNotifier() {
    return notice -> out.publish(fromNotice(notice));
  }

  Notification fromNotice(Notice n) {
    String severity =
        switch (n.severity()) {
          case INFO -> "info";
          case WARNING -> "warning";
          case ALARM -> "critical";
        };
    return new Notification(
        "run-result",
        severity,
        n.subject(),
        n.body(),
        clock.instant(),
        n.drill(),
        Map.of("cluster", cluster));
  }

  /**
   * A decision listener that notifies when this site's state changes to ACTIVE, FENCING, FENCED or
   * MAINTENANCE (the changes on-call needs to hear about). Call it on the decision thread; it only
   * enqueues.
   */
  public Consumer<Decision> stateChanges(String site) {
    return d -> {
      if (d.from() == d.to()) {
        return;
      }
      String severity =
          switch (d.to()) {
            case ACTIVE -> "warning";
            case FENCING, FENCED -> "critical";
            case MAINTENANCE -> "info";
            default -> null;
          };
      if (severity == null) {
        return;
      }
      out.publish(
          new Notification(
              "state-changed",
              severity,
              site + " is now " + d.to(),
              d.words(),
              d.at(),
              false,
              Map.of(
                  "cluster",
                  cluster,
                  "site",
                  site,
                  "from",
                  d.from().name(),
                  "to",
                  d.to().name(),
                  "reason",
                  d.reason().name(),
                  "epoch",
                  d.epoch())));
    };
  }

  /**
   * Subscribe this site's notifications to its agent's events: state changes as {@link
   * #stateChanges}, and alarms — a decision whose reason is an alarm ({@link
   * io.tandem.core.agent.ReasonCode#alarm()}: an activation that failed, a holder stepping down, an
   * activation that needs an operator, a fence that could not be confirmed), once when it starts,
   * not on every tick it lasts. Delivery happens on the bus's thread.
   */
  public io.tandem.core.event.EventPublisher.Subscription subscribe(
      io.tandem.core.event.EventPublisher events, String site) {
    Consumer<Decision> states = stateChanges(site);
    io.tandem.core.agent.ReasonCode[] lastAlarm = {null};
    return events.onDecision(
        e -> {
          Decision d = e.decision();
          states.accept(d);
          if (!d.reason().alarm()) {
            lastAlarm[0] = null;
            return;
          }
          if (d.reason() == lastAlarm[0]) {
            return;
          }
          lastAlarm[0] = d.reason();
          out.publish(
              new Notification(
                  "alarm",
                  "critical",
                  site + ": " + d.reason(),
                  d.words(),
                  d.at(),
                  false,
                  Map.of(
                      "cluster",
                      cluster,
                      "site",
                      site,
                      "state",
                      d.to().name(),
                      "reason",
                      d.reason().name(),
                      "epoch",
                      d.epoch())));
        });
  }

  @Override
  public void close() {
    out.close();
  }
}
