package io.tandem.app.lab;

import io.tandem.core.port.DnsRecord;
import io.tandem.core.runbook.Probe;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The lab's view from outside the agents: what a caller and the carrier see, read with the lab's
 * own clients (never through the agents' adapters or their word for it). The lab's RTO ends when
 * this view first leads to the new site.
 */
final class LabOutside {

  private LabOutside() {}

  /**
   * Whether a caller outside reaches {@code site}: SIP OPTIONS through the public address are
   * answered by its PBX, the DNS server answers its address, and the carrier holds its contact and
   * no other.
   */
  static boolean leadsTo(LabCluster lab, Probe caller, String site) {
    LabSite s = lab.site(site);
    LabPeers peers = lab.peers();
    return caller.check().ok()
        && peers
            .dns()
            .verify(
                new DnsRecord(
                    peers.dnsServer().zone(), peers.serviceName(), "A", 30, List.of(s.publicIp)))
        && peers
            .trunkContacts(LabCluster.TRUNK_USER)
            .equals(List.of(s.trunkContact(LabCluster.TRUNK_USER)));
  }

  /**
   * Polls in-process state (nothing can signal it) every 50 ms until {@code condition} holds or
   * {@code max} passed; restores the interrupt flag and returns false when interrupted.
   */
  static boolean waitFor(Duration max, BooleanSupplier condition) {
    long deadline = System.nanoTime() + max.toNanos();
    Object signal = new Object();
    while (System.nanoTime() - deadline < 0) {
      if (condition.getAsBoolean()) {
        return true;
      }
      synchronized (signal) {
        try {
          signal.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return condition.getAsBoolean();
  }
}
