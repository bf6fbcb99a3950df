package io.tandem.onprem.sync;

import io.tandem.core.sync.SyncGlob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Walks a {@code files} job's directories (never following links) and describes every entry the
 * include/exclude globs select, with its SHA-256. Hashes are cached by size, modification time,
 * change time and inode, as rsync's quick check trusts size and time, so an unchanged tree is not
 * read again. Content is streamed through the digest, never held. The scanner keeps its cache
 * between scans and is thread-safe.
 */
final class TreeScanner {

  /** Name of the state directory a receiver may keep inside a job's path; never synced. */
  static final String STATE_DIR = ".tandem-sync";

  private record Cached(long size, long mtime, long ctime, Object inode, String sha) {}

  private final List<Path> roots;
  private final List<PathMatcher> include;
  private final List<PathMatcher> exclude;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  TreeScanner(List<Path> roots, List<String> include, List<String> exclude) {
    this.roots = List.copyOf(roots);
    this.include = include.stream().map(SyncGlob::matcher).toList();
    this.exclude = exclude.stream().map(SyncGlob::matcher).toList();
  }

  List<Path> roots() {
    return roots;
  }

  /** Whether {@code relative} (a file or link) is selected. */
  boolean selected(Path relative, boolean directory) {
    if (exclude.stream().anyMatch(m -> m.matches(relative))) {
      return false;
    }
    return directory || include.stream().anyMatch(m -> m.matches(relative));
  }

  /**
   * Every selected entry of every root, sorted by key (parents before children). A missing root
   * yields no entries. With {@code hash} false, files carry no hash (a receiver hashes lazily).
   */
  List<FileEntry> scan(boolean hash) throws IOException {
    List<FileEntry> out = new ArrayList<>();
    for (int i = 0; i < roots.size(); i++) {
      Path root = roots.get(i);
      if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      String prefix = i + "/";
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              Path rel = root.relativize(dir);
              if (!rel.toString().isEmpty()) {
                if (rel.getNameCount() == 1 && rel.toString().equals(STATE_DIR)) {
                  return FileVisitResult.SKIP_SUBTREE;
                }
                if (!selected(rel, true)) {
                  return FileVisitResult.SKIP_SUBTREE;
                }
              }
              out.add(describe(dir, prefix + rel, hash));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Path rel = root.relativize(file);
              if ((attrs.isRegularFile() || attrs.isSymbolicLink()) && selected(rel, false)) {
                try {
                  out.add(describe(file, prefix + rel, hash));
                } catch (NoSuchFileException gone) {
                  // removed while we walked: the next run sees the deletion
                }
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
              if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
              }
              throw e;
            }
          });
    }
    out.sort(java.util.Comparator.comparing(FileEntry::key));
    return out;
  }

  /** The entry for one path (which must exist). */
  FileEntry describe(Path p, String key, boolean hash) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
    int mode = ((Integer) a.get("mode")) & 07777;
    int uid = (Integer) a.get("uid");
    int gid = (Integer) a.get("gid");
    String owner = a.get("owner") instanceof UserPrincipal u ? u.getName() : "";
    String group = a.get("group") instanceof GroupPrincipal g ? g.getName() : "";
    long mtime = ((FileTime) a.get("lastModifiedTime")).toMillis();
    boolean link = (Boolean) a.get("isSymbolicLink");
    boolean dir = (Boolean) a.get("isDirectory");
    if (link) {
      return new FileEntry(
          key,
          'l',
          mode,
          uid,
          gid,
          owner,
          group,
          mtime,
          0,
          "",
          Files.readSymbolicLink(p).toString());
    }
    if (dir) {
      return new FileEntry(key, 'd', mode, uid, gid, owner, group, mtime, 0, "", "");
    }
    long size = (Long) a.get("size");
    String sha = "";
    if (hash) {
      long mtimeNanos =
          ((FileTime) a.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
      long ctime = ((FileTime) a.get("ctime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
      Object inode = a.get("ino");
      String abs = p.toString();
      Cached c = cache.get(abs);
      if (c != null
          && c.size() == size
          && c.mtime() == mtimeNanos
          && c.ctime() == ctime
          && c.inode().equals(inode)) {
        sha = c.sha();
      } else {
        sha = sha256(p);
        cache.put(abs, new Cached(size, mtimeNanos, ctime, inode, sha));
      }
    }
    return new FileEntry(key, 'f', mode, uid, gid, owner, group, mtime, size, sha, "");
  }

  /** Forgets the cached hash of {@code p} (after a receiver wrote it). */
  void forget(Path p) {
    cache.remove(p.toString());
  }

  /** The absolute path of {@code key} under this job's roots. */
  Path resolve(String key) {
    int slash = key.indexOf('/');
    Path root = roots.get(Integer.parseInt(key.substring(0, slash)));
    String rel = key.substring(slash + 1);
    return rel.isEmpty() ? root : root.resolve(rel);
  }

  static String sha256(Path p) throws IOException {
    MessageDigest md = digest();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
    }
  }
}
