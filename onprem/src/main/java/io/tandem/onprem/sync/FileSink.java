package io.tandem.onprem.sync;

import io.tandem.core.config.SyncSource;
import io.tandem.core.sync.OverrideRewriter;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncRefusedException;
import io.tandem.core.sync.SyncSink;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receiving side of a {@code files} job. {@link #prepare} compares the sender's manifest with this
 * site's tree (the received hash of a file this site rewrote with its overrides stands for the
 * file, so an override does not make it differ); {@code apply} streams each needed file into a
 * staging directory on the same filesystem as its target, verifies its SHA-256 against the
 * manifest, applies this site's overrides and the sender's metadata to the staged copy, and only
 * when every file has arrived and matched, journals the swap (fsync) and renames each staged file
 * into place, the previous version hard-linked (or moved, for deletions) into a {@code prev}
 * directory first. Until the journal is written nothing outside the staging directory changes, so a
 * sender killed, a link cut or a full disk leaves this site exactly as it was; a crash during the
 * swap is finished by {@link #recover()} from the journal.
 *
 * <p>One run at a time (the receiver allows one session per job). Memory holds the manifest's
 * metadata, never file content (overridden files excepted, at most {@value #MAX_OVERRIDE_BYTES}
 * bytes each).
 */
public final class FileSink implements SyncSink {

  private static final Logger log = LoggerFactory.getLogger(FileSink.class);

  /** Largest file an override may rewrite (overrides are for configuration files). */
  static final int MAX_OVERRIDE_BYTES = 16 << 20;

  /** Space kept free on the receiving filesystem beyond the change itself. */
  static final long DISK_RESERVE = 64L << 20;

  /** Most entries a manifest may list (metadata is held in memory while a run is planned). */
  static final int MAX_ENTRIES = 2_000_000;

  /** Previous versions kept per job directory. */
  static final int PREV_KEPT = 3;

  private final String job;
  private final TreeScanner scanner;
  private final OverrideRewriter overrides;
  private final Path stateDir;
  private final FileMeta meta;
  private final java.util.Optional<String> stagingDir;
  private final int maxDeletePercent;

  /**
   * @param job job name
   * @param source the job's files source, as this site's configuration has it
   * @param site this site (its directories: {@link SyncSource.Files#pathsFor})
   * @param overrides this site's override rules
   * @param stateDir the agent's state for the job (received hashes, swap journal)
   */
  public FileSink(
      String job, SyncSource.Files source, String site, OverrideRewriter overrides, Path stateDir) {
    this.job = job;
    this.scanner =
        new TreeScanner(
            source.pathsFor(site).stream().map(Path::of).toList(),
            source.include(),
            source.exclude());
    this.overrides = overrides;
    this.stateDir = stateDir;
    this.meta = new FileMeta(source.preserveOwner());
    this.stagingDir = source.stagingDir();
    this.maxDeletePercent = source.maxDeletePercent();
  }

  // ---- prepare ----

  @Override
  public Prepared prepare(InputStream manifest) throws IOException {
    recover();
    Map<String, FileEntry> theirs = new TreeMap<>();
    BufferedReader r = ManifestCodec.reader(manifest);
    FileEntry e;
    while ((e = ManifestCodec.read(r)) != null) {
      if (e.root() >= scanner.roots().size()) {
        throw new IOException(
            "manifest names path #" + e.root() + "; this site's job has " + scanner.roots().size());
      }
      theirs.put(e.key(), e);
      if (theirs.size() > MAX_ENTRIES) {
        throw new IOException("the manifest lists more than " + MAX_ENTRIES + " entries");
      }
    }
    Map<String, FileEntry> ours = new TreeMap<>();
    for (FileEntry o : scanner.scan(false)) {
      ours.put(o.key(), o);
    }
    ReceivedHashes received =
        ReceivedHashes.load(stateDir.resolve("received.tsv"), overrides.fingerprint());
    Plan plan = new Plan(theirs);
    for (FileEntry t : theirs.values()) {
      FileEntry o = ours.get(t.key());
      if (o != null && o.type() != t.type()) {
        plan.ops.add(Op.of('C', t.key()));
        o = null;
      }
      switch (t.type()) {
        case 'd' -> {
          if (o == null) {
            plan.ops.add(Op.of('K', t.key()));
          } else if (!meta.same(o, t)) {
            plan.ops.add(Op.of('T', t.key()));
          }
        }
        case 'l' -> {
          if (o == null || !o.link().equals(t.link())) {
            plan.ops.add(Op.of('L', t.key()));
          } else if (!meta.same(o, t)) {
            plan.ops.add(Op.of('M', t.key()));
          }
        }
        default -> {
          if (o == null || differs(o, t, received)) {
            plan.need.add(t.key());
            plan.bytes += t.size();
          } else if (!meta.same(o, t)) {
            plan.ops.add(Op.of('M', t.key()));
          }
        }
      }
    }
    for (FileEntry o : ours.values()) {
      if (!theirs.containsKey(o.key())) {
        plan.ops.add(Op.of(o.isDirectory() ? 'X' : 'D', o.key()));
      }
    }
    plan.received = received;
    checkDeletions(theirs, ours, plan);
    if (plan.bytes > 0) {
      checkSpace(plan.bytes);
    }
    return plan;
  }

  /**
   * Refuses a run that would empty this site, or, from a sender with fewer files than this site,
   * delete more than {@code maxDelete} of its files: a sender with nothing or little under the
   * job's paths (a wrong path, an unmounted disk, a freshly built standby that got the ticket
   * first) must not wipe a good copy. A sender with as many files or more is replacing, not
   * emptying.
   */
  private void checkDeletions(
      Map<String, FileEntry> theirs, Map<String, FileEntry> ours, Plan plan) {
    long ourFiles = ours.values().stream().filter(f -> !f.isDirectory()).count();
    long theirFiles = theirs.values().stream().filter(f -> !f.isDirectory()).count();
    long deletes = plan.ops.stream().filter(o -> o.kind() == 'D' || o.kind() == 'C').count();
    if (deletes == 0) {
      return;
    }
    if (theirFiles == 0) {
      throw new SyncRefusedException(
          SyncReason.TOO_LARGE,
          "sync "
              + job
              + ": refused, the sender has no files under the job's paths and this run would delete all "
              + ourFiles
              + " here (empty or unmounted source?); fix the sender, or make this site the active one");
    }
    if (maxDeletePercent < 100
        && theirFiles < ourFiles
        && deletes * 100 > (long) maxDeletePercent * ourFiles) {
      throw new SyncRefusedException(
          SyncReason.TOO_LARGE,
          "sync "
              + job
              + ": refused, this run would delete "
              + deletes
              + " of "
              + ourFiles
              + " files here, more than maxDelete "
              + maxDeletePercent
              + "%; check the sender, or raise maxDelete for one run");
    }
  }

  /**
   * Whether this site's file differs from the sender's. rsync's quick check first: same size and
   * modification time (which every run copies) means the same file; otherwise the content hash
   * decides, cached like the sender's. A file this site rewrote with its overrides stands for the
   * hash it received while it still has the rewritten hash.
   */
  private boolean differs(FileEntry o, FileEntry t, ReceivedHashes received) throws IOException {
    Path p = scanner.resolve(o.key());
    ReceivedHashes.Record rec = received.get(o.key());
    if (rec == null) {
      if (overrides.matches(o.relative())) {
        return true; // never rewritten for this site yet
      }
      if (o.size() != t.size()) {
        return true;
      }
      if (o.mtimeMillis() == t.mtimeMillis()) {
        return false;
      }
      return !scanner.describe(p, o.key(), true).sha256().equals(t.sha256());
    }
    String local = scanner.describe(p, o.key(), true).sha256();
    String effective = local.equals(rec.applied()) ? rec.received() : local;
    return !effective.equals(t.sha256());
  }

  private void checkSpace(long bytes) throws IOException {
    for (int i = 0; i < scanner.roots().size(); i++) {
      Path anchor = existingAncestor(stagingRoot(i));
      long usable = Files.getFileStore(anchor).getUsableSpace();
      if (usable < bytes + DISK_RESERVE) {
        throw new SyncRefusedException(
            SyncReason.TOO_LARGE,
            "sync "
                + job
                + ": refused, the change needs "
                + Bytes.human(bytes)
                + " but "
                + anchor
                + " has "
                + Bytes.human(usable)
                + " free (keeping "
                + Bytes.human(DISK_RESERVE)
                + " spare)");
      }
    }
  }

  private static Path existingAncestor(Path p) {
    Path a = p.toAbsolutePath();
    while (a != null && !Files.exists(a)) {
      a = a.getParent();
    }
    return a == null ? Path.of("/") : a;
  }

  /**
   * Where files of the job's path {@code i} are staged: beside the path (a hidden sibling) when the
   * parent is on the same filesystem, else inside it ({@value TreeScanner#STATE_DIR}, never
   * synced), or under the configured staging directory.
   */
  Path stagingRoot(int i) throws IOException {
    Path root = scanner.roots().get(i);
    if (stagingDir.isPresent()) {
      return Path.of(stagingDir.get()).resolve(job).resolve(Integer.toString(i));
    }
    Path parent = root.getParent();
    if (Files.isDirectory(root) && parent != null && !sameDevice(root, parent)) {
      return root.resolve(TreeScanner.STATE_DIR).resolve(job);
    }
    return parent.resolve(TreeScanner.STATE_DIR).resolve(job + "-" + i);
  }

  private static boolean sameDevice(Path a, Path b) throws IOException {
    return Files.getAttribute(a, "unix:dev", LinkOption.NOFOLLOW_LINKS)
        .equals(Files.getAttribute(b, "unix:dev", LinkOption.NOFOLLOW_LINKS));
  }

  // ---- the plan and its apply ----

  /** One change of the swap, journaled before any is made. */
  private record Op(char kind, String key) {
    static Op of(char kind, String key) {
      return new Op(kind, key);
    }
  }

  private final class Plan implements Prepared {
    final Map<String, FileEntry> theirs;
    final List<String> need = new ArrayList<>();
    final List<Op> ops = new ArrayList<>();
    long bytes;
    ReceivedHashes received;
    final String session = UUID.randomUUID().toString().substring(0, 8);
    final List<Path> staged = new ArrayList<>();
    final List<Path> createdParents = new ArrayList<>();

    Plan(Map<String, FileEntry> theirs) {
      this.theirs = theirs;
    }

    @Override
    public List<String> need() {
      return need;
    }

    @Override
    public boolean pending() {
      return !need.isEmpty() || !ops.isEmpty();
    }

    @Override
    public long bytesExpected() {
      return bytes;
    }

    @Override
    public Applied apply(InputStream data) throws IOException {
      try (Durable.Batch durable = new Durable.Batch()) {
        return apply(data, durable);
      }
    }

    private Applied apply(InputStream data, Durable.Batch durable) throws IOException {
      Map<String, Path> stagedFiles = new LinkedHashMap<>();
      int rewritten = 0;
      try {
        BufferedInputStream in = new BufferedInputStream(data, 1 << 16);
        byte[] buf = new byte[1 << 16];
        int n = 0;
        for (String key : need) {
          FileEntry t = theirs.get(key);
          String header = ManifestCodec.readDataHeader(in);
          String expected = ManifestCodec.encode(key) + "\t" + t.size();
          if (!expected.equals(header)) {
            throw new SyncFailedException(
                SyncReason.VERIFY_FAILED,
                "sync "
                    + job
                    + ": failed, expected "
                    + key
                    + " next in the content, got "
                    + ManifestCodec.abbreviate(String.valueOf(header)));
          }
          Path dir = stagingFor(t.root());
          Path file = dir.resolve("f" + (n++));
          MessageDigest md = TreeScanner.digest();
          long left = t.size();
          try (OutputStream out =
              Files.newOutputStream(
                  file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (left > 0) {
              int got = readData(in, buf, (int) Math.min(buf.length, left));
              md.update(buf, 0, got);
              out.write(buf, 0, got);
              left -= got;
            }
          }
          if (!HexFormat.of().formatHex(md.digest()).equals(t.sha256())) {
            throw new SyncFailedException(
                SyncReason.VERIFY_FAILED,
                "sync " + job + ": failed, " + key + " does not match its hash in the manifest");
          }
          String receivedSha = t.sha256();
          String appliedSha = receivedSha;
          if (overrides.matches(t.relative())) {
            if (t.size() > MAX_OVERRIDE_BYTES) {
              throw new SyncFailedException(
                  SyncReason.APPLY_FAILED,
                  "sync "
                      + job
                      + ": failed, "
                      + key
                      + " is larger than "
                      + Bytes.human(MAX_OVERRIDE_BYTES)
                      + ", too large to rewrite with overrides");
            }
            byte[] content = Files.readAllBytes(file);
            byte[] out = overrides.rewrite(t.relative(), content);
            if (out != content) {
              Files.write(file, out, StandardOpenOption.TRUNCATE_EXISTING);
              appliedSha = HexFormat.of().formatHex(TreeScanner.digest().digest(out));
              rewritten++;
            }
            received.put(key, receivedSha, appliedSha);
          } else {
            received.remove(key);
          }
          meta.apply(file, t);
          durable.file(file); // forced while the next files arrive
          stagedFiles.put(key, file);
        }
        if (in.read() != -1) {
          throw new SyncFailedException(
              SyncReason.VERIFY_FAILED,
              "sync " + job + ": failed, more content than the manifest describes");
        }
        // the staged files and their names are on disk before the journal makes them the swap
        for (Path dir : staged) {
          durable.directory(dir);
        }
        durable.await();
      } catch (IOException | RuntimeException e) {
        abandon();
        throw e;
      }
      // every file arrived and matched: from here on this site changes, journaled first
      SwapJournal journal = new SwapJournal(stateDir.resolve("swap.journal"));
      List<SwapJournal.Step> steps = steps(stagedFiles);
      int changed;
      synchronized (FileSink.this) { // not at once with a recovery at start
        journal.write(steps);
        changed = execute(steps);
        // the renames are on disk before the journal that would finish them goes
        for (Path dir : touchedDirectories(steps)) {
          durable.directory(dir);
        }
        durable.await();
        received.save();
        journal.delete();
      }
      abandon();
      pruneOld();
      StringBuilder words = new StringBuilder();
      long deleted = ops.stream().filter(o -> o.kind() == 'D' || o.kind() == 'X').count();
      words
          .append(need.size())
          .append(need.size() == 1 ? " file" : " files")
          .append(" written (")
          .append(Bytes.human(bytes))
          .append(")");
      if (deleted > 0) {
        words.append(", ").append(deleted).append(" deleted");
      }
      long metaOnly = ops.stream().filter(o -> o.kind() == 'M' || o.kind() == 'T').count();
      if (metaOnly > 0) {
        words.append(", ").append(metaOnly).append(" with new metadata");
      }
      if (rewritten > 0) {
        words.append(", ").append(rewritten).append(" rewritten for this site");
      }
      if (meta.ownerProblem() != null) {
        words.append(", ").append(meta.ownerProblem());
      }
      return new Applied(changed, 0, bytes, words.toString());
    }

    private Path stagingFor(int root) throws IOException {
      Path dir = stagingRoot(root).resolve("staging-" + session);
      if (!Files.isDirectory(dir)) {
        // remember every directory made here, so abandoning leaves no trace at all
        List<Path> made = new ArrayList<>();
        for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
          made.add(p);
        }
        Files.createDirectories(dir);
        staged.add(dir);
        createdParents.addAll(made.subList(1, made.size()));
      }
      return dir;
    }

    private List<SwapJournal.Step> steps(Map<String, Path> stagedFiles) throws IOException {
      List<SwapJournal.Step> out = new ArrayList<>();
      // order: type changes out of the way, new directories, files and links, metadata, deletions
      // (children first), then directory metadata (children first: their changes touch parents)
      for (Op o : ops) {
        if (o.kind() == 'C') {
          out.add(step('D', o.key(), null));
        }
      }
      for (Op o : ops) {
        if (o.kind() == 'K') {
          out.add(step('K', o.key(), null));
        }
      }
      for (Map.Entry<String, Path> f : stagedFiles.entrySet()) {
        out.add(step('R', f.getKey(), f.getValue().toString()));
      }
      for (Op o : ops) {
        if (o.kind() == 'L' || o.kind() == 'M') {
          out.add(step(o.kind(), o.key(), null));
        }
      }
      List<Op> reversed = new ArrayList<>(ops);
      java.util.Collections.reverse(reversed);
      for (Op o : reversed) {
        if (o.kind() == 'D' || o.kind() == 'X') {
          out.add(step(o.kind(), o.key(), null));
        }
      }
      for (Op o : reversed) {
        if (o.kind() == 'K' || o.kind() == 'T') {
          out.add(step('T', o.key(), null));
        }
      }
      return out;
    }

    private SwapJournal.Step step(char kind, String key, String staged) throws IOException {
      Path target = scanner.resolve(key);
      Path prev =
          stagingRoot(Integer.parseInt(key.substring(0, key.indexOf('/'))))
              .resolve("prev-" + stamp())
              .resolve(
                  key.substring(key.indexOf('/') + 1).isEmpty()
                      ? "_root"
                      : key.substring(key.indexOf('/') + 1));
      FileEntry t = theirs.get(key);
      return new SwapJournal.Step(
          kind, target.toString(), staged == null ? "" : staged, prev.toString(), t);
    }

    private String prevStamp;

    private String stamp() {
      if (prevStamp == null) {
        prevStamp =
            java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
                    .withZone(java.time.ZoneOffset.UTC)
                    .format(java.time.Instant.now())
                + "-"
                + session;
      }
      return prevStamp;
    }

    @Override
    public void abandon() {
      for (Path dir : staged) {
        deleteTree(dir);
      }
      staged.clear();
      for (Path p : createdParents) { // deepest first, as recorded
        try {
          Files.deleteIfExists(p);
        } catch (IOException notEmpty) {
          // holds previous versions or another job's staging: keep
        }
      }
      createdParents.clear();
    }
  }

  /** The directories whose entries the swap changed (where files were renamed, made or moved). */
  private static java.util.Set<Path> touchedDirectories(List<SwapJournal.Step> steps) {
    java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
    for (SwapJournal.Step s : steps) {
      if (s.kind() == 'M' || s.kind() == 'T') {
        continue;
      }
      Path target = Path.of(s.target());
      if (target.getParent() != null && Files.isDirectory(target.getParent())) {
        dirs.add(target.getParent());
      }
      Path prev = Path.of(s.prev()).getParent();
      if (prev != null && Files.isDirectory(prev)) {
        dirs.add(prev);
      }
    }
    return dirs;
  }

  /** Runs the swap steps; each is idempotent so {@link #recover()} can run them again. */
  private int execute(List<SwapJournal.Step> steps) throws IOException {
    int changed = 0;
    for (SwapJournal.Step s : steps) {
      if (SwapJournal.run(s, meta)) {
        changed++;
      }
      scanner.forget(Path.of(s.target()));
    }
    return changed;
  }

  /** Finishes a swap a crash interrupted (rolls forward: every staged file was verified). */
  public synchronized void recover() throws IOException {
    SwapJournal journal = new SwapJournal(stateDir.resolve("swap.journal"));
    List<SwapJournal.Step> steps = journal.read();
    if (steps.isEmpty()) {
      return;
    }
    log.warn("sync {}: finishing a swap interrupted by a restart ({} steps)", job, steps.size());
    execute(steps);
    journal.delete();
    for (int i = 0; i < scanner.roots().size(); i++) {
      Path root = stagingRoot(i);
      if (Files.isDirectory(root)) {
        try (var list = Files.list(root)) {
          list.filter(p -> p.getFileName().toString().startsWith("staging-"))
              .forEach(FileSink::deleteTree);
        }
      }
    }
  }

  private void pruneOld() {
    try {
      for (int i = 0; i < scanner.roots().size(); i++) {
        Path root = stagingRoot(i);
        if (!Files.isDirectory(root)) {
          continue;
        }
        List<Path> prevs;
        try (var list = Files.list(root)) {
          prevs =
              list.filter(p -> p.getFileName().toString().startsWith("prev-")).sorted().toList();
        }
        for (int k = 0; k < prevs.size() - PREV_KEPT; k++) {
          deleteTree(prevs.get(k));
        }
      }
    } catch (IOException e) {
      log.warn("sync {}: cannot prune previous versions: {}", job, e.toString());
    }
  }

  private static int readData(InputStream in, byte[] buf, int len) throws IOException {
    int n = in.read(buf, 0, len);
    if (n < 0) {
      throw new SyncFailedException(
          SyncReason.TRANSFER_FAILED, "the content ended early (sender stopped or link cut)");
    }
    return n;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  log.warn("cannot remove {}: {}", p, e.toString());
                }
              });
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", dir, e.toString());
    }
  }
}
