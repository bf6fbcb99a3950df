package io.tandem.app.witness;

import io.tandem.core.witness.WitnessAnswer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@link WitnessDatagram}'s layout as the witness's datagram listener reads and writes it, in
 * place: a request's fields read from the received bytes, an answer written into the listener's one
 * buffer from the site's name bytes, its raw key and the witness's {@link WitnessAnswer}, with no
 * allocation (WitnessDatagramAllocationTest). Byte for byte the datagrams of {@link
 * WitnessDatagram}'s general encoders (WitnessDatagramWireProperties).
 */
final class ListenerDatagrams {

  private ListenerDatagrams() {}

  /**
   * Where the names a request claims end ({@link WitnessDatagram#claimedKey}'s checks; its names
   * are {@code d[12, end)}), or -1 if the head is malformed. Allocates nothing.
   */
  static int namesEnd(byte[] d, int length) {
    if (length < 14 + WitnessDatagram.MAC_LENGTH
        || length > WitnessDatagram.MAX_SIZE
        || d[0] != 'T'
        || d[1] != 'W') {
      return -1;
    }
    if (d[2] != WitnessDatagram.VERSION) {
      return -1;
    }
    int c = d[12] & 0xff;
    int s = 13 + c;
    if (c == 0 || c > 63 || s >= length - WitnessDatagram.MAC_LENGTH) {
      return -1;
    }
    int n = d[s] & 0xff;
    int end = s + 1 + n;
    if (n == 0 || n > 63 || end > length - WitnessDatagram.MAC_LENGTH) {
      return -1;
    }
    return end;
  }

  /** Where a datagram's names start (after its head: magic, version, kind, nonce). */
  static final int NAMES = 12;

  /** The names of a cluster's site as a datagram carries them (each length-prefixed ASCII). */
  static byte[] names(String cluster, String site) {
    ByteBuffer b = ByteBuffer.allocate(2 + cluster.length() + site.length());
    WitnessDatagram.putName(b, cluster);
    WitnessDatagram.putName(b, site);
    return b.array();
  }

  /** The big-endian long at {@code d[at]}. */
  static long longAt(byte[] d, int at) {
    return (long) LONGS.get(d, at);
  }

  /** The big-endian unsigned 32-bit value at {@code d[at]}. */
  static long uintAt(byte[] d, int at) {
    return ((int) INTS.get(d, at)) & 0xffffffffL;
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  /** Whether the last 16 bytes of {@code d[0, length)} are its MAC under the raw {@code key}. */
  static boolean macOk(byte[] d, int length, byte[] key) {
    if (length < 12 + WitnessDatagram.MAC_LENGTH || length > WitnessDatagram.MAX_SIZE) {
      return false;
    }
    return DatagramMac.get()
        .verify(key, d, length - WitnessDatagram.MAC_LENGTH, WitnessDatagram.MAC_LENGTH);
  }

  /**
   * {@link WitnessDatagram#answer(ByteBuffer, SecretKeySpec, WitnessDatagram.Request,
   * io.tandem.core.witness.TicketResult)} for a request of {@code kind} with {@code nonce} from the
   * site whose datagram {@link #names} are {@code names}, from the witness's {@link WitnessAnswer}
   * and under the site's raw key; byte for byte the same datagram, with no allocation (ASCII
   * reasons).
   */
  static ByteBuffer answer(
      ByteBuffer out, byte[] key, byte kind, long nonce, byte[] names, WitnessAnswer a) {
    ByteBuffer b = out.clear();
    b.put((byte) 'T')
        .put((byte) 'W')
        .put(WitnessDatagram.VERSION)
        .put((byte) (kind | WitnessDatagram.ANSWER))
        .putLong(nonce);
    b.put(names);
    b.put((byte) WitnessDatagram.Status.RESULT.ordinal()).put((byte) (a.granted() ? 1 : 0));
    String holder = a.holder();
    b.put((byte) (holder == null ? 0 : 1));
    if (holder != null) {
      putAscii(b, holder);
      b.putLong(a.epoch()).putLong(a.expiryMillis());
      b.putInt((int) Math.min(a.ttlMillis(), Integer.MAX_VALUE));
    }
    putReason(b, a.reason());
    return sealInto(b, key);
  }

  /**
   * {@link WitnessDatagram#refusal(ByteBuffer, SecretKeySpec, WitnessDatagram.Request,
   * WitnessDatagram.Status, long)} as {@link #answer}.
   */
  static ByteBuffer refusal(
      ByteBuffer out,
      byte[] key,
      byte kind,
      long nonce,
      byte[] names,
      WitnessDatagram.Status status,
      long value) {
    ByteBuffer b = out.clear();
    b.put((byte) 'T')
        .put((byte) 'W')
        .put(WitnessDatagram.VERSION)
        .put((byte) (kind | WitnessDatagram.ANSWER))
        .putLong(nonce);
    b.put(names);
    b.put((byte) status.ordinal()).putLong(value);
    return sealInto(b, key);
  }

  /**
   * A name as {@link WitnessDatagram#putName} writes it, char by char (a name is a DNS label:
   * ASCII).
   */
  private static void putAscii(ByteBuffer b, String name) {
    int n = name.length();
    for (int i = 0; i < n; i++) {
      if (name.charAt(i) >= 0x80) {
        WitnessDatagram.putName(b, name); // not a DNS label: exactly as the general encoder
        return;
      }
    }
    if (n == 0 || n > 63) {
      throw new IllegalArgumentException("a cluster or site name is a DNS label");
    }
    b.put((byte) n);
    for (int i = 0; i < n; i++) {
      b.put((byte) name.charAt(i));
    }
  }

  /**
   * The reason as {@link WitnessDatagram#answer(ByteBuffer, SecretKeySpec, WitnessDatagram.Request,
   * io.tandem.core.witness.TicketResult)} writes it.
   */
  private static void putReason(ByteBuffer b, String reason) {
    int n = reason.length();
    for (int i = 0; i < n; i++) {
      if (reason.charAt(i) >= 0x80) {
        byte[] utf8 = reason.getBytes(StandardCharsets.UTF_8);
        int m = Math.min(utf8.length, WitnessDatagram.MAX_REASON);
        b.putShort((short) m).put(utf8, 0, m);
        return;
      }
    }
    int m = Math.min(n, WitnessDatagram.MAX_REASON);
    b.putShort((short) m);
    for (int i = 0; i < m; i++) {
      b.put((byte) reason.charAt(i));
    }
  }

  /** Appends the MAC under the raw {@code key} of what {@code b} holds and flips it for sending. */
  private static ByteBuffer sealInto(ByteBuffer b, byte[] key) {
    int n = b.position();
    byte[] mac = DatagramMac.get().compute(key, b.array(), 0, n);
    b.put(mac, 0, WitnessDatagram.MAC_LENGTH);
    return b.flip();
  }
}
