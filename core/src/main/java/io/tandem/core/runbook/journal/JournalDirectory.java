package io.tandem.core.runbook.journal;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>A finished journal is read once: its size and modification time are remembered with its end,
 * and while both are unchanged later listings and pruning take the end from memory instead of
 * reading the file again (issue 17.2: every activation lists the unfinished runs between its
 * decision and its first step, and reading every retained journal there cost 4-12 ms for 5-25
 * journals on a loaded machine, growing with each run up to {@link Retention#keepLast()}). A file
 * changed since (a flipped byte moves its modification time) is read again; one changed less than a
 * second before it was read is not remembered (its status might not show a change made within the
 * same clock tick).
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

  /** A finished journal as last read: its file's size and modification time, and its end. */
  private record Finished(long size, FileTime modified, Instant endedAt) {}

  private final Map<String, Finished> finished = new ConcurrentHashMap<>();

  /** How old a file's last change must be before its status alone stands for its content. */
  private static final Duration RACY = Duration.ofSeconds(1);

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

  /**
   * A directory of its own beneath this one for {@link
   * io.tandem.core.runbook.RunbookEngine#rehearse rehearsals} (default retention, nobody told):
   * never listed, pruned or quarantined with this directory's runs (those are the regular files
   * directly in it).
   */
  public JournalDirectory rehearsals() {
    return new JournalDirectory(dir.resolve("rehearsal"), clock);
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
      BasicFileAttributes seen = attributes(path(runId));
      if (endedAsLastRead(runId, seen) != null) {
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
      } else {
        remember(runId, seen, records.getLast().at());
      }
    }
    return out;
  }

  /**
   * Reads every journal not read since it last changed and remembers the finished ones, changing
   * nothing (a damaged journal is left for {@link #unfinishedRuns()} to quarantine): done before
   * any fault, it leaves a listing after one only a directory read and a file status per journal.
   *
   * @return how many journals are known finished
   */
  public int index() {
    for (String runId : runIds()) {
      BasicFileAttributes seen = attributes(path(runId));
      if (seen == null || endedAsLastRead(runId, seen) != null) {
        continue;
      }
      try {
        List<JournalRecord> r = Journal.read(path(runId));
        if (!r.isEmpty() && r.getLast().type() == RecordType.RUN_ENDED) {
          remember(runId, seen, r.getLast().at());
        }
      } catch (RuntimeException e) {
        // damaged: unfinishedRuns() quarantines it
      }
    }
    return finished.size();
  }

  /**
   * This process has just written the {@code RUN_ENDED} record of {@code runId} (and nothing more
   * will be written to it): the journal is remembered as finished with its file's status now, so
   * the next listing does not read it. Unlike a journal read back, it is remembered even though it
   * changed just now: this process made that change, and another writer within the same clock tick
   * is not guarded against.
   */
  public void endedHere(String runId, Instant endedAt) {
    BasicFileAttributes seen = attributes(path(runId));
    if (seen != null) {
      finished.put(runId, new Finished(seen.size(), seen.lastModifiedTime(), endedAt));
    }
  }

  /** Its file's status, or null if it cannot be read (then the file is read and judged). */
  private static BasicFileAttributes attributes(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class);
    } catch (IOException e) {
      return null;
    }
  }

  /** The end of a journal read finished while its file looked as it does now, else null. */
  private Instant endedAsLastRead(String runId, BasicFileAttributes seen) {
    Finished f = finished.get(runId);
    if (f == null || seen == null) {
      return null;
    }
    if (f.size() == seen.size() && f.modified().equals(seen.lastModifiedTime())) {
      return f.endedAt();
    }
    finished.remove(runId);
    return null;
  }

  /**
   * Remembers a finished journal with the status its file had before it was read (a change in
   * between makes the next listing read it again).
   */
  private void remember(String runId, BasicFileAttributes seen, Instant endedAt) {
    // a file changed within the file system's time resolution of its last change could look the
    // same afterwards (git's "racy" entries): such a file is only remembered once it is older. The
    // file's times are the operating system's, so they are compared with its wall clock.
    if (seen != null && seen.lastModifiedTime().toInstant().isBefore(Instant.now().minus(RACY))) {
      finished.put(runId, new Finished(seen.size(), seen.lastModifiedTime(), endedAt));
    }
  }

  /**
   * Moves a journal that cannot be used to {@code quarantine/}, with a {@code .why} file beside it,
   * and tells the listener. Safe to call for a journal that is already gone.
   *
   * @return where it went, or null if there was nothing to move
   */
  public synchronized Quarantined quarantine(String runId, String cause) {
    finished.remove(runId);
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
    record Ended(String runId, Instant endedAt) {}
    List<Ended> ended = new ArrayList<>();
    for (String runId : runIds()) {
      BasicFileAttributes seen = attributes(path(runId));
      Instant known = endedAsLastRead(runId, seen);
      if (known != null) {
        ended.add(new Ended(runId, known));
        continue;
      }
      try {
        List<JournalRecord> r = Journal.read(path(runId));
        if (!r.isEmpty() && r.getLast().type() == RecordType.RUN_ENDED) {
          ended.add(new Ended(runId, r.getLast().at()));
          remember(runId, seen, r.getLast().at());
        }
      } catch (RuntimeException e) {
        // damaged: unfinishedRuns() quarantines it; pruning leaves it alone
      }
    }
    ended.sort(Comparator.comparing(Ended::endedAt).thenComparing(Ended::runId).reversed());
    int removed = 0;
    for (int i = 0; i < ended.size(); i++) {
      Ended f = ended.get(i);
      if (i >= retention.keepLast() || f.endedAt().isBefore(oldest)) {
        if (delete(path(f.runId()))) {
          removed++;
          finished.remove(f.runId());
        }
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
