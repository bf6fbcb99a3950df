package io.tandem.core.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one load has found so far: problems, and where each field path sits in the file so that
 * builder violations (which know only paths) can be placed at a line. Not thread-safe.
 */
final class LoadContext {

  private final String file;
  private final List<ConfigProblem> problems = new ArrayList<>();
  private final Map<String, int[]> locations = new HashMap<>();
  private final java.util.Set<String> covered = new java.util.HashSet<>();
  private final java.util.Set<String> rejectedValues = new java.util.HashSet<>();
  private final java.util.Set<String> rejectedObjects = new java.util.HashSet<>();

  LoadContext(String file) {
    this.file = file;
    locations.put("", new int[] {1, 1});
  }

  void locate(String path, int line, int column) {
    locations.putIfAbsent(path, new int[] {line, column});
  }

  /** A value at {@code path} was rejected as read (wrong type, inline secret, ...). */
  void problem(String path, int line, int column, String expected) {
    problems.add(new ConfigProblem(file, line, column, path, expected));
    rejectedValues.add(path);
  }

  /** As above, placed at the path or at its nearest enclosing node that exists in the file. */
  void problem(String path, String expected) {
    report(path, expected);
    rejectedValues.add(path);
  }

  /** The object at {@code path} could not be built; its problems are already reported. */
  void rejectObject(String path) {
    rejectedObjects.add(path);
  }

  /**
   * Reports builder violations under {@code prefix}, skipping those that only repeat a problem
   * already reported: a rejected value is not also "missing", and a parent of an object that failed
   * does not also complain about that object (or count it).
   */
  void violations(String prefix, List<Violation> violations) {
    for (Violation v : violations) {
      String path = v.under(prefix).field();
      if (!explained(path)) {
        report(path, v.expected());
      }
    }
  }

  private void report(String path, String expected) {
    int[] at = find(path);
    problems.add(new ConfigProblem(file, at[0], at[1], path, expected));
  }

  /** Marks a path as already explained by another problem (e.g. a misspelt key). */
  void cover(String path) {
    covered.add(path);
  }

  boolean hasProblems() {
    return !problems.isEmpty();
  }

  int problemCount() {
    return problems.size();
  }

  InvalidConfigException failure() {
    List<ConfigProblem> sorted = new ArrayList<>(problems);
    sorted.sort(
        Comparator.comparingInt(ConfigProblem::line).thenComparingInt(ConfigProblem::column));
    return new InvalidConfigException(sorted);
  }

  private boolean explained(String path) {
    if (covered.contains(path)) {
      return true;
    }
    for (String r : rejectedValues) {
      if (within(path, r)) {
        return true;
      }
    }
    for (String o : rejectedObjects) {
      if (within(path, o) || within(o, path)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code inner} equals {@code outer} or lies below it. */
  private static boolean within(String inner, String outer) {
    if (outer.isEmpty()) {
      return false;
    }
    return inner.equals(outer)
        || (inner.startsWith(outer)
            && (inner.charAt(outer.length()) == '.' || inner.charAt(outer.length()) == '['));
  }

  private int[] find(String path) {
    String p = path;
    while (true) {
      int[] at = locations.get(p);
      if (at != null) {
        return at;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) {
        return locations.getOrDefault(
            cut == 0 ? "" : p.substring(0, Math.max(cut, 0)), locations.get(""));
      }
      p = p.substring(0, cut);
    }
  }
}
