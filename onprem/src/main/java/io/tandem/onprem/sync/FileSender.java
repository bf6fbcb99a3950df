package io.tandem.onprem.sync;

import io.tandem.core.config.SyncSource;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncSender;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Sending side of a {@code files} job: scans the job's directories into a manifest and streams the
 * content of the files the receiver asks for, each checked again against its manifest hash as it is
 * read (a file changed since the scan fails the run rather than sending content the manifest does
 * not describe; the next run picks the change up). Thread-safe: each snapshot is independent.
 */
public final class FileSender implements SyncSender {

  private final String job;
  private final TreeScanner scanner;
  private final long bandwidthLimit;

  /** Sends {@code source} as {@code site} keeps it ({@link SyncSource.Files#pathsFor}). */
  public FileSender(String job, SyncSource.Files source, String site) {
    this(job, source, site, Optional.empty());
  }

  /**
   * @param stateDir where the content hashes are kept between runs and restarts ({@code
   *     hashes.tsv}), if anywhere
   */
  public FileSender(String job, SyncSource.Files source, String site, Optional<Path> stateDir) {
    this.job = job;
    this.scanner =
        new TreeScanner(
            source.pathsFor(site).stream().map(Path::of).toList(),
            source.include(),
            source.exclude(),
            stateDir.map(d -> d.resolve("hashes.tsv")));
    this.bandwidthLimit = source.bandwidthLimit();
  }

  @Override
  public Snapshot snapshot() throws IOException {
    List<FileEntry> entries = scanner.scan(true);
    Map<String, FileEntry> byKey = new HashMap<>();
    long bytes = 0;
    int files = 0;
    for (FileEntry e : entries) {
      byKey.put(e.key(), e);
      if (e.isFile()) {
        bytes += e.size();
        files++;
      }
    }
    String words = String.format(Locale.ROOT, "%d files, %s", files, Bytes.human(bytes));
    return new Snapshot() {
      @Override
      public void writeManifest(OutputStream out) throws IOException {
        BufferedWriter w =
            new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        ManifestCodec.writeHeader(w);
        for (FileEntry e : entries) {
          ManifestCodec.write(w, e);
        }
        w.flush();
      }

      @Override
      public void writeData(List<String> need, OutputStream out, BooleanSupplier stillAllowed)
          throws IOException {
        byte[] buf = new byte[1 << 16];
        SendPace pace = new SendPace(bandwidthLimit);
        for (String key : need) {
          if (!stillAllowed.getAsBoolean()) {
            throw new SyncFailedException(
                SyncReason.TICKET_LOST,
                "sync " + job + ": stopped sending, the gate closed during the run");
          }
          FileEntry e = byKey.get(key);
          if (e == null || !e.isFile()) {
            throw new IOException(
                "the receiver asked for " + key + ", which is not a file in the manifest");
          }
          Path p = scanner.resolve(key);
          if (!scanner.unchanged(p)) {
            throw changed(p);
          }
          ManifestCodec.writeDataHeader(out, key, e.size());
          long left = e.size();
          try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            while (left > 0) {
              int n = in.read(buf, 0, (int) Math.min(buf.length, left));
              if (n < 0) {
                break;
              }
              out.write(buf, 0, n);
              left -= n;
              pace.sent(n);
            }
          }
          // not hashed again here: the receiver checks every byte against the manifest's hash;
          // a file that changed while it was read is stopped here with words
          if (left != 0 || !scanner.unchanged(p)) {
            throw changed(p);
          }
        }
        out.flush();
      }

      private SyncFailedException changed(Path p) {
        scanner.forget(p);
        return new SyncFailedException(
            SyncReason.TRANSFER_FAILED,
            "sync " + job + ": " + p + " changed while it was being sent; the next run sends it");
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
