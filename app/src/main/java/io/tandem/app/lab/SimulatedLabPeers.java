package io.tandem.app.lab;

import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.runbook.Probe;
import io.tandem.sim.lab.SimCloudAddress;
import io.tandem.sim.lab.SimDnsServer;
import io.tandem.sim.lab.SimSipServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The lab's default peers, all simulated in this process: a SIP registrar with digest auth, a DNS
 * server, and a cloud public address whose UDP relay forwards to the attached site's PBX (so the
 * public address is probed over a real socket). Thread-safe.
 */
final class SimulatedLabPeers implements LabPeers {

  static final String ZONE = "lab.tandem.test.";
  static final String ADDRESS_ID = "eipalloc-lab-simulated";

  private final String carrierDomain;
  private final SimSipServer carrier;
  private final SimCloudAddress publicAddress;
  private final SimDnsServer dns;

  private SimulatedLabPeers(
      String carrierDomain, SimSipServer carrier, SimCloudAddress address, SimDnsServer dns) {
    this.carrierDomain = carrierDomain;
    this.carrier = carrier;
    this.publicAddress = address;
    this.dns = dns;
  }

  /**
   * @param pbxAddresses each site's PBX, where the relay forwards while attached to that site
   * @param trunkUsers the carrier's users (user to password)
   * @param initialIp where the service record points at start
   */
  static SimulatedLabPeers start(
      Map<String, InetSocketAddress> pbxAddresses,
      String carrierDomain,
      Map<String, String> trunkUsers,
      String initialIp,
      Clock clock) {
    SimSipServer carrier = null;
    SimCloudAddress address = null;
    try {
      carrier = SimSipServer.registrar(carrierDomain, trunkUsers, clock);
      address = new SimCloudAddress(ADDRESS_ID, pbxAddresses, null);
      SimDnsServer dns =
          new SimDnsServer(
              ZONE, List.of(new DnsRecord(ZONE, "sip." + ZONE, "A", 30, List.of(initialIp))));
      return new SimulatedLabPeers(carrierDomain, carrier, address, dns);
    } catch (IOException e) {
      closeAll(carrier, address);
      throw new UncheckedIOException("cannot start the lab's simulated peers", e);
    }
  }

  @Override
  public boolean real() {
    return false;
  }

  @Override
  public List<String> describe() {
    return List.of(
        "carrier  SIMULATED registrar " + carrier.hostPort() + " (" + carrierDomain() + ")",
        "dns      SIMULATED DNS server 127.0.0.1:" + dns.port() + " (zone " + ZONE + ")",
        "address  SIMULATED cloud address "
            + ADDRESS_ID
            + " (UDP relay "
            + hostPort(publicAddress.publicAddress())
            + ")");
  }

  @Override
  public String carrierDomain() {
    return carrierDomain;
  }

  @Override
  public String carrierHostPort() {
    return carrier.hostPort();
  }

  @Override
  public List<String> trunkContacts(String user) {
    return carrier.contacts("sip:" + user + "@" + carrierDomain());
  }

  @Override
  public DnsUpdater dns() {
    return dns;
  }

  @Override
  public int dnsPort() {
    return dns.port();
  }

  @Override
  public String zone() {
    return ZONE;
  }

  @Override
  public AddressMover address() {
    return publicAddress;
  }

  @Override
  public String allocationId() {
    return ADDRESS_ID;
  }

  @Override
  public String targetOf(String site) {
    return site;
  }

  @Override
  public Optional<String> attachedSite() {
    return publicAddress.observe(ADDRESS_ID).attachedTo();
  }

  @Override
  public Probe publicAddressProbe(String site, InetSocketAddress sitePbx) {
    return PublicAddressProbe.through(publicAddress.publicAddress(), site, Duration.ofMillis(500));
  }

  static String hostPort(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  @Override
  public void close() {
    closeAll(dns, publicAddress, carrier);
  }

  static void closeAll(AutoCloseable... all) {
    for (AutoCloseable c : all) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (Exception e) {
        // stopping the lab: keep closing the rest
      }
    }
  }
}
