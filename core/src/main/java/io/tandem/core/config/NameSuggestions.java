package io.tandem.core.config;

import java.util.Collection;

/** "Did you mean" hints: the closest candidate within a small edit distance. */
final class NameSuggestions {

  private NameSuggestions() {}

  /** {@code " (did you mean X?)"}, or an empty string when nothing is close enough. */
  static String hint(String wrong, Collection<String> candidates) {
    return closest(wrong, candidates).map(c -> " (did you mean " + c + "?)").orElse("");
  }

  /** The candidate closest to {@code wrong}, if it is close enough to be a typo. */
  static java.util.Optional<String> closest(String wrong, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(wrong.toLowerCase(), c.toLowerCase());
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    // Close enough: at most a third of the word wrong, and never more than 3 edits.
    if (best != null && bestDistance <= Math.min(3, Math.max(1, best.length() / 3))) {
      return java.util.Optional.of(best);
    }
    return java.util.Optional.empty();
  }

  /** Levenshtein distance; names are short, so the quadratic table is fine. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
