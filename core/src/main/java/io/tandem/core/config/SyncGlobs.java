package io.tandem.core.config;

import java.nio.file.FileSystems;

/** Checks the include/exclude/override globs of sync jobs when the configuration is built. */
final class SyncGlobs {

  private SyncGlobs() {}

  static void check(Violations v, String field, String glob) {
    if (glob.isBlank()) {
      v.add(field, "expected a glob such as *.conf or **/*.wav, found an empty string");
      return;
    }
    if (glob.startsWith("/")) {
      v.add(field, "expected a glob relative to the job's path (no leading /), found " + glob);
      return;
    }
    if (glob.contains("..")) {
      v.add(field, "expected a glob inside the job's path (no ..), found " + glob);
      return;
    }
    try {
      FileSystems.getDefault().getPathMatcher("glob:" + glob);
    } catch (IllegalArgumentException e) {
      v.add(field, "expected a glob such as *.conf or **/*.wav: " + e.getMessage());
    }
  }
}
