package io.tandem.app.agent;

import io.tandem.core.agent.Decision;
import io.tandem.core.event.TandemEvent;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision loop's verdicts in the agent's log: one line each time the verdict changes (state,
 * action or reason code), saying how long the previous one held and how many ticks it stood for.
 *
 * <p>Patroni logs every loop's sentence ("no action. I am (pg0), the leader with the lock") at its
 * 10 s loop; at a 100 ms tick that would be 36,000 lines an hour of the same words, so only changes
 * are written. The in-memory history ({@code GET /api/v1/decisions}) keeps the last few hundred
 * ticks, under a minute at the shipped tick: without this log a false failover found half an hour
 * later (a soak, an incident) has no record of the ticks that led to it.
 *
 * <p>Subscribed to the typed event bus, so it runs on the bus's thread, in order, and never holds
 * up the agent thread. Not thread-safe on its own; the bus calls it from one thread.
 */
final class DecisionLog implements Consumer<TandemEvent.DecisionMade> {

  private static final Logger log = LoggerFactory.getLogger(DecisionLog.class);

  private Decision first;
  private Decision last;
  private long repeats;

  @Override
  public void accept(TandemEvent.DecisionMade e) {
    Decision d = e.decision();
    if (last != null && sameVerdict(last, d)) {
      last = d;
      repeats++;
      return;
    }
    if (last == null) {
      log.info("agent {}: decision {}", e.site(), verdict(d));
    } else {
      Duration held = Duration.between(first.at(), d.at());
      log.info(
          "agent {}: decision {} (before: {} {} for {} ms, {} ticks)",
          e.site(),
          verdict(d),
          last.reason(),
          last.to(),
          held.toMillis(),
          repeats);
    }
    first = d;
    last = d;
    repeats = 1;
  }

  private static boolean sameVerdict(Decision a, Decision b) {
    return a.from() == b.from()
        && a.to() == b.to()
        && a.action() == b.action()
        && a.reason() == b.reason();
  }

  private static String verdict(Decision d) {
    return (d.from() == d.to() ? d.to().toString() : d.from() + "->" + d.to())
        + " "
        + d.action()
        + " "
        + d.reason()
        + " epoch "
        + d.epoch()
        + ": "
        + d.words();
  }
}
