package io.tandem.sim.peer.internal;

import io.tandem.sim.peer.PeerStartException;
import io.tandem.sim.peer.RealPeers;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The JUnit-free side of the peer launchers, behind {@link RealPeers}: finds the binaries with the
 * system properties and environment only, and retries a start that lost a port race. Stateless and
 * thread-safe.
 */
public final class HostPeerLauncher {

  private static final int START_ATTEMPTS = 3;
  public static final String KAMAILIO_PACKAGE = "kamailio";
  public static final String BIND9_PACKAGES = "bind9 bind9-utils dnsutils";
  public static final String IPMI_PACKAGES = "openipmi ipmitool fence-agents";
  public static final String MOTO_BINARY = "venv/bin/moto_server";
  public static final String MOTO_INSTALL =
      "python3 -m venv .peers/venv && .peers/venv/bin/pip install 'moto[server]>=5,<6'";

  private HostPeerLauncher() {}

  /** See {@link RealPeers#startKamailio}. */
  public static RealPeers.RunningKamailio kamailio(String domain, Map<String, String> users) {
    var binary = PeerBinaries.fromSystemProperties().system("kamailio", KAMAILIO_PACKAGE);
    return startWithRetry(() -> RunningKamailio.start(binary, domain, "MD5", Map.copyOf(users)));
  }

  /** See {@link RealPeers#startBind9}. */
  public static RealPeers.RunningBind9 bind9() {
    var binary = PeerBinaries.fromSystemProperties().system("named", BIND9_PACKAGES);
    return startWithRetry(() -> RunningBind9.start(binary));
  }

  /** See {@link RealPeers#startAwsEmulator}. */
  public static RealPeers.RunningAwsEmulator moto() {
    var binary = PeerBinaries.fromSystemProperties().projectLocal(MOTO_BINARY, MOTO_INSTALL);
    return new FrontedAwsEmulator(startWithRetry(() -> MotoEmulator.start(binary)));
  }

  /** See {@link RealPeers#startIamEnforcedAwsEmulator}. */
  public static RealPeers.RunningAwsEmulator motoWithIam() {
    var binary = PeerBinaries.fromSystemProperties().projectLocal(MOTO_BINARY, MOTO_INSTALL);
    return startWithRetry(() -> IamEnforcedMoto.start(binary));
  }

  /** See {@link RealPeers#startIpmiSim}. */
  public static RealPeers.RunningIpmiBmc ipmiSim(String user, String password) {
    var binary = PeerBinaries.fromSystemProperties().system("ipmi_sim", IPMI_PACKAGES);
    return startWithRetry(() -> RunningIpmiSim.start(binary, user, password));
  }

  /** Retries a start whose process died early, which is how a lost port race shows. */
  public static <H> H startWithRetry(Supplier<H> start) {
    PeerStartException last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return start.get();
      } catch (PeerStartException e) {
        last = e;
        if (!(e.getCause() instanceof PeerProcess.ProcessExitedException)) {
          throw e;
        }
      }
    }
    throw last;
  }
}
