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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The lab's default peers, all simulated in this process: a SIP registrar with digest auth, a DNS
 * server, and a cloud public address whose UDP relay forwards to the attached site's PBX (so the
 * public address is probed over a real socket). The agents reach the registrar with the production
 * trunk registrar over SIP; the DNS server and the address are plugged in as their adapters through
 * {@link LabProviders}. Thread-safe.
 */
final class SimulatedLabPeers implements LabPeers {

  static final String ZONE = "lab.tandem.test.";
  static final String ADDRESS_ID = "eipalloc-lab-simulated";
  static final String TSIG_KEY = "lab-update";

  private final String realm;
  private final SimSipServer carrier;
  private final SimCloudAddress publicAddress;
  private final SimDnsServer dns;
  private final String tsigSecret;

  private SimulatedLabPeers(
      String realm,
      SimSipServer carrier,
      SimCloudAddress address,
      SimDnsServer dns,
      String tsigSecret) {
    this.realm = realm;
    this.carrier = carrier;
    this.publicAddress = address;
    this.dns = dns;
    this.tsigSecret = tsigSecret;
  }

  /**
   * @param pbxBySite each site's PBX, where the relay forwards while attached to that site
   * @param realm the carrier's digest realm
   * @param trunkUsers the carrier's users (user to password)
   * @param initialIp where the service record points at start
   * @param tsigSecret the key written into the cluster file (the simulation does not check it)
   */
  static SimulatedLabPeers start(
      Map<String, InetSocketAddress> pbxBySite,
      String realm,
      Map<String, String> trunkUsers,
      String initialIp,
      String tsigSecret,
      Clock clock) {
    SimSipServer carrier = null;
    SimCloudAddress address = null;
    try {
      carrier = SimSipServer.registrar(realm, trunkUsers, clock);
      Map<String, InetSocketAddress> byInstance = new LinkedHashMap<>();
      pbxBySite.forEach((site, pbx) -> byInstance.put(instanceOf(site), pbx));
      address = new SimCloudAddress(ADDRESS_ID, byInstance, null);
      SimDnsServer dns =
          new SimDnsServer(
              ZONE, List.of(new DnsRecord(ZONE, "sip." + ZONE, "A", 30, List.of(initialIp))));
      return new SimulatedLabPeers(realm, carrier, address, dns, tsigSecret);
    } catch (IOException e) {
      closeAll(carrier, address);
      throw new UncheckedIOException("cannot start the lab's simulated peers", e);
    }
  }

  /** The simulated instance id of a site. */
  static String instanceOf(String site) {
    return "i-lab-" + site;
  }

  @Override
  public boolean real() {
    return false;
  }

  @Override
  public List<String> describe() {
    return List.of(
        "carrier  SIMULATED registrar " + carrier.hostPort() + " (realm " + realm + ")",
        "dns      SIMULATED DNS server 127.0.0.1:" + dns.port() + " (zone " + ZONE + ")",
        "address  SIMULATED cloud address "
            + ADDRESS_ID
            + " (UDP relay "
            + hostPort(publicAddress.publicAddress())
            + ")");
  }

  @Override
  public String carrierHostPort() {
    return carrier.hostPort();
  }

  @Override
  public List<String> trunkContacts(String user) {
    // the trunk's address of record names the registrar it is configured with
    return carrier.contacts("sip:" + user + "@127.0.0.1");
  }

  @Override
  public DnsServer dnsServer() {
    return new DnsServer(dns.port(), ZONE, TSIG_KEY, "hmac-sha256", tsigSecret);
  }

  @Override
  public DnsUpdater dns() {
    return dns;
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
    return instanceOf(site);
  }

  @Override
  public Optional<String> attachedSite() {
    return publicAddress
        .observe(ADDRESS_ID)
        .attachedTo()
        .map(instance -> instance.substring("i-lab-".length()));
  }

  @Override
  public Optional<AwsEndpoint> aws() {
    return Optional.empty();
  }

  @Override
  public Probe publicAddressProbe(String site) {
    return PublicAddressProbe.through(publicAddress.publicAddress(), site, Duration.ofMillis(250));
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
