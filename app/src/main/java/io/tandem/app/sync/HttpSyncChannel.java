package io.tandem.app.sync;

import io.tandem.app.peer.PeerAuthentication;
import io.tandem.core.sync.SyncChannel;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncRefusedException;
import io.tandem.core.sync.SyncSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sending side of the sync transport over the agents' peer link (HTTPS in production): {@code
 * POST <peer>/sync/v1/jobs/<job>/offer} with the gzip-compressed manifest (written to a temporary
 * file first so its hash can be signed), then {@code .../data} with the content streamed through a
 * pipe in {@link Frames}, compressed only where it pays, as the sender reads it — never the whole
 * content in memory. Each request is bounded by the job's timeout. Thread-safe.
 */
public final class HttpSyncChannel implements SyncChannel {

  private final String site;
  private final Map<String, URI> peers;
  private final PeerAuthentication auth;
  private final HttpClient http;
  private final Function<String, Duration> timeout;
  private final Path tmpDir;
  private final JsonMapper json = JsonMapper.shared();

  /**
   * @param site this site (the sender)
   * @param peers each peer's base URL
   * @param auth signs with the cluster's peer secret
   * @param http the peer link's client
   * @param timeout the timeout of a job's requests
   * @param tmpDir where manifests are written before they are signed and sent
   */
  public HttpSyncChannel(
      String site,
      Map<String, URI> peers,
      PeerAuthentication auth,
      HttpClient http,
      Function<String, Duration> timeout,
      Path tmpDir) {
    this.site = site;
    this.peers = Map.copyOf(peers);
    this.auth = auth;
    this.http = http;
    this.timeout = timeout;
    this.tmpDir = tmpDir;
  }

  @Override
  public OfferReply offer(String peer, String job, long epoch, Body manifest) {
    Path file = null;
    try {
      Files.createDirectories(tmpDir);
      file = Files.createTempFile(tmpDir, "manifest-" + job + "-", ".gz");
      MessageDigest md = sha256();
      try (OutputStream out =
          new GzipOut(new DigestOutputStream(Files.newOutputStream(file), md))) {
        manifest.writeTo(out);
      }
      String sha = HexFormat.of().formatHex(md.digest());
      PeerAuthentication.Signed s =
          auth.sign(site, SyncWire.offerKind(job, epoch, sha), new byte[0]);
      HttpRequest request =
          signed(base(peer, job, "offer"), s, job, "gzip")
              .header(SyncWire.EPOCH_HEADER, Long.toString(epoch))
              .header(SyncWire.SHA_HEADER, sha)
              .POST(HttpRequest.BodyPublishers.ofFile(file))
              .build();
      HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = r.body()) {
        if (r.statusCode() == 200) {
          SyncWire.OfferAnswer a = json.readValue(body, SyncWire.OfferAnswer.class);
          return new OfferReply(a.session(), a.need(), a.pending(), a.bytesExpected());
        }
        throw problem(peer, job, r.statusCode(), body);
      }
    } catch (IOException e) {
      throw new SyncFailedException(
          SyncReason.TRANSFER_FAILED, "sync " + job + ": offer to " + peer + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SyncFailedException(SyncReason.TRANSFER_FAILED, "sync " + job + ": interrupted");
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temporary file; the next run uses another
        }
      }
    }
  }

  @Override
  public SyncSink.Applied send(String peer, String job, long epoch, String session, Body data) {
    PeerAuthentication.Signed s =
        auth.sign(site, SyncWire.dataKind(job, epoch, session), new byte[0]);
    AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    ChunkPipe pipe = new ChunkPipe(16);
    InputStream pipeIn = pipe.in();
    Thread writer =
        Thread.ofVirtual()
            .name("tandem-sync-send-" + job)
            .start(
                () -> {
                  try (Frames.Out out = new Frames.Out(pipe.out())) {
                    data.writeTo(out);
                    out.finish(); // only complete content gets its end frame
                  } catch (IOException | RuntimeException e) {
                    writerFailure.set(e);
                    pipe.abort(); // the receiver sees the content end early: it changes nothing
                  }
                });
    HttpRequest request =
        signed(base(peer, job, "data"), s, job, Frames.ENCODING)
            .header(SyncWire.EPOCH_HEADER, Long.toString(epoch))
            .header(SyncWire.SESSION_HEADER, session)
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> pipeIn))
            .build();
    try {
      HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      writer.join(timeout.apply(job).toMillis());
      rethrowWriter(writerFailure.get(), job);
      try (InputStream body = r.body()) {
        if (r.statusCode() == 200) {
          SyncWire.Applied a = json.readValue(body, SyncWire.Applied.class);
          return new SyncSink.Applied(a.files(), a.rows(), a.bytes(), a.words());
        }
        throw problem(peer, job, r.statusCode(), body);
      }
    } catch (IOException e) {
      rethrowWriter(writerFailure.get(), job);
      throw new SyncFailedException(
          SyncReason.TRANSFER_FAILED, "sync " + job + ": sending to " + peer + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SyncFailedException(SyncReason.TRANSFER_FAILED, "sync " + job + ": interrupted");
    } finally {
      writer.interrupt();
      try {
        pipeIn.close();
      } catch (IOException ignored) {
        // nothing to release
      }
    }
  }

  private static void rethrowWriter(Throwable t, String job) {
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t != null) {
      throw new SyncFailedException(
          SyncReason.TRANSFER_FAILED,
          "sync " + job + ": reading the source failed: " + t.getMessage());
    }
  }

  private HttpRequest.Builder signed(
      URI uri, PeerAuthentication.Signed s, String job, String encoding) {
    return HttpRequest.newBuilder(uri)
        .timeout(timeout.apply(job))
        .header("Content-Type", "application/octet-stream")
        .header(SyncWire.ENCODING_HEADER, encoding)
        .header(PeerAuthentication.SITE_HEADER, s.site())
        .header(PeerAuthentication.TIMESTAMP_HEADER, s.timestamp())
        .header(PeerAuthentication.SIGNATURE_HEADER, s.signature());
  }

  private URI base(String peer, String job, String what) {
    URI base = peers.get(peer);
    if (base == null) {
      throw new SyncFailedException(
          SyncReason.TRANSFER_FAILED, "sync " + job + ": no address for site " + peer);
    }
    return base.resolve("/sync/v1/jobs/" + job + "/" + what);
  }

  private RuntimeException problem(String peer, String job, int status, InputStream body)
      throws IOException {
    String text = new String(body.readNBytes(64 * 1024), java.nio.charset.StandardCharsets.UTF_8);
    SyncWire.Problem p;
    try {
      p = json.readValue(text, SyncWire.Problem.class);
    } catch (JacksonException e) {
      p =
          new SyncWire.Problem(
              SyncReason.REFUSED_BY_PEER.name(), peer + " answered HTTP " + status + ": " + text);
    }
    SyncReason reason;
    try {
      reason = SyncReason.valueOf(p.reason());
    } catch (IllegalArgumentException | NullPointerException e) {
      reason = SyncReason.REFUSED_BY_PEER;
    }
    String words = p.words() == null ? peer + " answered HTTP " + status : p.words();
    return status == 409 || status == 401 || status == 403 || status == 413
        ? new SyncRefusedException(reason, words)
        : new SyncFailedException(reason, words);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** gzip at a fast level: configuration compresses well even so, and audio hardly at all. */
  static final class GzipOut extends GZIPOutputStream {
    GzipOut(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
