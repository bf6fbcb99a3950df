package io.tandem.app.lab;

import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.runbook.Probe;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * What the lab's sites fail over between, apart from the PBXs: the carrier registrar the trunk
 * registers with, the DNS server holding the service record, and the cloud public address. Either
 * all simulated in-process ({@link SimulatedLabPeers}) or the testkit's real peers ({@link
 * RealLabPeers}: Kamailio, BIND 9 and the AWS emulator).
 *
 * <p>Implementations are thread-safe; {@link #close()} stops whatever they started.
 */
interface LabPeers extends AutoCloseable {

  /** Whether these are real peer processes rather than in-process simulations. */
  boolean real();

  /** One line per peer for the console, saying what answers where and whether it is real. */
  List<String> describe();

  /** SIP domain and digest realm of the carrier, e.g. {@code carrier.lab}. */
  String carrierDomain();

  /** The carrier registrar's {@code host:port} (UDP). */
  String carrierHostPort();

  /** The contacts the carrier currently holds for {@code user}, read from the registrar itself. */
  List<String> trunkContacts(String user);

  /** The adapter the runbook uses to point the service record at the new site. */
  DnsUpdater dns();

  /** UDP/TCP port of the DNS server on 127.0.0.1 (the trunk registrars resolve through it). */
  int dnsPort();

  /** The zone holding the service record, absolute, e.g. {@code tandem.test.}. */
  String zone();

  /** The service record's name, absolute: {@code sip.<zone>}. */
  default String serviceName() {
    return "sip." + zone();
  }

  /** The adapter the runbook uses to move the public address. */
  AddressMover address();

  /** The public address's id as {@link #address()} knows it. */
  String allocationId();

  /** The move target ({@link AddressMover#move}) that stands for {@code site}. */
  String targetOf(String site);

  /** The site the public address is attached to now, read through {@link #address()}. */
  Optional<String> attachedSite();

  /**
   * The verification that callers reach {@code site} through the public address.
   *
   * @param sitePbx the site's PBX SIP address on loopback
   */
  Probe publicAddressProbe(String site, InetSocketAddress sitePbx);

  /** Stops what this started; idempotent, never throws checked. */
  @Override
  void close();
}
