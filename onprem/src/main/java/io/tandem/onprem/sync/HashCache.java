package io.tandem.onprem.sync;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content hashes of files by path, trusted while the file's size, modification time, change time
 * and inode are what they were when it was hashed (rsync's quick check, plus the change time and
 * inode that no ordinary write can keep). A hash taken within {@value #RACY_MILLIS} ms of the
 * file's last change is "racy" (git's term: a write in the same timestamp tick could leave all four
 * the same) and is not trusted the next time; the file is read again. Kept in a file between runs
 * and restarts when one is given (written by rename, no fsync: a lost or damaged cache only costs a
 * re-read). Thread-safe.
 */
final class HashCache {

  private static final Logger log = LoggerFactory.getLogger(HashCache.class);
  private static final String HEADER = "tandem-hash-cache 1";
  static final long RACY_MILLIS = 2000;

  /** What a file looked like. */
  record Stat(long size, long mtimeNanos, long ctimeNanos, long inode) {}

  private record Entry(Stat stat, String sha, boolean racy) {}

  private final Optional<Path> file;
  private final Map<String, Entry> map = new ConcurrentHashMap<>();
  private volatile boolean loaded;
  private volatile boolean dirty;

  HashCache(Optional<Path> file) {
    this.file = file;
  }

  /** The hash of {@code path} if it is known and still trusted for {@code stat}, else null. */
  String get(String path, Stat stat) {
    load();
    Entry e = map.get(path);
    return e != null && !e.racy() && e.stat().equals(stat) ? e.sha() : null;
  }

  /** Records the hash of {@code path}, read from a file that looked like {@code stat}. */
  void put(String path, Stat stat, String sha, long hashStartedMillis) {
    load();
    long racyFrom = (hashStartedMillis - RACY_MILLIS) * 1_000_000L;
    boolean racy = stat.mtimeNanos() >= racyFrom || stat.ctimeNanos() >= racyFrom;
    map.put(path, new Entry(stat, sha, racy));
    dirty = true;
  }

  /** Whether {@code path} still looks as it did when it was last hashed (or found unchanged). */
  boolean matches(String path, Stat stat) {
    Entry e = map.get(path);
    return e != null && e.stat().equals(stat);
  }

  void forget(String path) {
    if (map.remove(path) != null) {
      dirty = true;
    }
  }

  /** Drops the paths a scan no longer saw, and writes the cache file if anything changed. */
  void retainAndSave(Collection<String> seen) {
    Set<String> keep = new HashSet<>(seen);
    if (map.keySet().removeIf(k -> !keep.contains(k))) {
      dirty = true;
    }
    if (!dirty || file.isEmpty()) {
      return;
    }
    dirty = false;
    Path f = file.get();
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    try {
      Files.createDirectories(f.getParent());
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        w.write(HEADER + "\n");
        for (Map.Entry<String, Entry> e : map.entrySet()) {
          Stat s = e.getValue().stat();
          w.write(
              e.getValue().sha()
                  + "\t"
                  + s.size()
                  + "\t"
                  + s.mtimeNanos()
                  + "\t"
                  + s.ctimeNanos()
                  + "\t"
                  + s.inode()
                  + "\t"
                  + (e.getValue().racy() ? 1 : 0)
                  + "\t"
                  + ManifestCodec.encode(e.getKey())
                  + "\n");
        }
      }
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      log.warn("hash cache {} not written ({}); files are hashed again", f, e.toString());
    }
  }

  private void load() {
    if (loaded) {
      return;
    }
    synchronized (this) {
      if (loaded || file.isEmpty() || !Files.exists(file.get())) {
        loaded = true;
        return;
      }
      try (BufferedReader r = Files.newBufferedReader(file.get(), StandardCharsets.UTF_8)) {
        if (!HEADER.equals(r.readLine())) {
          throw new IOException("not a hash cache");
        }
        String line;
        while ((line = r.readLine()) != null) {
          String[] f = line.split("\t", -1);
          map.put(
              ManifestCodec.decode(f[6]),
              new Entry(
                  new Stat(
                      Long.parseLong(f[1]),
                      Long.parseLong(f[2]),
                      Long.parseLong(f[3]),
                      Long.parseLong(f[4])),
                  f[0],
                  f[5].equals("1")));
        }
      } catch (IOException | RuntimeException e) {
        map.clear();
        log.info("hash cache {} unreadable ({}); files are hashed again", file.get(), e.toString());
      }
      loaded = true;
    }
  }
}
