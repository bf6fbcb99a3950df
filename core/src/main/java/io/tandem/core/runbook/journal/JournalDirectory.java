package io.tandem.core.runbook.journal;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory holding one journal file per run, {@code <runId>.journal}, with two housekeeping
 * duties:
 *
 * <ul>
 *   <li><b>Quarantine.</b> A journal that cannot be read (a record other than the last fails its
 *       checksum, or the file cannot be read at all) is moved to {@code quarantine/} beside a
 *       {@code .why} file saying what was wrong, and the {@link Listener} is told (the agent alerts
 *       and audits it). A damaged old journal therefore never keeps the site from taking over:
 *       {@link #unfinishedRuns()} never throws for a damaged file.
 *   <li><b>Retention.</b> {@link #prune()} deletes finished journals beyond {@link
 *       Retention#keepLast()} or older than {@link Retention#maxAge()} (their reports are kept by
 *       the report store); unfinished ones are never pruned. Quarantined files older than the
 *       maximum age go too.
 * </ul>
 *
 * <p>Thread-safe: listing reads without changing any file; quarantine and pruning are synchronised.
 */
public final class JournalDirectory {

  private static final Logger log = LoggerFactory.getLogger(JournalDirectory.class);
  private static final String SUFFIX = ".journal";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  /**
   * How long finished journals are kept: at most {@code keepLast}, none older than {@code maxAge}.
   */
  public record Retention(int keepLast, Duration maxAge) {
    public Retention {
      Objects.requireNonNull(maxAge, "maxAge");
      if (keepLast < 1) {
        throw new IllegalArgumentException("keepLast must be >= 1, was " + keepLast);
      }
      if (maxAge.isNegative() || maxAge.isZero()) {
        throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
      }
    }

    /** The last 100 finished journals, up to 90 days old. */
    public static Retention defaults() {
      return new Retention(100, Duration.ofDays(90));
    }
  }

  /**
   * A journal moved aside because it could not be read.
   *
   * @param runId the run it belonged to
   * @param file where it is now
   * @param cause what was wrong, in words
   */
  public record Quarantined(String runId, Path file, String cause) {}

  /** Told about journals moved to quarantine (on the thread that found them). */
  @FunctionalInterface
  public interface Listener {
    void quarantined(Quarantined q);

    Listener NONE = q -> {};
  }

  private final Path dir;
  private final Clock clock;
  private final Retention retention;
  private final Listener listener;

  /** A directory with the default retention and nobody told about quarantined journals. */
  public JournalDirectory(Path dir, Clock clock) {
    this(dir, clock, Retention.defaults(), Listener.NONE);
  }

  public JournalDirectory(Path dir, Clock clock, Retention retention, Listener listener) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.retention = Objects.requireNonNull(retention, "retention");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /**
   * @throws ConfigException if the run id already has a journal
   */
  public Journal create(String runId) {
    if (Files.exists(path(runId))) {
      throw new ConfigException(
          "run id " + runId + " already has a journal in " + dir + "; use a new id or resume it");
    }
    return Journal.create(path(runId), clock);
  }

  public Journal open(String runId) {
    return Journal.open(path(runId), clock);
  }

  public Path path(String runId) {
    return dir.resolve(runId + SUFFIX);
  }

  /** Where damaged journals are moved. */
  public Path quarantineDir() {
    return dir.resolve("quarantine");
  }

  /**
   * Ids of runs whose journal has no {@code RUN_ENDED} record, sorted. A journal that cannot be
   * read is quarantined (see the class comment) and left out; an empty journal (the process died
   * between creating it and its first record: nothing was done) is deleted. Otherwise reads without
   * changing any file, so it is safe while runs are executing.
   */
  public List<String> unfinishedRuns() {
    return unfinishedRuns(id -> false);
  }

  /**
   * As {@link #unfinishedRuns()}, leaving the runs {@code executing} names alone (neither listed
   * nor touched: a run being created has an empty journal for a moment).
   */
  public List<String> unfinishedRuns(java.util.function.Predicate<String> executing) {
    List<String> out = new ArrayList<>();
    for (String runId : runIds()) {
      if (executing.test(runId)) {
        continue;
      }
      List<JournalRecord> records;
      try {
        records = Journal.read(path(runId));
      } catch (JournalCorruptException | UncheckedIOException e) {
        quarantine(runId, e.getMessage());
        continue;
      }
      if (records.isEmpty()) {
        deleteEmpty(runId);
      } else if (records.getLast().type() != RecordType.RUN_ENDED) {
        out.add(runId);
      }
    }
    return out;
  }

  /**
   * Moves a journal that cannot be used to {@code quarantine/}, with a {@code .why} file beside it,
   * and tells the listener. Safe to call for a journal that is already gone.
   *
   * @return where it went, or null if there was nothing to move
   */
  public synchronized Quarantined quarantine(String runId, String cause) {
    Path from = path(runId);
    if (!Files.exists(from)) {
      return null;
    }
    Path qdir = quarantineDir();
    String stamp = STAMP.format(clock.instant());
    Path to = qdir.resolve(runId + "." + stamp + SUFFIX);
    try {
      Files.createDirectories(qdir);
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // cannot even move it: leave it, but still never let it block a run
      log.error("journal {} is unusable ({}) and could not be moved aside: {}", from, cause, e);
      Quarantined q = new Quarantined(runId, from, cause + "; could not be moved aside: " + e);
      listener.quarantined(q);
      return q;
    }
    try {
      Files.writeString(
          qdir.resolve(runId + "." + stamp + ".why"),
          "journal of run "
              + runId
              + " was moved here at "
              + clock.instant()
              + " because it could not be read:\n"
              + cause
              + "\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      log.warn("could not write why {} was quarantined: {}", to, e.toString());
    }
    log.error("journal of run {} quarantined to {}: {}", runId, to, cause);
    Quarantined q = new Quarantined(runId, to, cause);
    listener.quarantined(q);
    return q;
  }

  /**
   * Deletes finished journals beyond {@link Retention#keepLast()} (newest kept) or older than
   * {@link Retention#maxAge()}, and quarantined files older than the maximum age. Unfinished and
   * damaged journals are left alone. Never throws: housekeeping must not stop a run.
   *
   * @return how many journals were deleted
   */
  public synchronized int prune() {
    Instant oldest = clock.instant().minus(retention.maxAge());
    record Finished(String runId, Instant endedAt) {}
    List<Finished> finished = new ArrayList<>();
    for (String runId : runIds()) {
      try {
        List<JournalRecord> r = Journal.read(path(runId));
        if (!r.isEmpty() && r.getLast().type() == RecordType.RUN_ENDED) {
          finished.add(new Finished(runId, r.getLast().at()));
        }
      } catch (RuntimeException e) {
        // damaged: unfinishedRuns() quarantines it; pruning leaves it alone
      }
    }
    finished.sort(
        Comparator.comparing(Finished::endedAt).thenComparing(Finished::runId).reversed());
    int removed = 0;
    for (int i = 0; i < finished.size(); i++) {
      Finished f = finished.get(i);
      if (i >= retention.keepLast() || f.endedAt().isBefore(oldest)) {
        removed += delete(path(f.runId())) ? 1 : 0;
      }
    }
    if (Files.isDirectory(quarantineDir())) {
      try (Stream<Path> files = Files.list(quarantineDir())) {
        for (Path p : files.toList()) {
          if (Files.getLastModifiedTime(p).toInstant().isBefore(oldest)) {
            delete(p);
          }
        }
      } catch (IOException e) {
        log.warn("cannot prune quarantined journals in {}: {}", quarantineDir(), e.toString());
      }
    }
    return removed;
  }

  private List<String> runIds() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(Files::isRegularFile)
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(SUFFIX))
          .map(n -> n.substring(0, n.length() - SUFFIX.length()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list journals in " + dir, e);
    }
  }

  private void deleteEmpty(String runId) {
    log.info("journal of run {} is empty (nothing was done before a crash); deleting it", runId);
    delete(path(runId));
  }

  private static boolean delete(Path p) {
    try {
      return Files.deleteIfExists(p);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", p, e.toString());
      return false;
    }
  }
}
