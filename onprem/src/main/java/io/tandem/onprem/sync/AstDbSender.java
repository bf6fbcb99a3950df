package io.tandem.onprem.sync;

import io.tandem.core.config.SyncSource;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncSender;
import io.tandem.onprem.ami.AmiAstDb;
import io.tandem.onprem.ami.AmiSettings;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.function.BooleanSupplier;

/**
 * Sending side of an {@code astdb} job: one {@code DBGetTree} through this site's own Asterisk is
 * the snapshot (one consistent moment: db.c holds {@code dblock} while it lists the rows), never a
 * copy of the live {@code astdb.sqlite3}, on which Asterisk keeps a transaction open at all times
 * ({@code db_sync_thread}). The job's families are picked from it; the manifest carries each row's
 * hash, and the content the rows the receiver asks for, from the same snapshot. A row AMI could not
 * write back exactly (see {@link AstDbRows#unwritable}) fails the run before anything is sent,
 * naming it. Thread-safe: each snapshot is independent.
 */
public final class AstDbSender implements SyncSender {

  private final String job;
  private final SyncSource.AstDb source;
  private final AmiSettings settings;
  private final Duration timeout;

  /**
   * @param settings how to reach this site's Asterisk Manager
   * @param timeout bound on reading the database
   */
  public AstDbSender(String job, SyncSource.AstDb source, AmiSettings settings, Duration timeout) {
    this.job = job;
    this.source = source;
    this.settings = settings;
    this.timeout = timeout;
  }

  @Override
  public Snapshot snapshot() throws IOException {
    SortedMap<String, String> rows;
    try (AmiAstDb db = new AmiAstDb(settings)) {
      rows = AstDbRows.select(db.entries(timeout), source);
    } catch (RuntimeException e) {
      throw new SyncFailedException(
          SyncReason.TRANSFER_FAILED,
          "sync " + job + ": cannot read this site's AstDB: " + e.getMessage(),
          e);
    }
    if (rows.size() > AstDbRows.MAX_ROWS) {
      throw new SyncFailedException(
          SyncReason.TOO_LARGE,
          "sync " + job + ": " + rows.size() + " rows, more than " + AstDbRows.MAX_ROWS);
    }
    List<String> bad = new ArrayList<>();
    rows.forEach(
        (k, v) -> AstDbRows.unwritable(k, v).ifPresent(why -> bad.add(k + " (" + why + ")")));
    if (!bad.isEmpty()) {
      throw new SyncFailedException(
          SyncReason.TRANSFER_FAILED,
          "sync "
              + job
              + ": "
              + bad.size()
              + (bad.size() == 1 ? " row" : " rows")
              + " cannot be written through AMI on the receiver, so nothing was sent: "
              + String.join("; ", bad.subList(0, Math.min(5, bad.size())))
              + (bad.size() > 5 ? "; …" : "")
              + ". Fix the values or leave their family out of the job");
    }
    long bytes =
        rows.values().stream().mapToLong(v -> v.getBytes(StandardCharsets.UTF_8).length).sum();
    String words = String.format(Locale.ROOT, "%d AstDB rows, %s", rows.size(), Bytes.human(bytes));
    return new Snapshot() {
      @Override
      public void writeManifest(OutputStream out) throws IOException {
        BufferedWriter w =
            new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        AstDbRows.writeManifest(w, rows);
        w.flush();
      }

      @Override
      public void writeData(List<String> need, OutputStream out, BooleanSupplier stillAllowed)
          throws IOException {
        SendPace pace = new SendPace(source.bandwidthLimit());
        for (String key : need) {
          if (!stillAllowed.getAsBoolean()) {
            throw new SyncFailedException(
                SyncReason.TICKET_LOST,
                "sync " + job + ": stopped sending, the gate closed during the run");
          }
          String value = rows.get(key);
          if (value == null) {
            throw new IOException(
                "the receiver asked for " + key + ", which is not in the manifest");
          }
          byte[] b = value.getBytes(StandardCharsets.UTF_8);
          ManifestCodec.writeDataHeader(out, key, b.length);
          out.write(b);
          pace.sent(b.length + key.length() + 8L);
        }
        out.flush();
      }

      @Override
      public String describe() {
        return words;
      }

      @Override
      public void close() {}
    };
  }
}
