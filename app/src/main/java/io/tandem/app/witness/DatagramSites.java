package io.tandem.app.witness;

import io.tandem.core.witness.BuiltInWitness;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.spec.SecretKeySpec;

/**
 * The served sites by the names their datagrams carry, looked up in the datagram's own bytes (open
 * addressing, linear probing; built once, read by the receiver thread only): a {@code HashMap} by a
 * string would need a new string per datagram.
 */
final class DatagramSites {
  private final Site[] table;
  private final int mask;

  DatagramSites(List<Site> all) {
    int capacity = Integer.highestOneBit(Math.max(4, all.size() * 2 - 1)) << 1;
    table = new Site[capacity];
    mask = capacity - 1;
    for (Site s : all) {
      int i = hash(s.names, 0, s.names.length) & mask;
      while (table[i] != null && !Arrays.equals(table[i].names, s.names)) {
        i = (i + 1) & mask;
      }
      table[i] = s; // a site named twice: the last one, as a map's put
    }
  }

  /** The site whose names are {@code d[from, to)}, or null. */
  Site find(byte[] d, int from, int to) {
    for (int i = hash(d, from, to) & mask; ; i = (i + 1) & mask) {
      Site s = table[i];
      if (s == null || Arrays.equals(s.names, 0, s.names.length, d, from, to)) {
        return s;
      }
    }
  }

  private static int hash(byte[] d, int from, int to) {
    int h = 0x811c9dc5; // FNV-1a
    for (int i = from; i < to; i++) {
      h = (h ^ (d[i] & 0xff)) * 0x01000193;
    }
    return h ^ (h >>> 16);
  }

  /**
   * A served site: its secret, its datagram key derived at its first datagram (not at start: 20,000
   * HMACs were a fifth of a 10,000-cluster witness's start, issue 17.4), its cluster's state in the
   * witness (found then too), and the highest nonce seen from it (receiver thread only).
   */
  static final class Site {
    final String cluster;
    final String name;
    final byte[] names; // as its datagrams carry them: the lookup key
    private final LongAdder derived;
    private byte[] secret;
    private volatile SecretKeySpec key;
    private byte[] raw; // the key's bytes (receiver thread only)
    private BuiltInWitness.Served served; // receiver thread only
    long highest = Long.MIN_VALUE;

    Site(String cluster, String name, byte[] secret, LongAdder derived) {
      this.cluster = cluster;
      this.name = name;
      this.names = ListenerDatagrams.names(cluster, name);
      this.secret = secret;
      this.derived = derived;
    }

    /** The key, derived on the receiver thread at the site's first datagram. */
    SecretKeySpec key() {
      SecretKeySpec k = key;
      if (k == null) {
        k = WitnessDatagram.key(secret, cluster, name);
        key = k;
        secret = null;
        derived.increment();
      }
      return k;
    }

    /** The key's bytes (receiver thread only): {@code SecretKeySpec.getEncoded()} copies them. */
    byte[] raw() {
      if (raw == null) {
        raw = key().getEncoded();
      }
      return raw;
    }

    /** The cluster's state in the witness, found at the site's first datagram and kept. */
    BuiltInWitness.Served served(BuiltInWitness witness) {
      if (served == null) {
        served = witness.served(cluster);
      }
      return served;
    }
  }
}
