package io.tandem.app.peer;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * The peer link's refusals in the agent's log without the noise of a lossy link: reordered or
 * repeated HTTP posts from a healthy peer arrive {@code STALE} or {@code REPLAYED} over and over
 * (126 times an hour on one site in the session-7 soak at 20 % loss), each harmless. The first
 * refusal of a kind from a site is written at WARN; the same refusal again within {@link #QUIET} is
 * counted and written at DEBUG only; the first after that is at WARN again and says how many were
 * left out since (as {@code DecisionLog} does with repeated verdicts, and syslog's "last message
 * repeated N times"). The count of every refusal is also a metric ({@code
 * tandem_peer_refused_total}, by kind and verdict, in {@link PeerController}), so a rate is seen
 * without reading the log. A different refusal (a bad signature after a stale one) is written at
 * once: only an identical one is quietened.
 *
 * <p>Keys are (site, kind, verdict) with the site one of the cluster's, or {@code "?"} when the
 * verdict is that the sender is unknown or unnamed, so the table stays as small as the cluster
 * whatever a sender claims. Thread-safe.
 */
final class PeerRefusalLog {

  /** How long a refusal written once at WARN is counted instead of written again. */
  static final Duration QUIET = Duration.ofMinutes(10);

  private record Key(String site, String kind, PeerAuthentication.Verdict verdict) {}

  /** When the key was last written at WARN, and how many were left out since. */
  private record Run(long warnedAtMillis, long leftOut) {}

  private final Logger log;
  private final Clock clock;
  private final Map<Key, Run> runs = new ConcurrentHashMap<>();

  PeerRefusalLog(Logger log, Clock clock) {
    this.log = log;
    this.clock = clock;
  }

  /**
   * Logs one refusal of a {@code kind} message claiming to be from {@code site} (as received,
   * already cut to a safe length by the caller).
   */
  void refused(String kind, String site, PeerAuthentication.Verdict verdict) {
    boolean named =
        verdict != PeerAuthentication.Verdict.UNKNOWN_SITE
            && verdict != PeerAuthentication.Verdict.MISSING_HEADERS;
    Key key = new Key(named ? site : "?", kind, verdict);
    long now = clock.millis();
    Run[] before = new Run[1];
    Run run =
        runs.compute(
            key,
            (k, r) -> {
              before[0] = r;
              return r != null && now - r.warnedAtMillis() < QUIET.toMillis()
                  ? new Run(r.warnedAtMillis(), r.leftOut() + 1)
                  : new Run(now, 0);
            });
    if (run.leftOut() > 0) {
      log.debug(
          "peer link: refused a {} claiming to be from '{}': {} (again: {} since the last"
              + " warning)",
          kind,
          site,
          verdict,
          run.leftOut());
      return;
    }
    Run last = before[0];
    if (last != null && last.leftOut() > 0) {
      log.warn(
          "peer link: refused a {} claiming to be from '{}': {} ({} more refused the same way in"
              + " the {} s before, logged at DEBUG)",
          kind,
          site,
          verdict,
          last.leftOut(),
          (now - last.warnedAtMillis()) / 1000);
    } else {
      log.warn("peer link: refused a {} claiming to be from '{}': {}", kind, site, verdict);
    }
  }
}
