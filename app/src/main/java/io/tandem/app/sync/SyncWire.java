package io.tandem.app.sync;

import java.util.List;

/**
 * The sync endpoints' headers and JSON bodies. Authentication reuses the peer link's {@code
 * PeerAuthentication} (HMAC-SHA256 over site, timestamp, kind and body) with an empty body and a
 * kind that binds everything the request means: for an offer {@code sync-offer <job> <epoch>
 * <sha256 of the compressed manifest>}, for content {@code sync-data <job> <epoch> <session>}. The
 * receiver checks the signature before it reads a byte of the body; the offer's body must then hash
 * to the signed value, and every file of the content to its hash in that signed manifest, so the
 * whole transfer is authenticated while both sides stream it (nothing is buffered to be signed).
 */
final class SyncWire {

  private SyncWire() {}

  static final String EPOCH_HEADER = "X-Tandem-Sync-Epoch";
  static final String SHA_HEADER = "X-Tandem-Sync-Sha256";
  static final String SESSION_HEADER = "X-Tandem-Sync-Session";

  /**
   * How a body is encoded: {@code gzip} (the manifest; the content of senders before {@link
   * Frames}) or {@value Frames#ENCODING} (the content).
   */
  static final String ENCODING_HEADER = "X-Tandem-Sync-Encoding";

  /** The manifest of an offer may not exceed this many compressed bytes. */
  static final long MAX_MANIFEST_BYTES = 256L << 20;

  static String offerKind(String job, long epoch, String sha256) {
    return "sync-offer " + job + " " + epoch + " " + sha256;
  }

  static String dataKind(String job, long epoch, String session) {
    return "sync-data " + job + " " + epoch + " " + session;
  }

  /** The receiver's answer to an offer. */
  record OfferAnswer(String session, List<String> need, boolean pending, long bytesExpected) {}

  /** The receiver's answer to content. */
  record Applied(long files, long rows, long bytes, String words) {}

  /** A refusal or failure: the reason code and the receiver's words. */
  record Problem(String reason, String words) {}
}
