package io.tandem.sim.peer;

import io.tandem.sim.peer.internal.HostPeerLauncher;
import java.util.Map;

/**
 * Starts the testkit's real peers as host processes without JUnit, for programs that want the real
 * thing outside a test (the {@code tandem lab --real-peers} demo). Each peer listens on 127.0.0.1
 * with ephemeral ports and a temporary directory, exactly as under the {@code @Kamailio},
 * {@code @Bind9} and {@code @AwsEmulator} annotations, and is ready when the method returns.
 *
 * <p>The caller owns what it gets: {@link RunningPeer#close()} stops the process and deletes its
 * directory (idempotent). A missing binary throws {@link PeerNotInstalledException} whose message
 * names the install command; nothing falls back to a simulation. Binaries are found as for tests:
 * Debian packages on {@code PATH} plus the sbin directories, and {@code .peers/} found through the
 * system property {@code tandem.projectRoot}, the environment variable {@code TANDEM_PEERS_DIR}, or
 * by walking up from the working directory. Thread-safe (each call starts its own process).
 */
public final class RealPeers {

  private RealPeers() {}

  /** A started peer process: its recent log for diagnostics, and {@link #close()} to stop it. */
  public interface RunningPeer extends AutoCloseable {

    /** The peer's recent log lines with a header, for failure reports. */
    String logTail();

    /** Stops the peer and deletes its temporary directory; idempotent, never throws checked. */
    @Override
    void close();
  }

  /** A running Kamailio registrar. */
  public interface RunningKamailio extends KamailioPeer, RunningPeer {}

  /** A running BIND 9 with the updatable zone {@code tandem.test.}. */
  public interface RunningBind9 extends Bind9Peer, RunningPeer {}

  /** A running IPMI BMC simulator (OpenIPMI's {@code ipmi_sim}). */
  public interface RunningIpmiBmc extends IpmiBmcPeer, RunningPeer {}

  /** A running AWS emulator (moto's standalone server). */
  public interface RunningAwsEmulator extends AwsEmulatorPeer, RunningPeer {}

  /**
   * Kamailio as a registrar with MD5 digest authentication.
   *
   * @param domain SIP domain and digest realm, e.g. {@code carrier.lab}
   * @param users user to plaintext password, known from the start
   * @throws PeerNotInstalledException when {@code kamailio} is not installed
   * @throws PeerStartException when it does not become ready
   */
  public static RunningKamailio startKamailio(String domain, Map<String, String> users) {
    return HostPeerLauncher.kamailio(domain, users);
  }

  /**
   * BIND 9 serving {@code tandem.test.} (with {@code sip.tandem.test. A 192.0.2.10}), updatable
   * with the TSIG key it reports.
   *
   * @throws PeerNotInstalledException when {@code named} is not installed
   * @throws PeerStartException when it does not become ready
   */
  public static RunningBind9 startBind9() {
    return HostPeerLauncher.bind9();
  }

  /**
   * moto's standalone server (EC2, Route 53, DynamoDB), always a host process: this launcher never
   * uses Docker.
   *
   * @throws PeerNotInstalledException when {@code .peers/venv/bin/moto_server} is missing
   * @throws PeerStartException when it does not become ready
   */
  public static RunningAwsEmulator startAwsEmulator() {
    return HostPeerLauncher.moto();
  }

  /**
   * A moto server of its own with IAM enforcement on: every request's signature and IAM action are
   * checked. {@code accessKeyId()} / {@code secretAccessKey()} are an administrator's; create the
   * identities under test with them. What moto can and cannot enforce is described on the
   * implementation ({@code IamEnforcedMoto}): actions yes, resources and conditions no (for EC2,
   * Route 53 and DynamoDB).
   *
   * @throws PeerNotInstalledException when {@code .peers/venv/bin/moto_server} is missing
   * @throws PeerStartException when it does not become ready
   */
  public static RunningAwsEmulator startIamEnforcedAwsEmulator() {
    return HostPeerLauncher.motoWithIam();
  }

  /**
   * OpenIPMI's {@code ipmi_sim} as a BMC on an ephemeral loopback UDP port, with one administrator
   * and a chassis whose power the caller reads back and sets.
   *
   * @param user the BMC user (administrator privilege)
   * @param password its password (IPMI allows up to 20 bytes)
   * @throws PeerNotInstalledException when {@code ipmi_sim} is not installed
   * @throws PeerStartException when it does not become ready
   */
  public static RunningIpmiBmc startIpmiSim(String user, String password) {
    return HostPeerLauncher.ipmiSim(user, password);
  }
}
