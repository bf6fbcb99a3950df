package io.tandem.app.agent;

import io.tandem.core.agent.Action;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.ReasonCode;
import io.tandem.core.event.TandemEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
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
 * <p>On a lossy link a standby cycles through the same few verdicts several times a second (its
 * peer's reports missing for two ticks, an acquire the witness refuses, the peer seen again): a
 * verdict already written in the last {@link #QUIET} is counted, not written again, and the next
 * line written says how many were left out. A verdict that acts on the service (activate, fence,
 * release, a forced acquire) or enters or leaves ACTIVE is always written.
 *
 * <p>Subscribed to the typed event bus, so it runs on the bus's thread, in order, and never holds
 * up the agent thread. Not thread-safe on its own; the bus calls it from one thread.
 */
final class DecisionLog implements Consumer<TandemEvent.DecisionMade> {

  /** How long a verdict written once is counted instead of written again. */
  static final Duration QUIET = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(DecisionLog.class);

  private record Verdict(AgentState from, AgentState to, Action action, ReasonCode reason) {
    static Verdict of(Decision d) {
      return new Verdict(d.from(), d.to(), d.action(), d.reason());
    }

    boolean always() {
      return action == Action.ACTIVATE
          || action == Action.FENCE
          || action == Action.RELEASE
          || action == Action.FORCE_ACQUIRE
          || (from != to && (from == AgentState.ACTIVE || to == AgentState.ACTIVE));
    }
  }

  private final Map<Verdict, Instant> written = new HashMap<>();
  private Decision first;
  private Decision last;
  private long repeats;
  private long leftOut;

  @Override
  public void accept(TandemEvent.DecisionMade e) {
    Decision d = e.decision();
    if (last != null && Verdict.of(last).equals(Verdict.of(d))) {
      last = d;
      repeats++;
      return;
    }
    Verdict v = Verdict.of(d);
    Instant before = written.get(v);
    if (last != null
        && !v.always()
        && before != null
        && Duration.between(before, d.at()).compareTo(QUIET) < 0) {
      leftOut++;
    } else {
      write(e.site(), d);
      written.put(v, d.at());
      if (written.size() > 64) {
        written.values().removeIf(t -> Duration.between(t, d.at()).compareTo(QUIET) >= 0);
      }
    }
    first = d;
    last = d;
    repeats = 1;
  }

  private void write(String site, Decision d) {
    if (last == null) {
      log.info("agent {}: decision {}", site, verdict(d));
      return;
    }
    String skipped =
        leftOut == 0
            ? ""
            : "; "
                + leftOut
                + " changes to verdicts already logged in the last "
                + QUIET.toSeconds()
                + " s not logged";
    leftOut = 0;
    log.info(
        "agent {}: decision {} (before: {} {} for {} ms, {} ticks{})",
        site,
        verdict(d),
        last.reason(),
        last.to(),
        Duration.between(first.at(), d.at()).toMillis(),
        repeats,
        skipped);
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
