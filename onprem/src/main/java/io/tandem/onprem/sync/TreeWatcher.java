package io.tandem.onprem.sync;

import io.tandem.core.config.SyncSource;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls back soon after a change under a {@code files} job's directories: the JDK's {@link
 * WatchService}, which is inotify on Linux, registered on every selected directory (new ones as
 * they appear). Changes to excluded names are ignored. When the kernel's watch limit is reached
 * ({@code fs.inotify.max_user_watches}) the job still runs on its interval, and the log says so.
 */
public final class TreeWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TreeWatcher.class);

  private final String job;
  private final TreeScanner scanner;
  private final Runnable onChange;
  private final WatchService watch;
  private final Map<WatchKey, Path> dirs = new ConcurrentHashMap<>();
  private final Thread loop;

  public TreeWatcher(String job, SyncSource.Files source, String site, Runnable onChange)
      throws IOException {
    this.job = job;
    this.scanner =
        new TreeScanner(
            source.pathsFor(site).stream().map(Path::of).toList(),
            source.include(),
            source.exclude());
    this.onChange = onChange;
    this.watch = FileSystems.getDefault().newWatchService();
    for (Path root : scanner.roots()) {
      if (Files.isDirectory(root)) {
        registerTree(root, root);
      }
    }
    this.loop = Thread.ofVirtual().name("tandem-sync-watch-" + job).start(this::run);
  }

  private void registerTree(Path root, Path start) throws IOException {
    Files.walkFileTree(
        start,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Path rel = root.relativize(dir);
            if (!rel.toString().isEmpty()
                && (rel.toString().equals(TreeScanner.STATE_DIR) || !scanner.selected(rel, true))) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            try {
              dirs.put(
                  dir.register(
                      watch,
                      StandardWatchEventKinds.ENTRY_CREATE,
                      StandardWatchEventKinds.ENTRY_DELETE,
                      StandardWatchEventKinds.ENTRY_MODIFY),
                  dir);
            } catch (IOException e) {
              log.warn(
                  "sync {}: cannot watch {} ({}); it is synced on the interval only",
                  job,
                  dir,
                  e.getMessage());
              return FileVisitResult.TERMINATE;
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = watch.take();
        Path dir = dirs.get(key);
        boolean relevant = false;
        for (WatchEvent<?> e : key.pollEvents()) {
          if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
            relevant = true;
            continue;
          }
          if (dir == null || !(e.context() instanceof Path name)) {
            continue;
          }
          Path changed = dir.resolve(name);
          Path root = rootOf(changed);
          if (root == null) {
            continue;
          }
          Path rel = root.relativize(changed);
          if (rel.getNameCount() >= 1 && rel.getName(0).toString().equals(TreeScanner.STATE_DIR)) {
            continue;
          }
          boolean isDir = Files.isDirectory(changed);
          if (scanner.selected(rel, isDir)) {
            relevant = true;
            if (isDir && e.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
              try {
                registerTree(root, changed);
              } catch (IOException ex) {
                log.debug(
                    "sync {}: cannot watch new directory {}: {}", job, changed, ex.toString());
              }
            }
          }
        }
        if (!key.reset()) {
          dirs.remove(key);
        }
        if (relevant) {
          onChange.run();
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException stop) {
      // closed
    }
  }

  private Path rootOf(Path p) {
    List<Path> roots = scanner.roots();
    for (Path r : roots) {
      if (p.startsWith(r)) {
        return r;
      }
    }
    return null;
  }

  @Override
  public void close() {
    try {
      watch.close();
    } catch (IOException ignored) {
      // closing
    }
    loop.interrupt();
  }
}
