package io.tandem.app.lab;

import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.runbook.Probe;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * What the lab's sites fail over between, apart from the PBXs: the carrier registrar the trunk
 * registers with, the DNS server holding the service record, and the cloud public address. Either
 * all simulated in-process ({@link SimulatedLabPeers}, plugged into the agents through {@link
 * LabProviders}) or the testkit's real peers ({@link RealLabPeers}: Kamailio, BIND 9 and the AWS
 * emulator, driven by the production adapters).
 *
 * <p>The lab writes what it reads here into its cluster file; the read-back methods ({@link
 * #trunkContacts}, {@link #dns}, {@link #attachedSite}, {@link #publicAddressProbe}) are the lab's
 * own outside view, never the agents' adapters. Implementations are thread-safe; {@link #close()}
 * stops whatever they started.
 */
interface LabPeers extends AutoCloseable {

  /** How the agents reach the AWS emulator: endpoint, region and its static test credentials. */
  record AwsEndpoint(URI endpoint, String region, String accessKeyId, String secretAccessKey) {}

  /** The DNS server on 127.0.0.1 and the TSIG key that signs RFC 2136 updates to it. */
  record DnsServer(int port, String zone, String keyName, String algorithm, String secret) {}

  /** Whether these are real peer processes rather than in-process simulations. */
  boolean real();

  /** One line per peer, saying what answers where and whether it is real. */
  List<String> describe();

  /** The carrier registrar's {@code host:port} (UDP). */
  String carrierHostPort();

  /** The contacts the carrier currently holds for {@code user}, read from the registrar itself. */
  List<String> trunkContacts(String user);

  /** The DNS server holding the service record. */
  DnsServer dnsServer();

  /** The service record's name, absolute: {@code sip.<zone>}. */
  default String serviceName() {
    return "sip." + dnsServer().zone();
  }

  /** Reads the service record from the DNS server (the lab's own client, for verification). */
  DnsUpdater dns();

  /** The public address as the lab observes it (the lab's own client). */
  AddressMover address();

  /** The public address's id ({@code eipalloc-...}). */
  String allocationId();

  /** The instance that stands for {@code site} (the public address's target there). */
  String targetOf(String site);

  /** The site the public address is attached to now, read through {@link #address()}. */
  Optional<String> attachedSite();

  /** The AWS emulator, with real peers. */
  Optional<AwsEndpoint> aws();

  /** A caller outside: SIP OPTIONS through the public address, answered by {@code site}. */
  Probe publicAddressProbe(String site);

  /** Stops what this started; idempotent, never throws checked. */
  @Override
  void close();
}
