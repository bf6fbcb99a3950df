package io.tandem.core.runbook;

import io.tandem.core.runbook.journal.JournalDirectory;
import io.tandem.core.witness.FencingToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Benchmark (not part of the test suite: the name matches no Surefire pattern): engine overhead per
 * step for a 20-step runbook of no-op steps run one stage after another. A sample is the time
 * between the observe calls of two consecutive steps, i.e. everything the engine does for one step
 * (journal intent + fsync, apply, verify, journal result + fsync, bookkeeping, next task). Run with
 * {@code scripts/bench-runbook}; prints numbers and writes {@code target/bench/runbook.json}.
 */
class RunbookBench {

  static final int STEPS = 20;
  static final int WARMUP_RUNS = 30;
  static final int RUNS = 200;

  /** A step that changes nothing real but goes through observe → apply → verify. */
  static final class NoOpStep implements Step {
    private final StepSpec spec;
    private final long[] observedAt;
    private final int index;
    private volatile boolean applied;

    NoOpStep(int index, long[] observedAt) {
      this.index = index;
      this.observedAt = observedAt;
      this.spec =
          StepSpec.of(
              "noop-" + index,
              "no-op " + index,
              "noop",
              StepPolicy.defaults().withTimeout(Duration.ofSeconds(10)));
    }

    @Override
    public StepSpec spec() {
      return spec;
    }

    @Override
    public Observation observe(StepContext context) {
      observedAt[index] = System.nanoTime();
      return new Observation("noop " + index, "before", "after", !applied);
    }

    @Override
    public String apply(Observation observed, StepContext context) {
      applied = true;
      return "after";
    }

    @Override
    public Verification verify(StepContext context) {
      return Verification.ok("ok");
    }
  }

  @Test
  void bench() throws IOException {
    Path out = Path.of("target", "bench");
    Files.createDirectories(out);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("steps", STEPS);
    result.put("runs", RUNS);
    result.put("java", System.getProperty("java.version"));
    result.put("cpus", Runtime.getRuntime().availableProcessors());
    result.put("disk", measure(out.resolve("journal-disk")));
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      Path tmp = Files.createTempDirectory(shm, "tandem-bench");
      try {
        result.put("tmpfs", measure(tmp));
      } finally {
        try (var files = Files.list(tmp)) {
          for (Path p : files.toList()) {
            Files.delete(p);
          }
        }
        Files.delete(tmp);
      }
    }
    String json =
        JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build()
            .writeValueAsString(result);
    Files.writeString(out.resolve("runbook.json"), json);
    System.out.println(json);
  }

  private static Map<String, Object> measure(Path journalDir) throws IOException {
    if (Files.exists(journalDir)) {
      try (var files = Files.list(journalDir)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
    }
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      RunbookEngine engine =
          RunbookEngine.builder()
              .ticketGuard(t -> true)
              .journals(new JournalDirectory(journalDir, Clock.systemUTC()))
              .executor(pool)
              .build();
      FencingToken token = new FencingToken("bench", "b", 1);
      List<Long> perStep = new ArrayList<>();
      List<Long> perRun = new ArrayList<>();
      for (int run = 0; run < WARMUP_RUNS + RUNS; run++) {
        long[] observedAt = new long[STEPS];
        List<Stage> stages = new ArrayList<>();
        for (int i = 0; i < STEPS; i++) {
          stages.add(Stage.of("s" + i, StageKind.OTHER, List.of(new NoOpStep(i, observedAt))));
        }
        Runbook rb = new Runbook("bench", RunKind.CUSTOM, stages);
        long start = System.nanoTime();
        engine.run(rb, RunRequest.planned("bench-" + run, token));
        long total = System.nanoTime() - start;
        if (run >= WARMUP_RUNS) {
          for (int i = 1; i < STEPS; i++) {
            perStep.add(observedAt[i] - observedAt[i - 1]);
          }
          perRun.add(total);
        }
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("journalDir", journalDir.toAbsolutePath().toString());
      m.put("perStepMedianMicros", percentile(perStep, 50) / 1000.0);
      m.put("perStepP99Micros", percentile(perStep, 99) / 1000.0);
      m.put("perStepSamples", perStep.size());
      m.put("perRunMedianMillis", percentile(perRun, 50) / 1_000_000.0);
      m.put("perRunP99Millis", percentile(perRun, 99) / 1_000_000.0);
      return m;
    } finally {
      pool.shutdownNow();
    }
  }

  private static long percentile(List<Long> values, int p) {
    long[] sorted = values.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
