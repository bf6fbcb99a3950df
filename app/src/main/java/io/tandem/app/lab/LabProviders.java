package io.tandem.app.lab;

import io.tandem.app.agent.Providers;
import io.tandem.core.config.DnsRecordConfig;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.port.Fencer;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.runbook.Probe;
import io.tandem.core.witness.Witness;
import java.util.List;
import java.util.Optional;

/**
 * The lab's {@link Providers}: the production adapters ({@link Providers#sdk()}) for everything,
 * except, with the simulated peers, the cloud address, the DNS server and the fencer, which are the
 * lab's simulations. So the witness client, the PBX control (AMI, against the simulated PBX's AMI
 * server) and the trunk registrar (SIP, against the simulated or real carrier) are always the
 * production ones; with real peers every adapter is. Either way the agents report that they run in
 * a lab ({@link Providers.Adapters#simulated()}): the PBXs are simulated.
 */
final class LabProviders implements Providers {

  /** The simulated peers the agents drive instead of cloud APIs and an RFC 2136 server. */
  record Simulations(AddressMover address, DnsUpdater dns, Fencer fencer) {}

  private final Optional<Simulations> simulations;

  private LabProviders(Optional<Simulations> simulations) {
    this.simulations = simulations;
  }

  /** Production adapters, with the simulated address, DNS and fencer plugged in. */
  static LabProviders simulated(AddressMover address, DnsUpdater dns, Fencer fencer) {
    return new LabProviders(Optional.of(new Simulations(address, dns, fencer)));
  }

  /** Production adapters only, pointed at the real peers by the cluster file. */
  static LabProviders production() {
    return new LabProviders(Optional.empty());
  }

  @Override
  public Adapters open(Context context) {
    Adapters sdk = Providers.sdk().open(context);
    return new Adapters() {
      @Override
      public Witness witness() {
        return sdk.witness();
      }

      @Override
      public PbxControl pbx(SiteConfig site) {
        return sdk.pbx(site);
      }

      @Override
      public Optional<TrunkRegistrar> trunks() {
        return sdk.trunks();
      }

      @Override
      public AddressMover address(SiteConfig site, ServiceAddress address) {
        return simulations.map(Simulations::address).orElseGet(() -> sdk.address(site, address));
      }

      @Override
      public DnsUpdater dns(DnsRecordConfig record) {
        return simulations.map(Simulations::dns).orElseGet(() -> sdk.dns(record));
      }

      @Override
      public Optional<Fencer> fencer(SiteConfig site) {
        return simulations.isPresent()
            ? site.fencing().map(f -> simulations.get().fencer())
            : sdk.fencer(site);
      }

      @Override
      public List<SyncJob> syncJobs() {
        return sdk.syncJobs();
      }

      @Override
      public List<Probe> probes(SiteConfig site) {
        return sdk.probes(site);
      }

      @Override
      public boolean simulated() {
        return true;
      }

      @Override
      public void close() {
        sdk.close();
      }
    };
  }
}
