package io.tandem.core.agent;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest report and promise received from each peer, filled by the peer-link transport and read
 * into each tick's snapshot. Thread-safe; keeps only the newest promise per peer (by request send
 * time).
 */
public final class PeerBoard {

  private final Map<String, PeerReport> reports = new ConcurrentHashMap<>();
  private final Map<String, PeerPromise> promises = new ConcurrentHashMap<>();

  /** Record a report; {@code receivedAtNanos} is our monotonic time of receipt. */
  public void onReport(PeerReport report, long receivedAtNanos) {
    reports.put(report.site(), report.receivedAt(receivedAtNanos));
  }

  public void onPromise(PeerPromise promise) {
    promises.merge(
        promise.promiser(),
        promise,
        (old, neu) -> neu.requestSentAtNanos() - old.requestSentAtNanos() >= 0 ? neu : old);
  }

  public Map<String, PeerReport> reports() {
    return Map.copyOf(reports);
  }

  public Map<String, PeerPromise> promises() {
    return Map.copyOf(promises);
  }

  /** Forget everything (e.g. on restart). */
  public void clear() {
    reports.clear();
    promises.clear();
  }
}
