package io.tandem.app.witness;

import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketResult;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The built-in witness's datagram format (docs/witness-protocol.md, "Datagrams"): a renewal or a
 * ticket read in one UDP datagram and its answer in another, each authenticated with HMAC-SHA256
 * (truncated to 128 bits, as RFC 4868 truncates it for IPsec) under a key derived from the site's
 * secret and bound to the cluster and site names. Not encrypted: a renewal carries nothing secret
 * (names, an epoch, a TTL), as booth's and VRRP's authenticated packets carry none.
 *
 * <p>Why datagrams: a renewal is one small message, and a lost one must cost one resend, not a
 * connection. Over TCP (HTTPS) a lost segment stalls every later renewal on that connection behind
 * its retransmission (200 ms and more, doubling), and the JDK client closes a connection whose
 * request timed out, so the next renewal first needs new TCP and TLS handshakes across the same
 * lossy path (a lost SYN alone costs 1 s). Measured with the real processes at 20 % loss and 150 ms
 * RTT: 46 false fences in 10 minutes over HTTPS. Booth (Pacemaker's ticket manager) and VRRP send
 * such messages as UDP for the same reason. Hand-written because no library speaks it; it is about
 * a hundred lines of bounds-checked byte layout.
 *
 * <p>Layout, big-endian. A request: {@code 'T' 'W'}, version 1, kind (1 renew, 2 read, 3 acquire, 4
 * release), nonce (8), cluster (length byte + ASCII), site (length byte + ASCII), then for a
 * renewal or an acquire the epoch held or known (8), TTL in ms (4) and flags (1, bit 0 = healthy),
 * for a release the epoch (8); last the 16-byte MAC of everything before it. An answer: {@code 'T'
 * 'W'}, 1, kind | 0x80, the request's nonce (8), cluster, site, status (1), then per status: {@link
 * Status#RESULT} granted (1), ticket present (1) [holder, epoch (8), expiry as epoch ms (8), TTL ms
 * (4)], reason (2-byte length + UTF-8); {@link Status#STALE} the highest nonce the witness has seen
 * from the site (8); {@link Status#SKEW} the witness's clock in epoch µs (8); then the MAC. The
 * kind's high bit keeps an answer from being reflected as a request.
 *
 * <p>Replay: the nonce is the agent's wall clock in µs, strictly increasing per agent; the witness
 * accepts from each site only nonces above the highest it has seen, and within {@link #MAX_SKEW} of
 * its own clock (booth's {@code maxtimeskew} check), so an old datagram replayed later is refused.
 * A delayed renewal is safe by the lease rule: the agent times its deadline from when it sent the
 * request, the witness from when it received it.
 */
final class WitnessDatagram {

  private WitnessDatagram() {}

  /** Largest datagram either side sends or accepts. */
  static final int MAX_SIZE = 1200;

  /** Largest clock difference accepted between an agent's nonce and the witness's clock. */
  static final Duration MAX_SKEW = Duration.ofMinutes(5);

  static final byte KIND_RENEW = 1;
  static final byte KIND_READ = 2;
  static final byte KIND_ACQUIRE = 3;
  static final byte KIND_RELEASE = 4;
  static final byte ANSWER = (byte) 0x80;
  static final byte VERSION = 1;
  static final int MAC_LENGTH = 16;
  static final int MAX_REASON = 400;

  /** What an answer says. */
  enum Status {
    /** The witness's answer: a grant or refusal with the ticket as it stands. */
    RESULT,
    /** The nonce was not above the highest seen from this site; {@code value} is that one. */
    STALE,
    /** The nonce's clock is more than {@link #MAX_SKEW} off; {@code value} is the witness's. */
    SKEW
  }

  /**
   * A request as read.
   *
   * @param kind {@link #KIND_RENEW} or {@link #KIND_READ}
   * @param nonce the sender's nonce (wall-clock µs, strictly increasing)
   * @param epoch renewal: the epoch held
   * @param ttlMillis renewal: the TTL asked for
   * @param healthy renewal: whether the site reports itself healthy
   */
  record Request(
      byte kind,
      long nonce,
      String cluster,
      String site,
      long epoch,
      long ttlMillis,
      boolean healthy) {}

  /**
   * An answer as read.
   *
   * @param result with {@link Status#RESULT}
   * @param value with {@link Status#STALE} or {@link Status#SKEW}
   */
  record Answer(
      byte kind,
      long nonce,
      String cluster,
      String site,
      Status status,
      TicketResult result,
      long value) {}

  /**
   * The key a site's datagrams are authenticated with: HMAC-SHA256 of a label naming the cluster
   * and site, keyed by the site's secret (the secret itself never travels, and a secret reused in
   * another cluster gives another key).
   */
  static SecretKeySpec key(byte[] siteSecret, String cluster, String site) {
    byte[] label =
        ("tandem witness datagram v1\0" + cluster + "\0" + site).getBytes(StandardCharsets.UTF_8);
    return new SecretKeySpec(
        hmac(new SecretKeySpec(siteSecret, "HmacSHA256"), label, 0, label.length), "HmacSHA256");
  }

  static byte[] renew(
      SecretKeySpec key,
      long nonce,
      String cluster,
      String site,
      long epoch,
      long ttlMillis,
      boolean healthy) {
    return ask(KIND_RENEW, key, nonce, cluster, site, epoch, ttlMillis, healthy);
  }

  /** An acquire (never a forced one: that goes over HTTPS with the operator's sentence). */
  static byte[] acquire(
      SecretKeySpec key,
      long nonce,
      String cluster,
      String site,
      long knownEpoch,
      long ttlMillis,
      boolean healthy) {
    return ask(KIND_ACQUIRE, key, nonce, cluster, site, knownEpoch, ttlMillis, healthy);
  }

  static byte[] release(SecretKeySpec key, long nonce, String cluster, String site, long epoch) {
    ByteBuffer b = head(KIND_RELEASE, nonce, cluster, site);
    b.putLong(epoch);
    return seal(b, key);
  }

  private static byte[] ask(
      byte kind,
      SecretKeySpec key,
      long nonce,
      String cluster,
      String site,
      long epoch,
      long ttlMillis,
      boolean healthy) {
    ByteBuffer b = head(kind, nonce, cluster, site);
    b.putLong(epoch)
        .putInt((int) Math.min(ttlMillis, Integer.MAX_VALUE))
        .put((byte) (healthy ? 1 : 0));
    return seal(b, key);
  }

  static byte[] read(SecretKeySpec key, long nonce, String cluster, String site) {
    return seal(head(KIND_READ, nonce, cluster, site), key);
  }

  /**
   * The lookup key of the cluster and site a request claims, read before its MAC can be checked
   * (its length-prefixed names as they stand in the datagram: one string, no parsing), or null if
   * the head is malformed. Equal to {@link #siteKey(String, String)} of the same names.
   */
  static String claimedKey(byte[] d, int length) {
    if (length < 14 + MAC_LENGTH || length > MAX_SIZE || d[0] != 'T' || d[1] != 'W') {
      return null;
    }
    if (d[2] != VERSION) {
      return null;
    }
    int c = d[12] & 0xff;
    int s = 13 + c;
    if (c == 0 || c > 63 || s >= length - MAC_LENGTH) {
      return null;
    }
    int n = d[s] & 0xff;
    int end = s + 1 + n;
    if (n == 0 || n > 63 || end > length - MAC_LENGTH) {
      return null;
    }
    return new String(d, 12, end - 12, StandardCharsets.ISO_8859_1);
  }

  /** The lookup key of a site of a cluster, as {@link #claimedKey} reads it from a datagram. */
  static String siteKey(String cluster, String site) {
    return (char) cluster.length() + cluster + (char) site.length() + site;
  }

  /** The request, if it is well formed and its MAC is right under {@code key}. */
  static Optional<Request> openRequest(byte[] d, int length, SecretKeySpec key) {
    return openRequest(d, length, key, null, null);
  }

  /**
   * The request, if it is well formed and its MAC is right under {@code key}; with {@code cluster}
   * and {@code site} given (the names its {@link #claimedKey} was looked up by), they are not read
   * again.
   */
  static Optional<Request> openRequest(
      byte[] d, int length, SecretKeySpec key, String knownCluster, String knownSite) {
    if (!macOk(d, length, key)) {
      return Optional.empty();
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(d, 0, length - MAC_LENGTH);
      b.position(3);
      byte kind = b.get();
      long nonce = b.getLong();
      String cluster;
      String site;
      if (knownCluster == null) {
        cluster = name(b);
        site = name(b);
      } else {
        b.position(b.position() + 2 + knownCluster.length() + knownSite.length());
        cluster = knownCluster;
        site = knownSite;
      }
      if (kind == KIND_READ && !b.hasRemaining()) {
        return Optional.of(new Request(kind, nonce, cluster, site, 0, 0, false));
      }
      if (kind == KIND_RELEASE) {
        long epoch = b.getLong();
        return b.hasRemaining()
            ? Optional.empty()
            : Optional.of(new Request(kind, nonce, cluster, site, epoch, 0, false));
      }
      if (kind != KIND_RENEW && kind != KIND_ACQUIRE) {
        return Optional.empty();
      }
      long epoch = b.getLong();
      long ttl = b.getInt() & 0xffffffffL;
      boolean healthy = (b.get() & 1) != 0;
      return b.hasRemaining()
          ? Optional.empty()
          : Optional.of(new Request(kind, nonce, cluster, site, epoch, ttl, healthy));
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  static byte[] answer(SecretKeySpec key, Request to, TicketResult r) {
    return bytes(answer(ByteBuffer.allocate(MAX_SIZE), key, to, r));
  }

  /**
   * The answer written into {@code out} (cleared first; at least {@link #MAX_SIZE} bytes, heap),
   * returned ready to send.
   */
  static ByteBuffer answer(ByteBuffer out, SecretKeySpec key, Request to, TicketResult r) {
    ByteBuffer b =
        head(out.clear(), (byte) (to.kind() | ANSWER), to.nonce(), to.cluster(), to.site());
    b.put((byte) Status.RESULT.ordinal()).put((byte) (r.granted() ? 1 : 0));
    Ticket t = r.ticket();
    b.put((byte) (t == null ? 0 : 1));
    if (t != null) {
      putName(b, t.holder());
      b.putLong(t.epoch()).putLong(t.expiry().toEpochMilli());
      b.putInt((int) Math.min(t.ttl().toMillis(), Integer.MAX_VALUE));
    }
    byte[] reason = r.reason().getBytes(StandardCharsets.UTF_8);
    int n = Math.min(reason.length, MAX_REASON);
    b.putShort((short) n).put(reason, 0, n);
    return sealInto(b, key);
  }

  static byte[] refusal(SecretKeySpec key, Request to, Status status, long value) {
    return bytes(refusal(ByteBuffer.allocate(MAX_SIZE), key, to, status, value));
  }

  /** A STALE or SKEW answer written into {@code out}, returned ready to send. */
  static ByteBuffer refusal(
      ByteBuffer out, SecretKeySpec key, Request to, Status status, long value) {
    ByteBuffer b =
        head(out.clear(), (byte) (to.kind() | ANSWER), to.nonce(), to.cluster(), to.site());
    b.put((byte) status.ordinal()).putLong(value);
    return sealInto(b, key);
  }

  /** The answer, if it is well formed, its MAC is right under {@code key} and it is an answer. */
  static Optional<Answer> openAnswer(byte[] d, int length, SecretKeySpec key) {
    if (!macOk(d, length, key)) {
      return Optional.empty();
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(d, 0, length - MAC_LENGTH);
      b.position(3);
      byte kind = b.get();
      if ((kind & ANSWER) == 0) {
        return Optional.empty();
      }
      long nonce = b.getLong();
      String cluster = name(b);
      String site = name(b);
      int st = b.get();
      if (st < 0 || st >= Status.values().length) {
        return Optional.empty();
      }
      Status status = Status.values()[st];
      if (status != Status.RESULT) {
        long value = b.getLong();
        return Optional.of(new Answer(kind, nonce, cluster, site, status, null, value));
      }
      boolean granted = b.get() == 1;
      Ticket t = null;
      if (b.get() == 1) {
        String holder = name(b);
        long epoch = b.getLong();
        Instant expiry = Instant.ofEpochMilli(b.getLong());
        Duration ttl = Duration.ofMillis(b.getInt() & 0xffffffffL);
        t = new Ticket(cluster, holder, epoch, expiry, ttl);
      }
      int n = b.getShort() & 0xffff;
      if (n > b.remaining()) {
        return Optional.empty();
      }
      byte[] reason = new byte[n];
      b.get(reason);
      TicketResult r = new TicketResult(granted, t, new String(reason, StandardCharsets.UTF_8));
      return Optional.of(new Answer(kind, nonce, cluster, site, status, r, 0));
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static ByteBuffer head(byte kind, long nonce, String cluster, String site) {
    return head(ByteBuffer.allocate(MAX_SIZE), kind, nonce, cluster, site);
  }

  private static ByteBuffer head(ByteBuffer b, byte kind, long nonce, String cluster, String site) {
    b.put((byte) 'T').put((byte) 'W').put(VERSION).put(kind).putLong(nonce);
    putName(b, cluster);
    putName(b, site);
    return b;
  }

  static void putName(ByteBuffer b, String name) {
    byte[] n = name.getBytes(StandardCharsets.US_ASCII);
    if (n.length == 0 || n.length > 63) {
      throw new IllegalArgumentException("a cluster or site name is a DNS label");
    }
    b.put((byte) n.length).put(n);
  }

  private static String name(ByteBuffer b) {
    int n = b.get() & 0xff;
    if (n == 0 || n > 63) {
      throw new IllegalArgumentException("bad name length");
    }
    byte[] bytes = new byte[n];
    b.get(bytes);
    for (byte c : bytes) {
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) {
        throw new IllegalArgumentException("bad name");
      }
    }
    return new String(bytes, StandardCharsets.US_ASCII);
  }

  private static byte[] seal(ByteBuffer b, SecretKeySpec key) {
    return bytes(sealInto(b, key));
  }

  /** Appends the MAC of what {@code b} holds and flips it for sending. */
  private static ByteBuffer sealInto(ByteBuffer b, SecretKeySpec key) {
    int n = b.position();
    byte[] mac = hmac(key, b.array(), 0, n);
    b.put(mac, 0, MAC_LENGTH);
    return b.flip();
  }

  private static byte[] bytes(ByteBuffer ready) {
    byte[] out = new byte[ready.remaining()];
    ready.get(out);
    return out;
  }

  private static boolean macOk(byte[] d, int length, SecretKeySpec key) {
    if (length < 12 + MAC_LENGTH || length > MAX_SIZE) {
      return false;
    }
    byte[] expected = hmac(key, d, 0, length - MAC_LENGTH);
    byte[] given = new byte[MAC_LENGTH];
    System.arraycopy(d, length - MAC_LENGTH, given, 0, MAC_LENGTH);
    byte[] want = new byte[MAC_LENGTH];
    System.arraycopy(expected, 0, want, 0, MAC_LENGTH);
    return MessageDigest.isEqual(want, given); // constant time
  }

  /**
   * One {@code Mac} per thread, initialised per use: the witness's receiver thread no longer pays
   * {@code Mac.getInstance} (a provider lookup and a new engine) two or three times per datagram.
   */
  private static final ThreadLocal<Mac> MACS =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Mac.getInstance("HmacSHA256");
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
            }
          });

  private static byte[] hmac(SecretKeySpec key, byte[] data, int off, int len) {
    try {
      Mac mac = MACS.get();
      mac.init(key);
      mac.update(data, off, len);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
    }
  }
}
