package io.tandem.onprem.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes a small benchmark result as JSON under {@code target/} and prints it. */
public final class BenchResult {

  private BenchResult() {}

  /** Median of the samples (milliseconds). */
  public static double median(double[] samples) {
    return percentile(samples, 50);
  }

  /** Nearest-rank percentile of the samples. */
  public static double percentile(double[] samples, int p) {
    double[] sorted = samples.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** Writes {@code target/<name>.json} with the given numbers and returns the path. */
  public static Path write(String name, Map<String, Number> figures) {
    String body =
        figures.entrySet().stream()
            .map(
                e ->
                    "  \""
                        + e.getKey()
                        + "\": "
                        + (e.getValue() instanceof Double d
                            ? String.format(Locale.ROOT, "%.3f", d)
                            : e.getValue().toString()))
            .collect(Collectors.joining(",\n"));
    String json =
        "{\n  \"benchmark\": \""
            + name
            + "\",\n  \"at\": \""
            + Instant.now()
            + "\",\n"
            + body
            + "\n}\n";
    Path out = Path.of("target", name + ".json");
    try {
      Files.createDirectories(out.getParent());
      Files.writeString(out, json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.println("benchmark " + name + ": " + json);
    return out;
  }
}
