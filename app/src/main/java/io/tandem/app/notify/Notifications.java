package io.tandem.app.notify;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans a notification out to every channel on a background thread, so a slow channel never delays
 * the decision loop or a runbook. Failures are logged (without secrets) and otherwise ignored.
 */
public final class Notifications implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Notifications.class);

  private final List<NotificationChannel> channels;
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "tandem-notify");
            t.setDaemon(true);
            return t;
          });

  public Notifications(List<NotificationChannel> channels) {
    this.channels = new ArrayList<>(channels);
  }

  public void publish(Notification n) {
    executor.execute(
        () -> {
          for (NotificationChannel c : channels) {
            var r = c.deliver(n);
            if (!r.delivered()) {
              log.warn("notification '{}' via {} failed: {}", n.event(), c.name(), r.detail());
            }
          }
        });
  }

  @Override
  public void close() {
    executor.shutdown();
  }
}
