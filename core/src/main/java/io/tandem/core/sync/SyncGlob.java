package io.tandem.core.sync;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;

/**
 * The meaning of include, exclude and override globs, the same on both sides: a glob with no {@code
 * /} matches a name at any depth ({@code *.swp}, as in {@code .gitignore}); a glob with a {@code /}
 * matches the path relative to the job's directory ({@code sub/*.conf}), and {@code **} spans
 * directories, where a leading {@code **}{@code /} also matches at the top ({@code **}{@code
 * /*.conf} matches {@code a.conf}).
 */
public final class SyncGlob {

  private SyncGlob() {}

  /** A matcher for {@code glob}. */
  public static PathMatcher matcher(String glob) {
    PathMatcher full = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    if (!glob.contains("/")) {
      return p -> p.getFileName() != null && full.matches(p.getFileName());
    }
    if (glob.startsWith("**/")) {
      PathMatcher rest = FileSystems.getDefault().getPathMatcher("glob:" + glob.substring(3));
      return p -> full.matches(p) || rest.matches(p);
    }
    return full;
  }

  /** Whether {@code matcher} matches {@code relative}. */
  public static boolean matches(PathMatcher matcher, Path relative) {
    return matcher.matches(relative);
  }
}
