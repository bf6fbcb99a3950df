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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Walks a {@code files} job's directories (never following links) and describes every entry the
 * include/exclude globs select, with its SHA-256. Hashes are cached ({@link HashCache}) by size,
 * modification time, change time and inode, as rsync's quick check trusts size and time, so an
 * unchanged tree is not read again — across restarts too when the cache has a file. Files that do
 * need hashing are hashed in parallel, one per core but one. Owner and group names are looked up
 * once per number and scan. Content is streamed through the digest, never held. Thread-safe.
 */
final class TreeScanner {

  /** Name of the state directory a receiver may keep inside a job's path; never synced. */
  static final String STATE_DIR = ".tandem-sync";

  private static final String STAT = "unix:mode,uid,gid,size,lastModifiedTime,ctime,ino";

  /** One scanned path and what it needs. */
  private record Seen(Path path, String key, FileEntry entry, HashCache.Stat stat) {}

  private final List<Path> roots;
  private final List<PathMatcher> include;
  private final List<PathMatcher> exclude;
  private final HashCache cache;

  TreeScanner(List<Path> roots, List<String> include, List<String> exclude) {
    this(roots, include, exclude, Optional.empty());
  }

  /**
   * @param cacheFile where the hashes are kept between runs and restarts, if anywhere
   */
  TreeScanner(
      List<Path> roots, List<String> include, List<String> exclude, Optional<Path> cacheFile) {
    this.roots = List.copyOf(roots);
    this.include = include.stream().map(SyncGlob::matcher).toList();
    this.exclude = exclude.stream().map(SyncGlob::matcher).toList();
    this.cache = new HashCache(cacheFile);
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
    Names names = new Names();
    List<Seen> seen = new ArrayList<>();
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
              seen.add(stat(dir, prefix + rel, names));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Path rel = root.relativize(file);
              if ((attrs.isRegularFile() || attrs.isSymbolicLink()) && selected(rel, false)) {
                try {
                  seen.add(stat(file, prefix + rel, names));
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
    List<FileEntry> out = hash ? hashAll(seen) : seen.stream().map(Seen::entry).toList();
    if (hash) {
      cache.retainAndSave(seen.stream().map(s -> s.path().toString()).toList());
    }
    return out.stream().sorted(java.util.Comparator.comparing(FileEntry::key)).toList();
  }

  /** Fills in each file's hash: from the cache, or read, several files at once. */
  private List<FileEntry> hashAll(List<Seen> seen) throws IOException {
    List<FileEntry> out = new ArrayList<>(seen.size());
    List<Integer> missing = new ArrayList<>();
    for (Seen s : seen) {
      FileEntry e = s.entry();
      if (e.isFile()) {
        String sha = cache.get(s.path().toString(), s.stat());
        if (sha == null) {
          missing.add(out.size());
        } else {
          e = withSha(e, sha);
        }
      }
      out.add(e);
    }
    if (missing.isEmpty()) {
      return out;
    }
    // one core is left to the rest of the agent: its sensors' readings must stay on time while a
    // large tree is hashed, or the site looks unhealthy and the gate stops the very run
    int threads = Math.min(missing.size(), Runtime.getRuntime().availableProcessors() - 1);
    if (threads <= 1) {
      for (int i : missing) {
        out.set(i, withSha(out.get(i), hashAndCache(seen.get(i))));
      }
      return out;
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofVirtual().factory());
    try {
      List<Future<String>> shas = new ArrayList<>();
      for (int i : missing) {
        Seen s = seen.get(i);
        shas.add(pool.submit(() -> hashAndCache(s)));
      }
      for (int k = 0; k < missing.size(); k++) {
        int i = missing.get(k);
        out.set(i, withSha(out.get(i), shas.get(k).get()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while hashing");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("hashing failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  private String hashAndCache(Seen s) throws IOException {
    long started = System.currentTimeMillis();
    String sha = sha256(s.path());
    cache.put(s.path().toString(), s.stat(), sha, started);
    return sha;
  }

  private static FileEntry withSha(FileEntry e, String sha) {
    return new FileEntry(
        e.key(),
        e.type(),
        e.mode(),
        e.uid(),
        e.gid(),
        e.owner(),
        e.group(),
        e.mtimeMillis(),
        e.size(),
        sha,
        e.link());
  }

  /** The entry for one path (which must exist), hashed if {@code hash} (through the cache). */
  FileEntry describe(Path p, String key, boolean hash) throws IOException {
    Seen s = stat(p, key, new Names());
    if (!hash || !s.entry().isFile()) {
      return s.entry();
    }
    String sha = cache.get(p.toString(), s.stat());
    return withSha(s.entry(), sha != null ? sha : hashAndCache(s));
  }

  private Seen stat(Path p, String key, Names names) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, STAT, LinkOption.NOFOLLOW_LINKS);
    int mode = ((Integer) a.get("mode")) & 07777;
    int type = ((Integer) a.get("mode")) & 0170000;
    int uid = (Integer) a.get("uid");
    int gid = (Integer) a.get("gid");
    FileTime mtime = (FileTime) a.get("lastModifiedTime");
    String owner = names.user(uid, p);
    String group = names.group(gid, p);
    if (type == 0120000) {
      return new Seen(
          p,
          key,
          new FileEntry(
              key,
              'l',
              mode,
              uid,
              gid,
              owner,
              group,
              mtime.toMillis(),
              0,
              "",
              Files.readSymbolicLink(p).toString()),
          null);
    }
    if (type == 0040000) {
      return new Seen(
          p,
          key,
          new FileEntry(key, 'd', mode, uid, gid, owner, group, mtime.toMillis(), 0, "", ""),
          null);
    }
    long size = (Long) a.get("size");
    HashCache.Stat stat =
        new HashCache.Stat(
            size,
            mtime.to(TimeUnit.NANOSECONDS),
            ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS),
            ((Number) a.get("ino")).longValue());
    return new Seen(
        p,
        key,
        new FileEntry(key, 'f', mode, uid, gid, owner, group, mtime.toMillis(), size, "", ""),
        stat);
  }

  /**
   * Whether {@code p} is still as the last scan saw it (same size, times and inode): a sender
   * checks this before and after reading a file, so content that changed while it was sent is never
   * offered under the scanned hash (the receiver verifies every byte against it anyway).
   */
  boolean unchanged(Path p) {
    try {
      Map<String, Object> a = Files.readAttributes(p, STAT, LinkOption.NOFOLLOW_LINKS);
      HashCache.Stat now =
          new HashCache.Stat(
              (Long) a.get("size"),
              ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
              ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS),
              ((Number) a.get("ino")).longValue());
      return cache.matches(p.toString(), now);
    } catch (IOException e) {
      return false;
    }
  }

  /** Forgets the cached hash of {@code p} (after a receiver wrote it, or it changed). */
  void forget(Path p) {
    cache.forget(p.toString());
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

  /**
   * Owner and group names by number for one scan: the system is asked once per number (the JDK's
   * {@code unix:owner} asks the name service for every file).
   */
  private static final class Names {
    private final Map<Integer, String> users = new ConcurrentHashMap<>();
    private final Map<Integer, String> groups = new ConcurrentHashMap<>();

    String user(int uid, Path p) throws IOException {
      String n = users.get(uid);
      if (n == null) {
        n = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
        users.put(uid, n);
      }
      return n;
    }

    String group(int gid, Path p) throws IOException {
      String n = groups.get(gid);
      if (n == null) {
        Object g = Files.readAttributes(p, "posix:group", LinkOption.NOFOLLOW_LINKS).get("group");
        n = g instanceof java.nio.file.attribute.GroupPrincipal gp ? gp.getName() : "";
        groups.put(gid, n);
      }
      return n;
    }
  }
}
