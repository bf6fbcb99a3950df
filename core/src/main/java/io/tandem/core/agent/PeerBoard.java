package io.tandem.core.agent;

import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest report and promise received from each peer, filled by the peer-link transport and read
 * into each tick's snapshot, and what we remember of each peer beyond its latest report: when we
 * last heard it, and the last epoch it was seen serving under (so a successor knows whom an outage
 * activation may have to fence, and since when the fault shows). Thread-safe; keeps only the newest
 * promise per peer (by request send time).
 */
public final class PeerBoard {

  /**
   * What we remember of one peer.
   *
   * @param site the peer
   * @param lastHeardNanos our monotonic time of its latest report
   * @param lastServingEpoch the epoch it last reported serving under (0 if never seen serving)
   * @param lastServingHeardNanos when we last heard it report serving ({@link Long#MIN_VALUE} if
   *     never)
   * @param servingInLatest whether its latest report says it serves
   * @param firstFailingNanos while it serves: its first report in a row saying it is unhealthy
   *     ({@link Long#MIN_VALUE} if its latest serving report was healthy)
   */
  public record PeerMemory(
      String site,
      long lastHeardNanos,
      long lastServingEpoch,
      long lastServingHeardNanos,
      boolean servingInLatest,
      long firstFailingNanos) {

    /**
     * The fault's first sign on our clock: its first failing report while serving, else the last
     * time we heard from it.
     */
    public long faultFirstSeenNanos() {
      return firstFailingNanos != Long.MIN_VALUE ? firstFailingNanos : lastHeardNanos;
    }
  }

  private final Map<String, PeerReport> reports = new ConcurrentHashMap<>();
  private final Map<String, PeerPromise> promises = new ConcurrentHashMap<>();
  private final Map<String, PeerMemory> memory = new ConcurrentHashMap<>();

  /** Record a report; {@code receivedAtNanos} is our monotonic time of receipt. */
  public void onReport(PeerReport report, long receivedAtNanos) {
    reports.put(report.site(), report.receivedAt(receivedAtNanos));
    memory.compute(
        report.site(),
        (site, old) -> {
          boolean serving = report.serving();
          long epoch = serving ? report.servingEpoch() : old == null ? 0 : old.lastServingEpoch();
          long servingAt =
              serving
                  ? receivedAtNanos
                  : old == null ? Long.MIN_VALUE : old.lastServingHeardNanos();
          long failing = Long.MIN_VALUE;
          if (serving && !report.healthy()) {
            failing =
                old != null && old.firstFailingNanos() != Long.MIN_VALUE
                    ? old.firstFailingNanos()
                    : receivedAtNanos;
          }
          return new PeerMemory(site, receivedAtNanos, epoch, servingAt, serving, failing);
        });
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

  /** What we remember of each peer we ever heard from. */
  public Map<String, PeerMemory> memory() {
    return Map.copyOf(memory);
  }

  /**
   * The peer whose latest report says it serves (if several, the one heard serving last): the site
   * an outage activation takes over from.
   */
  public Optional<PeerMemory> lastServing() {
    return memory.values().stream()
        .filter(PeerMemory::servingInLatest)
        .max(
            Comparator.comparingLong(PeerMemory::lastServingHeardNanos)
                .thenComparing(PeerMemory::site));
  }

  /** Whether any peer was ever seen serving. */
  public boolean anySeenServing() {
    return memory.values().stream().anyMatch(m -> m.lastServingEpoch() > 0);
  }

  /** Forget everything (e.g. on restart). */
  public void clear() {
    reports.clear();
    promises.clear();
    memory.clear();
  }
}
