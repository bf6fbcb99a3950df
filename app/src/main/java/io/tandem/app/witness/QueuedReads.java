package io.tandem.app.witness;

import java.net.SocketAddress;

/**
 * An authenticated ticket read waiting for its turn: a ring of reused entries (receiver thread
 * only), no object per read.
 */
final class QueuedReads {
  private final DatagramSites.Site[] sites;
  private final long[] nonces;
  private final SocketAddress[] from;
  private int head;
  private int size;

  QueuedReads(int capacity) {
    sites = new DatagramSites.Site[capacity];
    nonces = new long[capacity];
    from = new SocketAddress[capacity];
  }

  boolean isEmpty() {
    return size == 0;
  }

  boolean isFull() {
    return size == sites.length;
  }

  void add(DatagramSites.Site site, long nonce, SocketAddress to) {
    int i = (head + size) % sites.length;
    sites[i] = site;
    nonces[i] = nonce;
    from[i] = to;
    size++;
  }

  /** Drops the oldest. */
  void drop() {
    sites[head] = null;
    from[head] = null;
    head = (head + 1) % sites.length;
    size--;
  }

  DatagramSites.Site site() {
    return sites[head];
  }

  long nonce() {
    return nonces[head];
  }

  SocketAddress from() {
    return from[head];
  }
}
