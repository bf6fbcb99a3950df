package io.tandem.core.runbook.journal;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;

/**
 * A directory holding one journal file per run, {@code <runId>.journal}. Thread-safe (stateless).
 */
public final class JournalDirectory {

  private static final String SUFFIX = ".journal";
  private final Path dir;
  private final Clock clock;

  public JournalDirectory(Path dir, Clock clock) {
    this.dir = dir;
    this.clock = clock;
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
   * Ids of runs whose journal has no {@code RUN_ENDED} record, sorted. Reads without changing any
   * file, so it is safe while runs are executing.
   */
  public List<String> unfinishedRuns() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(SUFFIX))
          .map(n -> n.substring(0, n.length() - SUFFIX.length()))
          .sorted()
          .filter(this::unfinished)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list journals in " + dir, e);
    }
  }

  private boolean unfinished(String runId) {
    List<JournalRecord> r = Journal.read(path(runId));
    return r.isEmpty() || r.getLast().type() != RecordType.RUN_ENDED;
  }
}
