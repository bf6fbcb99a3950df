package io.tandem.testkit;

/** Connection details and controls of a running single-node etcd. */
public interface EtcdPeer {

  /** Client URL, e.g. {@code http://127.0.0.1:23790}. */
  String endpoint();

  /** Stop the process (data kept), e.g. to test a witness outage. */
  void stop();

  /** Start it again on the same ports and data directory; returns when ready. */
  void start();

  /** {@link #stop()} then {@link #start()}. */
  default void restart() {
    stop();
    start();
  }
}
