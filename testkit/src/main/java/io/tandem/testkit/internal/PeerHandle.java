package io.tandem.testkit.internal;

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
}
