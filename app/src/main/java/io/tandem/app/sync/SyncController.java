package io.tandem.app.sync;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.peer.PeerAuthentication;
import io.tandem.core.sync.SyncChannel;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncRefusedException;
import io.tandem.core.sync.SyncSink;
import jakarta.servlet.http.HttpServletRequest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The receiving end of the sync transport: {@code POST /sync/v1/jobs/{job}/offer} and {@code
 * .../data} from the ticket holder's agent. Open at the Spring Security level like {@code /peer/**}
 * and authenticated by the peer link's HMAC, checked on the headers before any of the body is read
 * (see {@link SyncWire}). The body is streamed: the manifest to a temporary file while it is hashed
 * (at most {@link SyncWire#MAX_MANIFEST_BYTES}), the content straight into the job's staging.
 * Answers 200 with JSON, 401 (signature, timestamp or sender wrong), 409 with the receiver's words
 * (gate closed, busy, too large), 422 (failed: content cut or not matching its hashes; nothing
 * changed), 400 (malformed), 503 (this node runs no agent).
 */
@RestController
@RequestMapping("/sync/v1")
@Tag(name = "sync", description = "Agent-to-agent sync transport (agents only, HMAC-signed)")
public class SyncController {

  private static final Logger log = LoggerFactory.getLogger(SyncController.class);

  private final ObjectProvider<SyncAgent> agent;

  public SyncController(ObjectProvider<SyncAgent> agent) {
    this.agent = agent;
  }

  @PostMapping(value = "/jobs/{job}/offer", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(summary = "The holder offers a job's manifest; answers what to send")
  public ResponseEntity<Object> offer(@PathVariable String job, HttpServletRequest request) {
    SyncAgent a = agent.getIfUnique();
    if (a == null) {
      return problem(
          HttpStatus.SERVICE_UNAVAILABLE, SyncReason.REFUSED_BY_PEER, "this node runs no agent");
    }
    String sender = request.getHeader(PeerAuthentication.SITE_HEADER);
    long epoch;
    try {
      epoch = Long.parseLong(String.valueOf(request.getHeader(SyncWire.EPOCH_HEADER)));
    } catch (NumberFormatException e) {
      return problem(
          HttpStatus.BAD_REQUEST, SyncReason.REFUSED_BY_PEER, "missing or malformed epoch");
    }
    String sha = String.valueOf(request.getHeader(SyncWire.SHA_HEADER)).toLowerCase(Locale.ROOT);
    ResponseEntity<Object> denied = authenticate(a, request, SyncWire.offerKind(job, epoch, sha));
    if (denied != null) {
      return denied;
    }
    Path tmp = null;
    try {
      tmp = Files.createTempFile(a.tmpDir(), "offer-" + job + "-", ".gz");
      MessageDigest md = HttpSyncChannel.sha256();
      try (InputStream in =
              new DigestInputStream(
                  new Limited(request.getInputStream(), SyncWire.MAX_MANIFEST_BYTES), md);
          OutputStream out = Files.newOutputStream(tmp)) {
        in.transferTo(out);
      }
      if (!HexFormat.of().formatHex(md.digest()).equals(sha)) {
        return problem(
            HttpStatus.BAD_REQUEST,
            SyncReason.VERIFY_FAILED,
            "the manifest does not match its signed hash");
      }
      SyncChannel.OfferReply reply;
      try (InputStream manifest = new GZIPInputStream(Files.newInputStream(tmp), 1 << 16)) {
        reply = a.receiver().offer(sender, job, epoch, manifest);
      }
      return ResponseEntity.ok(
          new SyncWire.OfferAnswer(
              reply.session(), reply.need(), reply.pending(), reply.bytesExpected()));
    } catch (SyncRefusedException e) {
      return problem(
          e.reason() == SyncReason.TOO_LARGE ? HttpStatus.CONFLICT : HttpStatus.CONFLICT,
          e.reason(),
          e.getMessage());
    } catch (SyncFailedException e) {
      return problem(HttpStatus.UNPROCESSABLE_ENTITY, e.reason(), e.getMessage());
    } catch (IOException e) {
      return problem(
          HttpStatus.BAD_REQUEST,
          SyncReason.TRANSFER_FAILED,
          "sync " + job + ": manifest unreadable: " + e.getMessage());
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a temporary file
        }
      }
    }
  }

  @PostMapping(value = "/jobs/{job}/data", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(summary = "The holder sends the content the receiver asked for")
  public ResponseEntity<Object> data(@PathVariable String job, HttpServletRequest request) {
    SyncAgent a = agent.getIfUnique();
    if (a == null) {
      return problem(
          HttpStatus.SERVICE_UNAVAILABLE, SyncReason.REFUSED_BY_PEER, "this node runs no agent");
    }
    String sender = request.getHeader(PeerAuthentication.SITE_HEADER);
    String session = String.valueOf(request.getHeader(SyncWire.SESSION_HEADER));
    long epoch;
    try {
      epoch = Long.parseLong(String.valueOf(request.getHeader(SyncWire.EPOCH_HEADER)));
    } catch (NumberFormatException e) {
      return problem(
          HttpStatus.BAD_REQUEST, SyncReason.REFUSED_BY_PEER, "missing or malformed epoch");
    }
    ResponseEntity<Object> denied =
        authenticate(a, request, SyncWire.dataKind(job, epoch, session));
    if (denied != null) {
      return denied;
    }
    try (InputStream in =
        Frames.ENCODING.equals(request.getHeader(SyncWire.ENCODING_HEADER))
            ? new Frames.In(new java.io.BufferedInputStream(request.getInputStream(), 1 << 16))
            : new GZIPInputStream(request.getInputStream(), 1 << 16)) {
      SyncSink.Applied applied = a.receiver().data(sender, job, epoch, session, in);
      return ResponseEntity.ok(
          new SyncWire.Applied(applied.files(), applied.rows(), applied.bytes(), applied.words()));
    } catch (SyncRefusedException e) {
      return problem(HttpStatus.CONFLICT, e.reason(), e.getMessage());
    } catch (SyncFailedException e) {
      return problem(HttpStatus.UNPROCESSABLE_ENTITY, e.reason(), e.getMessage());
    } catch (IOException e) {
      return problem(
          HttpStatus.UNPROCESSABLE_ENTITY,
          SyncReason.TRANSFER_FAILED,
          "sync " + job + ": content unreadable: " + e.getMessage());
    }
  }

  private ResponseEntity<Object> authenticate(
      SyncAgent a, HttpServletRequest request, String kind) {
    String site = request.getHeader(PeerAuthentication.SITE_HEADER);
    PeerAuthentication.Verdict v =
        a.authentication()
            .verify(
                site,
                request.getHeader(PeerAuthentication.TIMESTAMP_HEADER),
                request.getHeader(PeerAuthentication.SIGNATURE_HEADER),
                kind,
                new byte[0]);
    if (v != PeerAuthentication.Verdict.ACCEPTED) {
      log.warn("sync: refused a request claiming to be from '{}': {}", site, v);
      return problem(
          HttpStatus.UNAUTHORIZED,
          SyncReason.LINK_UNAUTHENTICATED,
          "peer link authentication failed: " + v.name().toLowerCase(Locale.ROOT));
    }
    return null;
  }

  private static ResponseEntity<Object> problem(
      HttpStatus status, SyncReason reason, String words) {
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(new SyncWire.Problem(reason.name(), words));
  }

  /** Stops reading past {@code max} bytes (a manifest has no business being larger). */
  private static final class Limited extends FilterInputStream {
    private long left;

    Limited(InputStream in, long max) {
      super(in);
      this.left = max;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, (int) Math.min(len, left + 1));
      if (n > 0) {
        left -= n;
        if (left < 0) {
          throw new IOException("larger than " + SyncWire.MAX_MANIFEST_BYTES + " bytes");
        }
      }
      return n;
    }
  }
}
