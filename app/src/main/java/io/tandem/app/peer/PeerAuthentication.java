package io.tandem.app.peer;

import io.tandem.core.error.ConfigException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks peer-link messages with the cluster's shared peer secret: HMAC-SHA256 over the
 * sending site, a timestamp (epoch milliseconds), the message kind and the body, sent in three
 * headers. A receiver accepts a message only from a known site, with a valid MAC (compared in
 * constant time), whose timestamp is at most {@code maxAge} behind its own clock and {@code
 * maxAhead} ahead of it (clock skew between hosts) and not already accepted (a captured message
 * cannot be replayed within the window, and outside it it is stale). The signer makes its
 * timestamps strictly increasing, so two equal messages never share a signature.
 *
 * <p>Across restarts: the record of accepted signatures lives in memory and starts empty, so a
 * receiver also refuses every message stamped before it started plus the {@code maxAhead} it
 * tolerates on a sender's clock ({@link Verdict#SIGNED_BEFORE_START}). A message captured before
 * the restart was stamped, on an honest sender's clock, at most {@code maxAhead} ahead of ours when
 * it was sent, which was before we started: nothing the previous process could have accepted gets
 * in, and nothing has to be written to disk. The price is that a freshly started agent ignores its
 * peers for {@code maxAhead} (it holds off acting for a ticket lifetime after start anyway).
 *
 * <p>Why hand-written: the JDK's {@link Mac} does the cryptography; the framing is four lines and
 * no library offers this exact scheme without pulling in a security framework for one header.
 *
 * <p>Thread-safe. The secret is held as a key and never logged or printed ({@link #toString}).
 */
public final class PeerAuthentication {

  public static final String SITE_HEADER = "X-Tandem-Peer-Site";
  public static final String TIMESTAMP_HEADER = "X-Tandem-Peer-Timestamp";
  public static final String SIGNATURE_HEADER = "X-Tandem-Peer-Signature";

  /** Shortest secret accepted, in bytes (as the witness's per-site secrets, doubled). */
  public static final int MIN_SECRET_BYTES = 32;

  /**
   * How far a sender's clock may run ahead of ours; NTP keeps hosts within milliseconds, and a
   * restarted agent ignores its peers for this long.
   */
  public static final Duration MAX_AHEAD = Duration.ofSeconds(2);

  /** What a check concluded. Only {@link #ACCEPTED} lets a message through. */
  public enum Verdict {
    ACCEPTED,
    MISSING_HEADERS,
    UNKNOWN_SITE,
    STALE,
    SIGNED_BEFORE_START,
    REPLAYED,
    BAD_SIGNATURE
  }

  /** The three header values of a signed message. */
  public record Signed(String site, String timestamp, String signature) {}

  private final SecretKeySpec key;
  private final Set<String> sites;
  private final Clock clock;
  private final long maxAgeMillis;
  private final long maxAheadMillis;
  private final long notBeforeMillis;
  private final AtomicLong lastStamp = new AtomicLong();
  private static final int PRUNE_ABOVE = 4096;

  /** Signatures accepted within the window (a replay repeats one exactly). */
  private final Map<String, Long> seen = new ConcurrentHashMap<>();

  /**
   * @param secret the cluster's peer secret (at least {@value #MIN_SECRET_BYTES} bytes)
   * @param sites every site of the cluster; messages from others are refused
   * @param clock wall clock for timestamps (the hosts' clocks are NTP-synchronised)
   * @param maxAge how far a timestamp may lag our clock (a slow delivery)
   * @throws ConfigException if the secret is too short
   */
  public PeerAuthentication(byte[] secret, Set<String> sites, Clock clock, Duration maxAge) {
    this(secret, sites, clock, maxAge, maxAge.compareTo(MAX_AHEAD) < 0 ? maxAge : MAX_AHEAD);
  }

  /**
   * @param maxAhead how far a timestamp may lead our clock (the senders' clock skew); messages
   *     stamped before now + maxAhead are refused (see the class comment)
   */
  public PeerAuthentication(
      byte[] secret, Set<String> sites, Clock clock, Duration maxAge, Duration maxAhead) {
    if (secret == null || secret.length < MIN_SECRET_BYTES) {
      throw new ConfigException(
          "peer secret: expected at least " + MIN_SECRET_BYTES + " bytes (the value is not shown)");
    }
    this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
    this.sites = Set.copyOf(sites);
    this.clock = clock;
    this.maxAgeMillis = maxAge.toMillis();
    this.maxAheadMillis = maxAhead.toMillis();
    this.notBeforeMillis = clock.millis() + maxAheadMillis;
  }

  /** Signs a message {@code from} this site; timestamps strictly increase per process. */
  public Signed sign(String from, String kind, byte[] body) {
    long now = clock.millis();
    long stamp = lastStamp.updateAndGet(last -> Math.max(now, last + 1));
    String ts = Long.toString(stamp);
    return new Signed(from, ts, HexFormat.of().formatHex(mac(from, ts, kind, body)));
  }

  /** Checks a received message; on {@link Verdict#ACCEPTED} records it against replays. */
  public Verdict verify(String site, String timestamp, String signature, String kind, byte[] body) {
    if (site == null || timestamp == null || signature == null) {
      return Verdict.MISSING_HEADERS;
    }
    if (!sites.contains(site)) {
      return Verdict.UNKNOWN_SITE;
    }
    long stamp;
    byte[] given;
    try {
      stamp = Long.parseLong(timestamp);
      given = HexFormat.of().parseHex(signature);
    } catch (IllegalArgumentException e) {
      return Verdict.BAD_SIGNATURE;
    }
    if (!MessageDigest.isEqual(mac(site, timestamp, kind, body), given)) {
      return Verdict.BAD_SIGNATURE;
    }
    long now = clock.millis();
    if (stamp < now - maxAgeMillis || stamp > now + maxAheadMillis) {
      return Verdict.STALE;
    }
    if (stamp < notBeforeMillis) {
      return Verdict.SIGNED_BEFORE_START;
    }
    // anything outside the window is refused as stale, so only signatures inside it need keeping
    if (seen.size() > PRUNE_ABOVE) {
      seen.values().removeIf(t -> t < now - maxAgeMillis || t > now + maxAheadMillis);
    }
    // canonical form: the same MAC written in upper case is the same message
    String key = HexFormat.of().formatHex(given);
    return seen.putIfAbsent(key, stamp) == null ? Verdict.ACCEPTED : Verdict.REPLAYED;
  }

  private byte[] mac(String site, String timestamp, String kind, byte[] body) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(key);
      m.update((site + "\n" + timestamp + "\n" + kind + "\n").getBytes(StandardCharsets.UTF_8));
      return m.doFinal(body);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      // HmacSHA256 is mandatory in every JDK; a key of any length is valid for it
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "PeerAuthentication[sites=" + sites + ", secret=****]";
  }
}
