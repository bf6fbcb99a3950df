package io.tandem.onprem.sync;

import io.tandem.core.config.SyncSource;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncRefusedException;
import io.tandem.core.sync.SyncSink;
import io.tandem.onprem.ami.AmiAstDb;
import io.tandem.onprem.ami.AmiSettings;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receiving side of an {@code astdb} job, writing through this site's own Asterisk ({@code DBPut},
 * {@code DBDel}), never its database file. AMI has no transaction across actions, so the apply is
 * made all-or-nothing the way the files kind is:
 *
 * <ol>
 *   <li>{@link #prepare}: reads this site's rows ({@code DBGetTree}) and answers which differ;
 *   <li>the content is staged to a file in the job's state directory, each value checked against
 *       its hash in the signed manifest and against what AMI can write; a transfer cut at any point
 *       (sender stopped, link cut) deletes the staging and leaves the database exactly as it was;
 *   <li>the previous values of every row about to change are kept ({@code prev-*.tsv}, the last
 *       three runs);
 *   <li>the staging becomes the journal by an atomic rename (fsync first): the commit point;
 *   <li>the journal's writes and deletions are sent in key order, then the journal is deleted.
 * </ol>
 *
 * <p>A failure after the commit point (the AMI connection lost, Asterisk refusing an action, the
 * agent killed) leaves some rows new and the rest old, for as long as it takes to reach Asterisk
 * again: the journal is finished (every step is idempotent: a put writes the same value, a deletion
 * of a missing row is done) before the next run is planned and when the agent starts, and the next
 * run compares everything again. Asterisk itself commits each write within about a second (db.c
 * {@code db_sync_thread}); writes acknowledged in the second before an Asterisk crash can be lost
 * by Asterisk, and the next run's comparison sends them again.
 *
 * <p>One run at a time (the receiver allows one session per job).
 */
public final class AstDbSink implements SyncSink {

  private static final Logger log = LoggerFactory.getLogger(AstDbSink.class);
  private static final String JOURNAL_HEADER = "tandem-astdb-journal 1";
  private static final String PREV_HEADER = "tandem-astdb-prev 1";

  private final String job;
  private final SyncSource.AstDb source;
  private final AmiSettings settings;
  private final Duration timeout;
  private final Path stateDir;

  /**
   * @param settings how to reach this site's Asterisk Manager
   * @param timeout bound on each read of the database and on each write
   * @param stateDir the agent's state for the job (staging, journal, previous values)
   */
  public AstDbSink(
      String job, SyncSource.AstDb source, AmiSettings settings, Duration timeout, Path stateDir) {
    this.job = job;
    this.source = source;
    this.settings = settings;
    this.timeout = timeout;
    this.stateDir = stateDir;
  }

  private Path journal() {
    return stateDir.resolve("astdb.journal");
  }

  @Override
  public Prepared prepare(InputStream manifest) throws IOException {
    recover();
    SortedMap<String, AstDbRows.Described> theirs =
        AstDbRows.readManifest(
            new BufferedReader(new InputStreamReader(manifest, StandardCharsets.UTF_8), 1 << 16));
    SortedMap<String, String> ours;
    try (AmiAstDb db = new AmiAstDb(settings)) {
      ours = AstDbRows.select(db.entries(timeout), source);
    } catch (RuntimeException e) {
      throw new SyncFailedException(
          SyncReason.APPLY_FAILED,
          "sync " + job + ": cannot read this site's AstDB: " + e.getMessage(),
          e);
    }
    Plan plan = new Plan(theirs, ours);
    theirs.forEach(
        (key, t) -> {
          String mine = ours.get(key);
          if (mine == null || !AstDbRows.sha256(mine).equals(t.sha256())) {
            plan.need.add(key);
            plan.bytes += t.length();
          }
        });
    ours.keySet().stream().filter(k -> !theirs.containsKey(k)).forEach(plan.deletes::add);
    checkDeletions(theirs.size(), ours.size(), plan.deletes.size());
    return plan;
  }

  /**
   * A sender with no rows never deletes; a sender with fewer rows than this site may delete at most
   * {@code maxDelete} of ours (one with as many or more is replacing rows, not emptying the site).
   */
  private void checkDeletions(int theirs, int ours, int deletes) {
    if (deletes == 0) {
      return;
    }
    if (theirs == 0) {
      throw new SyncRefusedException(
          SyncReason.TOO_LARGE,
          "sync "
              + job
              + ": refused, the sender has no rows in the job's families and this run would delete"
              + " all "
              + ours
              + " here (empty or new Asterisk?); fix the sender, or make this site the active one");
    }
    int max = source.maxDeletePercent();
    if (max < 100 && theirs < ours && (long) deletes * 100 > (long) max * ours) {
      throw new SyncRefusedException(
          SyncReason.TOO_LARGE,
          "sync "
              + job
              + ": refused, this run would delete "
              + deletes
              + " of "
              + ours
              + " AstDB rows here, more than maxDelete "
              + max
              + "%; check the sender, or raise maxDelete for one run");
    }
  }

  private final class Plan implements Prepared {
    final SortedMap<String, AstDbRows.Described> theirs;
    final SortedMap<String, String> ours;
    final List<String> need = new ArrayList<>();
    final List<String> deletes = new ArrayList<>();
    final Path staging = stateDir.resolve("staging-" + UUID.randomUUID() + ".journal");
    long bytes;

    Plan(SortedMap<String, AstDbRows.Described> theirs, SortedMap<String, String> ours) {
      this.theirs = theirs;
      this.ours = ours;
    }

    @Override
    public List<String> need() {
      return need;
    }

    @Override
    public boolean pending() {
      return !need.isEmpty() || !deletes.isEmpty();
    }

    @Override
    public long bytesExpected() {
      return bytes;
    }

    @Override
    public Applied apply(InputStream data) throws IOException {
      try {
        stage(new BufferedInputStream(data, 1 << 16));
        keepPrevious();
        Durable.force(staging);
      } catch (IOException | RuntimeException e) {
        abandon();
        throw e;
      }
      int done;
      synchronized (AstDbSink.this) { // not at once with a recovery at start
        Files.move(staging, journal(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Durable.forceDirectory(stateDir);
        // committed: from here on this site changes, and a failure is finished from the journal
        done = execute();
        Files.deleteIfExists(journal());
      }
      StringBuilder words =
          new StringBuilder()
              .append(need.size())
              .append(need.size() == 1 ? " AstDB row" : " AstDB rows")
              .append(" written (")
              .append(Bytes.human(bytes))
              .append(")");
      if (!deletes.isEmpty()) {
        words.append(", ").append(deletes.size()).append(" deleted");
      }
      return new Applied(done, 0, bytes, words.toString());
    }

    /** Receives the content into the staging journal, each value verified; deletions after. */
    private void stage(InputStream in) throws IOException {
      Files.createDirectories(stateDir);
      try (Writer w = Files.newBufferedWriter(staging, StandardCharsets.UTF_8)) {
        w.write(JOURNAL_HEADER + "\n");
        for (String key : need) {
          AstDbRows.Described t = theirs.get(key);
          String header = ManifestCodec.readDataHeader(in);
          String expected = ManifestCodec.encode(key) + "\t" + t.length();
          if (!expected.equals(header)) {
            throw new SyncFailedException(
                SyncReason.VERIFY_FAILED,
                "sync "
                    + job
                    + ": failed, expected "
                    + key
                    + " next in the content, got "
                    + ManifestCodec.abbreviate(header));
          }
          byte[] b = in.readNBytes(t.length());
          if (b.length < t.length()) {
            throw new SyncFailedException(
                SyncReason.TRANSFER_FAILED, "the content ended early (sender stopped or link cut)");
          }
          String value = new String(b, StandardCharsets.UTF_8);
          if (!AstDbRows.sha256(value).equals(t.sha256())) {
            throw new SyncFailedException(
                SyncReason.VERIFY_FAILED,
                "sync " + job + ": failed, " + key + " does not match its hash in the manifest");
          }
          var why = AstDbRows.unwritable(key, value);
          if (why.isPresent()) {
            throw new SyncFailedException(
                SyncReason.APPLY_FAILED,
                "sync "
                    + job
                    + ": failed, "
                    + key
                    + " cannot be written through AMI: "
                    + why.get());
          }
          AstDbRows.Place p = AstDbRows.place(key).orElseThrow();
          w.write("P\t" + enc(p.family()) + "\t" + enc(p.key()) + "\t" + enc(value) + "\n");
        }
        if (in.read() != -1) {
          throw new SyncFailedException(
              SyncReason.VERIFY_FAILED,
              "sync " + job + ": failed, more content than the manifest describes");
        }
        for (String key : deletes) {
          AstDbRows.Place p = AstDbRows.place(key).orElseThrow();
          w.write("D\t" + enc(p.family()) + "\t" + enc(p.key()) + "\n");
        }
      }
    }

    /** The values this run replaces or deletes (and the rows it adds), for a manual rollback. */
    private void keepPrevious() throws IOException {
      String stamp =
          java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS")
              .withZone(java.time.ZoneOffset.UTC)
              .format(java.time.Instant.now());
      Path prev = stateDir.resolve("prev-" + stamp + ".tsv");
      try (Writer w = Files.newBufferedWriter(prev, StandardCharsets.UTF_8)) {
        w.write(PREV_HEADER + "\n");
        for (String key : need) {
          String old = ours.get(key);
          w.write(
              old == null ? "-\t" + enc(key) + "\n" : "V\t" + enc(key) + "\t" + enc(old) + "\n");
        }
        for (String key : deletes) {
          w.write("V\t" + enc(key) + "\t" + enc(ours.get(key)) + "\n");
        }
      }
      try (var list = Files.list(stateDir)) {
        List<Path> prevs =
            list.filter(f -> f.getFileName().toString().startsWith("prev-")).sorted().toList();
        for (int i = 0; i < prevs.size() - FileSink.PREV_KEPT; i++) {
          Files.deleteIfExists(prevs.get(i));
        }
      }
    }

    @Override
    public void abandon() {
      try {
        Files.deleteIfExists(staging);
      } catch (IOException e) {
        log.warn("sync {}: cannot remove {}: {}", job, staging, e.toString());
      }
    }
  }

  /**
   * Finishes an apply a failure or a restart interrupted (rolls forward: every value in the journal
   * was verified), and removes staging left by a transfer that never completed.
   *
   * @throws SyncFailedException when Asterisk cannot be reached or refuses a step (the journal is
   *     kept for the next attempt)
   */
  public synchronized void recover() throws IOException {
    if (Files.isDirectory(stateDir)) {
      try (var list = Files.list(stateDir)) {
        for (Path p : list.toList()) {
          if (p.getFileName().toString().startsWith("staging-")) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
    if (!Files.exists(journal())) {
      return;
    }
    log.warn("sync {}: finishing an AstDB apply that was interrupted", job);
    execute();
    Files.deleteIfExists(journal());
  }

  /** Sends every step of the journal to Asterisk; returns how many changed a row. */
  private int execute() throws IOException {
    List<String> lines = Files.readAllLines(journal(), StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).equals(JOURNAL_HEADER)) {
      throw new IOException("AstDB journal " + journal() + " is damaged; check the job by hand");
    }
    int done = 0;
    int steps = lines.size() - 1;
    try (AmiAstDb db = new AmiAstDb(settings)) {
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split("\t", -1);
        String family = ManifestCodec.decode(f[1]);
        String key = ManifestCodec.decode(f[2]);
        if (f[0].equals("P")) {
          db.put(family, key, ManifestCodec.decode(f[3]), timeout);
          done++;
        } else if (db.delete(family, key, timeout)) {
          done++;
        }
      }
    } catch (RuntimeException e) {
      throw new SyncFailedException(
          SyncReason.APPLY_FAILED,
          "sync "
              + job
              + ": failed after "
              + done
              + " of "
              + steps
              + " AstDB changes: "
              + e.getMessage()
              + "; the rest is journaled and finished as soon as Asterisk answers again (next"
              + " run, or when the agent starts)",
          e);
    }
    return done;
  }

  private static String enc(String s) {
    return ManifestCodec.encode(s);
  }
}
