package io.tandem.core.sync;

import io.tandem.core.port.SyncStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this site knows of each job's freshness: per other site, when the two copies were last made
 * equal (a run sent, received or found nothing to move), what that run moved, the bytes moved in
 * total, and the recent decisions. The successes are kept in {@code <dir>/<job>.properties} so a
 * restart does not make every copy look stale. Thread-safe; listeners are called on the thread that
 * records, and must not block.
 */
public final class SyncLedger {

  private static final Logger log = LoggerFactory.getLogger(SyncLedger.class);
  private static final int HISTORY = 200;

  private final Path dir;
  private final Clock clock;
  private final Map<String, Duration> staleAfter;
  private final Map<String, Map<String, SyncStatus.LastRun>> lastByPeer = new HashMap<>();
  private final Map<String, Long> bytesTotal = new HashMap<>();
  private final Map<String, SyncDecision> lastDecision = new HashMap<>();
  private final Deque<SyncDecision> history = new ArrayDeque<>();
  private final List<Consumer<SyncDecision>> listeners = new CopyOnWriteArrayList<>();

  /**
   * @param dir where each job's successes are kept
   * @param clock wall clock for ages
   * @param staleAfter each job's staleness bound
   */
  public SyncLedger(Path dir, Clock clock, Map<String, Duration> staleAfter) {
    this.dir = dir;
    this.clock = clock;
    this.staleAfter = Map.copyOf(staleAfter);
    staleAfter.keySet().forEach(this::load);
  }

  public void addListener(Consumer<SyncDecision> listener) {
    listeners.add(listener);
  }

  /** Records a decision; a success moves the job's freshness forward. */
  public void record(SyncDecision d, String self) {
    String other = d.from().equals(self) ? d.to() : d.from();
    synchronized (this) {
      history.addLast(d);
      while (history.size() > HISTORY) {
        history.removeFirst();
      }
      lastDecision.put(d.job(), d);
      if (d.outcome().success()) {
        lastByPeer
            .computeIfAbsent(d.job(), k -> new HashMap<>())
            .put(
                other,
                new SyncStatus.LastRun(
                    d.from(), d.to(), d.at(), d.files(), d.rows(), d.bytes(), d.durationMillis()));
        bytesTotal.merge(d.job(), d.bytes(), Long::sum);
        save(d.job());
      }
    }
    for (Consumer<SyncDecision> l : listeners) {
      try {
        l.accept(d);
      } catch (RuntimeException e) {
        log.warn("sync decision listener failed", e);
      }
    }
  }

  /** The job's freshness now: the oldest of the copies this site knows of. */
  public synchronized SyncStatus status(String job) {
    Map<String, SyncStatus.LastRun> runs = lastByPeer.getOrDefault(job, Map.of());
    Optional<SyncStatus.LastRun> oldest =
        runs.values().stream().min(java.util.Comparator.comparing(SyncStatus.LastRun::at));
    Optional<SyncStatus.LastRun> newest =
        runs.values().stream().max(java.util.Comparator.comparing(SyncStatus.LastRun::at));
    Optional<Instant> success = oldest.map(SyncStatus.LastRun::at);
    double lag =
        success
            .map(t -> Math.max(0, Duration.between(t, clock.instant()).toMillis() / 1000.0))
            .orElse(-1.0);
    Duration bound = staleAfter.getOrDefault(job, Duration.ofMinutes(5));
    boolean stale = success.isEmpty() || lag > bound.toMillis() / 1000.0;
    String detail =
        Optional.ofNullable(lastDecision.get(job))
            .map(SyncDecision::words)
            .orElse(success.isEmpty() ? "sync " + job + ": never synced" : "");
    return new SyncStatus(
        job, success, lag, detail, stale, newest, bytesTotal.getOrDefault(job, 0L));
  }

  /** The newest decisions first, at most {@code limit}. */
  public synchronized List<SyncDecision> recent(int limit) {
    List<SyncDecision> out = new ArrayList<>(history);
    java.util.Collections.reverse(out);
    return out.subList(0, Math.min(limit, out.size()));
  }

  /** The job's last decision, if any. */
  public synchronized Optional<SyncDecision> last(String job) {
    return Optional.ofNullable(lastDecision.get(job));
  }

  private void load(String job) {
    Path f = dir.resolve(job + ".properties");
    if (!Files.exists(f)) {
      return;
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(f)) {
      p.load(in);
      bytesTotal.put(job, Long.parseLong(p.getProperty("bytesTotal", "0")));
      Map<String, SyncStatus.LastRun> runs = new HashMap<>();
      for (String key : p.stringPropertyNames()) {
        if (key.startsWith("peer.") && key.endsWith(".at")) {
          String peer = key.substring(5, key.length() - 3);
          String k = "peer." + peer + ".";
          runs.put(
              peer,
              new SyncStatus.LastRun(
                  p.getProperty(k + "from"),
                  p.getProperty(k + "to"),
                  Instant.parse(p.getProperty(k + "at")),
                  Long.parseLong(p.getProperty(k + "files", "0")),
                  Long.parseLong(p.getProperty(k + "rows", "0")),
                  Long.parseLong(p.getProperty(k + "bytes", "0")),
                  Long.parseLong(p.getProperty(k + "durationMillis", "0"))));
        }
      }
      lastByPeer.put(job, runs);
    } catch (IOException | RuntimeException e) {
      log.warn(
          "sync {}: freshness record {} unreadable ({}); treated as never synced",
          job,
          f,
          e.toString());
    }
  }

  private void save(String job) {
    Properties p = new Properties();
    p.setProperty("bytesTotal", Long.toString(bytesTotal.getOrDefault(job, 0L)));
    lastByPeer
        .getOrDefault(job, Map.of())
        .forEach(
            (peer, r) -> {
              String k = "peer." + peer + ".";
              p.setProperty(k + "from", r.from());
              p.setProperty(k + "to", r.to());
              p.setProperty(k + "at", r.at().toString());
              p.setProperty(k + "files", Long.toString(r.files()));
              p.setProperty(k + "rows", Long.toString(r.rows()));
              p.setProperty(k + "bytes", Long.toString(r.bytes()));
              p.setProperty(k + "durationMillis", Long.toString(r.durationMillis()));
            });
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(job + ".properties.tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        p.store(out, "tandem sync freshness of job " + job);
      }
      Files.move(
          tmp,
          dir.resolve(job + ".properties"),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      log.warn("sync {}: cannot record freshness in {}: {}", job, dir, e.toString());
    }
  }
}
