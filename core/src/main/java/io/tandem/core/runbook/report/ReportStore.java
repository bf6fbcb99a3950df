package io.tandem.core.runbook.report;

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
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reports on disk: {@code <ended-at>_<runId>.json} and {@code .txt} side by side, written
 * atomically (temp file + rename), pruned after each save by {@link Retention}. Thread-safe
 * (synchronised).
 */
public final class ReportStore {

  /**
   * How long reports are kept: at most {@code keepLast} reports, none older than {@code maxAge}.
   */
  public record Retention(int keepLast, Duration maxAge) {
    public Retention {
      Objects.requireNonNull(maxAge, "maxAge");
      if (keepLast < 1) {
        throw new IllegalArgumentException("keepLast must be >= 1, was " + keepLast);
      }
    }

    /** The last 100 reports, up to a year old. */
    public static Retention defaults() {
      return new Retention(100, Duration.ofDays(365));
    }
  }

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final Path dir;
  private final Clock clock;
  private final Retention retention;

  public ReportStore(Path dir, Clock clock, Retention retention) {
    this.dir = dir;
    this.clock = clock;
    this.retention = retention;
  }

  /** Writes the report as JSON and text, then prunes. Returns the JSON file. */
  public synchronized Path save(RunReport report) {
    String base = STAMP.format(report.endedAt()) + "_" + report.runId();
    try {
      Files.createDirectories(dir);
      Path json = write(base + ".json", RunReports.toJson(report));
      write(base + ".txt", ReportText.render(report));
      prune();
      return json;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store report of run " + report.runId(), e);
    }
  }

  /** Run ids of stored reports, newest first. */
  public synchronized List<String> runIds() {
    return entries().stream().map(Entry::runId).toList();
  }

  /** The stored report of a run, if kept. */
  public synchronized Optional<RunReport> load(String runId) {
    return entries().stream()
        .filter(e -> e.runId().equals(runId))
        .findFirst()
        .map(e -> read(e.json()));
  }

  /** Deletes reports beyond {@code keepLast} or older than {@code maxAge}; returns how many. */
  public synchronized int prune() {
    Instant oldest = clock.instant().minus(retention.maxAge());
    List<Entry> all = entries();
    int removed = 0;
    for (int i = 0; i < all.size(); i++) {
      Entry e = all.get(i);
      if (i >= retention.keepLast() || e.endedAt().isBefore(oldest)) {
        delete(e.json());
        delete(e.json().resolveSibling(e.base() + ".txt"));
        removed++;
      }
    }
    return removed;
  }

  private record Entry(String base, Instant endedAt, String runId, Path json) {}

  private List<Entry> entries() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Entry> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        int us = name.indexOf('_');
        if (!name.endsWith(".json") || us < 0) {
          continue;
        }
        String base = name.substring(0, name.length() - 5);
        try {
          Instant at = Instant.from(STAMP.parse(name.substring(0, us)));
          out.add(new Entry(base, at, base.substring(us + 1), p));
        } catch (java.time.format.DateTimeParseException e) {
          // not one of ours
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list reports in " + dir, e);
    }
    out.sort(Comparator.comparing(Entry::endedAt).thenComparing(Entry::runId).reversed());
    return out;
  }

  private Path write(String name, String content) throws IOException {
    Path target = dir.resolve(name);
    Path tmp = dir.resolve(name + ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    return Files.move(
        tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static RunReport read(Path json) {
    try {
      return RunReports.fromJson(Files.readString(json));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read report " + json, e);
    }
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete old report " + p, e);
    }
  }
}
