package io.tandem.core.witness;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.TransientException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Witness state in a directory: an append-only log with <b>group commit</b>, plus a snapshot. A
 * save is appended by one writer thread that takes every save waiting at that moment, writes them
 * in one {@code write}, makes them durable with one {@code fdatasync}, and only then lets each
 * caller return: with many clusters acquiring at once (a region lost), one disk flush carries them
 * all instead of two flushes and a rename each. When the log grows past a bound the writer switches
 * to a new log and writes a snapshot of every cluster's record beside it (temp file, fsync, atomic
 * rename, directory fsync), then deletes the old log, as Redis's append-only-file rewrite and
 * Bitcask's merge do. Plain java.nio: the format is ours to audit.
 *
 * <p>Every line carries a CRC-32C (Castagnoli, as etcd's write-ahead log uses) of its content. At
 * start a line whose checksum does not match, or that does not parse, stops the witness with a
 * {@link ConfigException} naming the file, the line and the cause: starting anyway could issue an
 * epoch twice. The one exception is the last line of the newest log when it lacks its line end:
 * that is a save torn by a crash before it was made durable, hence never answered, and it is cut.
 *
 * <p>Files: {@code witness.snapshot} ({@code tandem-witness-snapshot v1 next-log=<g>}, records,
 * {@code end <count>}) and {@code witness.<g>.log}, replayed from {@code next-log} on. Per-cluster
 * {@code *.ticket} files of earlier versions are read (checksums verified), folded into the first
 * snapshot and removed.
 *
 * <p>Thread-safe: {@link #save} may be called from any number of threads.
 */
public final class FileWitnessStateStore implements WitnessStateStore, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FileWitnessStateStore.class);
  private static final String SNAPSHOT = "witness.snapshot";
  private static final String SNAPSHOT_HEADER = "tandem-witness-snapshot v1 next-log=";
  private static final long SAVE_TIMEOUT_SECONDS = 10;

  private final Path dir;
  private final Map<String, PersistedTicket> state = new ConcurrentHashMap<>();
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final long compactAfter;
  private final Runnable beforeWrite;
  private final LongAdder saves = new LongAdder();
  private final LongAdder flushes = new LongAdder();
  private final LongAdder fsyncs = new LongAdder();
  private long generation;
  private FileChannel logChannel;
  private long logLines;
  private volatile boolean broken;
  private volatile boolean closed;

  private record Pending(PersistedTicket ticket, CompletableFuture<Void> done) {}

  /**
   * Opens (or creates) the state in {@code dir} and starts the writer thread.
   *
   * @throws ConfigException if the directory cannot be used or holds damaged state
   */
  public FileWitnessStateStore(Path dir) {
    this(dir, 100_000, () -> {});
  }

  /**
   * @param compactAfter write a snapshot once the log holds more lines than this (and more than
   *     twice the number of clusters)
   * @param beforeWrite runs on the writer thread before each batch is written (tests use it to hold
   *     the writer while saves queue up)
   */
  FileWitnessStateStore(Path dir, long compactAfter, Runnable beforeWrite) {
    this.dir = dir;
    this.compactAfter = compactAfter;
    this.beforeWrite = beforeWrite;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new ConfigException("witness state directory " + dir + ": cannot create (" + e + ")");
    }
    boolean legacy = load();
    try {
      openLog();
      if (legacy) {
        compact();
      }
    } catch (IOException e) {
      throw new ConfigException("witness state directory " + dir + ": cannot write (" + e + ")");
    }
    writer = Thread.ofPlatform().daemon().name("witness-state-writer").start(this::writeLoop);
  }

  @Override
  public Map<String, PersistedTicket> loadAll() {
    return Map.copyOf(state);
  }

  @Override
  public void save(PersistedTicket ticket) {
    if (broken || closed) {
      throw new TransientException(
          "could not persist witness state for cluster "
              + ticket.cluster()
              + ": the state log is "
              + (closed ? "closed" : "unwritable since an earlier failure"));
    }
    Pending p = new Pending(ticket, new CompletableFuture<>());
    queue.add(p);
    try {
      p.done().get(SAVE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("interrupted persisting witness state", e);
    } catch (TimeoutException e) {
      throw new TransientException(
          "could not persist witness state for cluster "
              + ticket.cluster()
              + " within "
              + SAVE_TIMEOUT_SECONDS
              + " s (disk too slow)",
          e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof TransientException t
          ? t
          : new TransientException("could not persist witness state: " + e.getCause(), e);
    }
  }

  /** Saves made durable so far. */
  public long saves() {
    return saves.sum();
  }

  /** Disk flushes so far: with group commit, fewer than {@link #saves()} under load. */
  public long flushes() {
    return flushes.sum();
  }

  /**
   * Every {@code fsync} so far (log, snapshot, directory), the ones at open included: opening a
   * state of any number of clusters costs none, or a bounded few when it creates or converts files.
   */
  public long fsyncs() {
    return fsyncs.sum();
  }

  @Override
  public void close() {
    closed = true;
    writer.interrupt();
    try {
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      logChannel.close();
    } catch (IOException e) {
      log.debug("closing the witness state log: {}", e.toString());
    }
  }

  // ---- writer thread ----

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>();
    while (!closed) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        break;
      }
      beforeWrite.run();
      queue.drainTo(batch, 8192);
      write(batch);
      batch.clear();
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      p.done().completeExceptionally(new TransientException("the witness state log is closed"));
    }
  }

  private void write(List<Pending> batch) {
    if (broken) {
      batch.forEach(p -> p.done().completeExceptionally(unwritable(p.ticket(), null)));
      return;
    }
    StringBuilder lines = new StringBuilder(batch.size() * 120);
    for (Pending p : batch) {
      lines.append(WitnessStateFormat.line(p.ticket()));
    }
    ByteBuffer buf = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
    long before = -1;
    try {
      before = logChannel.size();
      while (buf.hasRemaining()) {
        logChannel.write(buf);
      }
      logChannel.force(false);
      fsyncs.increment();
    } catch (IOException e) {
      fail(batch, before, e);
      return;
    }
    flushes.increment();
    for (Pending p : batch) {
      state.put(p.ticket().cluster(), p.ticket());
      p.done().complete(null);
    }
    saves.add(batch.size());
    logLines += batch.size();
    if (logLines > compactAfter && logLines > 2L * state.size()) {
      try {
        compact();
      } catch (IOException e) {
        // The old log still holds everything: keep appending to it, try again later.
        log.warn("witness state: snapshot failed, will retry ({})", e.toString());
      }
    }
  }

  /** A failed write: cut the log back to its last durable line; if even that fails, stop. */
  private void fail(List<Pending> batch, long before, IOException e) {
    try {
      if (before >= 0) {
        logChannel.truncate(before);
        logChannel.force(true);
        fsyncs.increment();
      }
    } catch (IOException again) {
      broken = true;
      log.error(
          "witness state log in {} cannot be written or repaired; every grant is refused"
              + " until the witness restarts: {}",
          dir,
          again.toString());
    }
    log.warn("witness state: a write failed in {}: {}", dir, e.toString());
    batch.forEach(p -> p.done().completeExceptionally(unwritable(p.ticket(), e)));
  }

  private static TransientException unwritable(PersistedTicket t, IOException cause) {
    return new TransientException(
        "could not persist witness state for cluster "
            + t.cluster()
            + (cause == null ? ": the state log is unwritable" : ": " + cause.getClass().getName()),
        cause);
  }

  /**
   * Switches to a new log, writes a snapshot of the state up to the switch pointing at it, then
   * removes older logs and legacy files. Each step leaves a readable directory if it crashes.
   */
  private void compact() throws IOException {
    long next = generation + 1;
    FileChannel fresh = openAppend(logFile(next));
    fsyncDirectory();
    FileChannel old = logChannel;
    logChannel = fresh;
    generation = next;
    logLines = 0;
    old.close();
    StringBuilder b = new StringBuilder(SNAPSHOT_HEADER).append(next).append('\n');
    for (PersistedTicket t : new TreeMap<>(state).values()) {
      b.append(WitnessStateFormat.line(t));
    }
    b.append(WitnessStateFormat.end(state.size()));
    Path temp = dir.resolve(SNAPSHOT + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
      fsyncs.increment();
    }
    Files.move(temp, dir.resolve(SNAPSHOT), StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        Long g = WitnessStateFormat.generationOf(name);
        if ((g != null && g < next) || name.endsWith(WitnessStateFormat.LEGACY_SUFFIX)) {
          Files.delete(f);
        }
      }
    }
    fsyncDirectory();
  }

  // ---- start ----

  /** Loads snapshot, logs and legacy files; returns whether legacy files were found. */
  private boolean load() {
    long next = 0;
    Path snapshot = dir.resolve(SNAPSHOT);
    if (Files.exists(snapshot)) {
      next = WitnessStateFormat.readSnapshot(snapshot, SNAPSHOT_HEADER, state);
    }
    TreeMap<Long, Path> logs = new TreeMap<>();
    List<Path> legacy = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        Long g = WitnessStateFormat.generationOf(name);
        if (g != null && g >= next) {
          logs.put(g, f);
        } else if (name.endsWith(WitnessStateFormat.LEGACY_SUFFIX)) {
          legacy.add(f);
        }
      }
    } catch (IOException e) {
      throw new ConfigException("witness state directory " + dir + ": cannot list (" + e + ")");
    }
    for (Path f : legacy) {
      PersistedTicket t = WitnessStateFormat.readLegacy(f);
      state.merge(t.cluster(), t, (a, b) -> a.epoch() >= b.epoch() ? a : b);
    }
    generation = logs.isEmpty() ? next : logs.lastKey();
    for (var e : logs.entrySet()) {
      logLines += WitnessStateFormat.replayLog(e.getValue(), e.getKey() == generation, state::put);
    }
    return !legacy.isEmpty();
  }

  private void openLog() throws IOException {
    Path file = logFile(generation);
    boolean created = !Files.exists(file);
    logChannel = openAppend(file);
    if (created) {
      fsyncDirectory();
    }
  }

  private Path logFile(long g) {
    return dir.resolve(WitnessStateFormat.logName(g));
  }

  private static FileChannel openAppend(Path file) throws IOException {
    return FileChannel.open(
        file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  private void fsyncDirectory() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
      fsyncs.increment();
    }
  }
}
