package io.tandem.onprem.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Everything observable about a directory tree, for before/after comparisons in tests. */
final class Trees {

  private Trees() {}

  /** path → type, mode, owner, mtime and content hash (or link target) of every entry. */
  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(root)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
        String rel = root.relativize(p).toString();
        String what;
        if ((Boolean) a.get("isSymbolicLink")) {
          what = "l " + Files.readSymbolicLink(p);
        } else if ((Boolean) a.get("isDirectory")) {
          what = "d";
        } else {
          what =
              "f "
                  + TreeScanner.sha256(p)
                  + " "
                  + ((FileTime) a.get("lastModifiedTime")).toMillis();
        }
        out.put(
            rel,
            what
                + " mode "
                + Integer.toOctalString(((Integer) a.get("mode")) & 07777)
                + " uid "
                + a.get("uid")
                + " gid "
                + a.get("gid"));
      }
    }
    return out;
  }

  /** As {@link #snapshot} but without directory modification times and inode details. */
  static Map<String, String> content(Path root) throws IOException {
    return snapshot(root);
  }
}
