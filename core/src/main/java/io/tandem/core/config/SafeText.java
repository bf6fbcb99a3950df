package io.tandem.core.config;

/**
 * Text that came from outside (a config value, a request field) made safe to print in a message, a
 * log line, an answer or the audit log: bounded in length, with control and bidirectional-override
 * characters shown as {@code \\uXXXX} so a value cannot reorder, hide or forge the text around it
 * (the "Trojan Source" trick, CVE-2021-42574). Stateless.
 */
public final class SafeText {

  private SafeText() {}

  /**
   * At most {@code max} characters of {@code s} (escapes count as one), then the cut said in words;
   * null stays null.
   */
  public static String cut(String s, int max) {
    if (s == null) {
      return null;
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 32);
    int shown = 0;
    for (int i = 0; i < s.length() && shown < max; i++, shown++) {
      char c = s.charAt(i);
      if (needsEscape(c)) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    if (s.length() > max) {
      b.append("… (").append(s.length()).append(" characters)");
    }
    return b.toString();
  }

  /** {@link #cut} without a length bound. */
  public static String escape(String s) {
    return cut(s, Integer.MAX_VALUE);
  }

  /** Control characters, bidirectional formatting characters, zero-width space and BOM. */
  static boolean needsEscape(char c) {
    return Character.isISOControl(c) || isBidiControl(c) || c == '\uFEFF' || c == '\u200B';
  }

  /** Unicode's explicit directional formatting characters (UAX #9), LRM, RLM and ALM included. */
  public static boolean isBidiControl(char c) {
    return (c >= '\u202A' && c <= '\u202E')
        || (c >= '\u2066' && c <= '\u2069')
        || c == '\u200E'
        || c == '\u200F'
        || c == '\u061C';
  }
}
