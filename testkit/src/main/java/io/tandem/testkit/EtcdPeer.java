package io.tandem.testkit;

import java.nio.file.Path;
import java.util.Optional;

/** Connection details and controls of a running single-node etcd. */
public interface EtcdPeer {

  /** Client URL, e.g. {@code http://127.0.0.1:23790} ({@code https://} when secure). */
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

  /** TLS files and users of an {@code @Etcd(secure = true)} peer; empty otherwise. */
  default Optional<Security> security() {
    return Optional.empty();
  }

  /**
   * What a client of a secure etcd needs, all PEM files in the peer's temporary directory.
   *
   * @param ca the CA that signed the server's and the client's certificates
   * @param clientCertificate a client certificate etcd accepts (CN {@code tandem-client})
   * @param clientKey its PKCS#8 key
   * @param otherCa a CA that signed nothing etcd knows (for "untrusted" tests)
   * @param user a user with read-write permission on the prefix {@code /tandem/} only
   * @param password that user's password
   * @param reader a user with no permission at all
   * @param readerPassword that user's password
   */
  record Security(
      Path ca,
      Path clientCertificate,
      Path clientKey,
      Path otherCa,
      String user,
      String password,
      String reader,
      String readerPassword) {}
}
