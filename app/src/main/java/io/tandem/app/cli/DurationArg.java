package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code 500ms}, {@code 3s}, {@code 2m}, {@code 1h} for CLI options. */
final class DurationArg {

  private static final Pattern P = Pattern.compile("(\\d+)(ms|s|m|h)");

  private DurationArg() {}

  static Duration parse(String option, String text) {
    Matcher m = P.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new CliException(
          option + ": expected a duration like 500ms, 10s, 2m or 1h, got '" + text + "'",
          ExitCodes.INVALID);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
