package io.tandem.app.lab;

import io.tandem.app.api.DecisionView;
import io.tandem.app.api.RunView;
import io.tandem.core.event.TandemEvent;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Prints the agents' own event stream (their API's live events) as a timeline relative to the
 * fault: every decision that acts or changes state (a repeated sentence once), and every run as it
 * starts and ends.
 */
final class LabTimeline {

  private LabTimeline() {}

  /**
   * Starts printing; closing the handle stops it.
   *
   * @param runs also gets every run event
   */
  static AutoCloseable print(LabCluster lab, PrintStream out, Instant t0, Consumer<RunView> runs) {
    Map<String, String> lastWords = new ConcurrentHashMap<>();
    return lab.subscribe(
        e -> {
          if (e instanceof TandemEvent.DecisionMade m) {
            DecisionView v = DecisionView.of(m.site(), m.decision());
            if ((!v.action().equals("NONE") || isTransition(v))
                && !(v.state() + v.words())
                    .equals(lastWords.put(v.site(), v.state() + v.words()))) {
              out.printf(
                  Locale.ROOT,
                  "  +%6.3f s  %-7s %-10s %s%n",
                  secs(t0, v.at()),
                  v.site(),
                  v.state(),
                  v.words());
            }
          } else if (e instanceof TandemEvent.RunStarted || e instanceof TandemEvent.RunFinished) {
            RunView r =
                e instanceof TandemEvent.RunStarted s
                    ? RunView.of(s)
                    : RunView.of((TandemEvent.RunFinished) e);
            out.printf(
                Locale.ROOT,
                "  +%6.3f s  %-7s runbook %s %s (%s -> %s)%n",
                secs(t0, e.at()),
                r.to(),
                r.id(),
                r.state(),
                r.from(),
                r.to());
            runs.accept(r);
          }
        });
  }

  static double secs(Instant t0, Instant t) {
    return Duration.between(t0, t).toNanos() / 1e9;
  }

  private static boolean isTransition(DecisionView d) {
    String r = d.reasonCode();
    return r.equals("TICKET_GRANTED")
        || r.startsWith("FENC")
        || r.equals("TICKET_EXPIRED")
        || r.equals("ACQUIRING")
        || r.startsWith("FAILSAFE")
        || r.startsWith("SWITCHOVER")
        || r.equals("TICKET_LOST")
        || r.equals("WITNESS_UNREACHABLE");
  }
}
