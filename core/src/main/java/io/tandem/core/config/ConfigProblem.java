package io.tandem.core.config;

import java.util.Objects;

/**
 * One problem found in a configuration file, placed where the operator can find it.
 *
 * @param file the file name as given to the loader, or {@code <builder>} when built in code
 * @param line 1-based line, 0 when unknown
 * @param column 1-based column, 0 when unknown
 * @param path field path, e.g. {@code sites[1].serviceAddresses[0].allocationId}
 * @param expected what was expected, in words; never contains a secret value
 */
public record ConfigProblem(String file, int line, int column, String path, String expected) {

  /** Longest message kept; values quoted in it are cut shorter where they are quoted. */
  static final int MAX_EXPECTED = 600;

  /**
   * Text from the file (keys, values) is escaped: control and bidirectional-override characters
   * show as {@code \\uXXXX}, so a problem line cannot hide or reorder what it reports.
   */
  public ConfigProblem {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(expected, "expected");
    file = SafeText.escape(file);
    path = SafeText.cut(path, 200);
    expected = SafeText.cut(expected, MAX_EXPECTED);
  }

  /** {@code cluster.yaml:12:7: sites[1].priority: expected ...}, like a compiler. */
  public String format() {
    StringBuilder b = new StringBuilder(file);
    if (line > 0) {
      b.append(':').append(line);
      if (column > 0) {
        b.append(':').append(column);
      }
    }
    b.append(": ");
    if (!path.isEmpty()) {
      b.append(path).append(": ");
    }
    return b.append(expected).toString();
  }

  @Override
  public String toString() {
    return format();
  }
}
