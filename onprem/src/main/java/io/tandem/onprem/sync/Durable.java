package io.tandem.onprem.sync;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * fsync of files and directories (a rename is durable only once its directory is synced), one at a
 * time or as a {@link Batch}: many files forced concurrently, while the caller goes on writing the
 * next ones. Concurrent fsyncs on one filesystem share its journal commits (ext4's jbd2 and XFS
 * group them), so 10,000 staged files cost a few seconds instead of 10,000 sequential disk flushes
 * (measured on the reference machine: 2,000 files 3.5 s one by one, 0.4 s 64 at a time).
 */
final class Durable {

  /** fsyncs in flight at once in a batch. */
  static final int PARALLEL = 64;

  private Durable() {}

  /** Forces {@code file}'s content and metadata to disk. */
  static void force(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Forces {@code dir}'s entries (names created, renamed or removed in it) to disk. */
  static void forceDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Files and directories forced concurrently; {@link #await()} returns once all are durable. */
  static final class Batch implements AutoCloseable {
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore slots = new Semaphore(PARALLEL);
    private final List<Future<?>> pending = new ArrayList<>();

    /** Starts forcing a file (its content, mode, owner and times as they are now). */
    void file(Path p) throws IOException {
      submit(p, false);
    }

    /** Starts forcing a directory's entries. */
    void directory(Path p) throws IOException {
      submit(p, true);
    }

    private void submit(Path p, boolean directory) throws IOException {
      try {
        slots.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while syncing to disk");
      }
      pending.add(
          pool.submit(
              () -> {
                try {
                  if (directory) {
                    forceDirectory(p);
                  } else {
                    force(p);
                  }
                } finally {
                  slots.release();
                }
                return null;
              }));
    }

    /** Waits until everything submitted is on disk; the first failure is thrown. */
    void await() throws IOException {
      try {
        for (Future<?> f : pending) {
          f.get();
        }
        pending.clear();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while syncing to disk");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        throw new IOException("sync to disk failed: " + e.getCause(), e.getCause());
      }
    }

    @Override
    public void close() {
      pool.shutdownNow();
    }
  }
}
