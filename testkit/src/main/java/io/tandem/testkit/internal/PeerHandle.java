package io.tandem.testkit.internal;

import io.tandem.sim.peer.RealPeers;

/**
 * A started peer as kept in the JUnit store: the typed view handed to tests, its log for failure
 * reports, and {@link #close()} which stops it. JUnit closes it when the owning context ends.
 *
 * @param <P> the public peer interface, e.g. {@code KamailioPeer}
 */
interface PeerHandle<P> extends AutoCloseable {

  /** The typed connection details handed to tests. */
  P peer();

  /** The peer's recent log lines with a header, for failure reports. */
  String logTail();

  /** Stops the peer and deletes its temporary directory; idempotent, never throws checked. */
  @Override
  void close();

  /** The handle of a peer started by the sim module's JUnit-free launchers. */
  static <P, R extends RealPeers.RunningPeer> PeerHandle<P> of(P peer, R running) {
    return new Launched<>(peer, running);
  }

  /** A launched peer kept in the JUnit store. */
  record Launched<P>(P peer, RealPeers.RunningPeer running) implements PeerHandle<P> {
    @Override
    public String logTail() {
      return running.logTail();
    }

    @Override
    public void close() {
      running.close();
    }
  }
}
