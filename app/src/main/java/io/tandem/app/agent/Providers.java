package io.tandem.app.agent;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.DnsRecordConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.port.Fencer;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.runbook.Probe;
import io.tandem.core.runbook.TicketGuard;
import io.tandem.core.witness.Witness;
import io.tandem.onprem.sip.SipEndpoint;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The one seam through which an agent reaches everything outside its JVM: it turns the cluster
 * configuration into adapters (witness client, PBX controls, trunk registrar, address movers, DNS
 * updaters, fencers, sync jobs, outside probes). Production uses {@link #sdk()} (AWS and Azure
 * SDKs, asterisk-java, Jain-SIP, dnsjava); the lab and tests plug simulated providers in here, so
 * that they run the very assembly, driver, runbooks and site effects that {@code tandem agent}
 * runs.
 *
 * <p>Contract: {@link #open} is called once per agent, while the agent is assembled, and every
 * adapter the agent will use is asked for during assembly (never on first use: issue 17 measured
 * 1.0–3.6 s between a decision and the first runbook step when SDK clients were created lazily).
 * Building an adapter must not contact anything; a configuration that cannot be mapped throws
 * {@link io.tandem.core.error.ConfigException} naming the field. The adapters must be thread-safe.
 */
@FunctionalInterface
public interface Providers {

  /** Builds the adapters of one agent; they are closed with it. */
  Adapters open(Context context);

  /** The production providers: SDK- and protocol-backed adapters. */
  static Providers sdk() {
    return ProviderAdapters::new;
  }

  /**
   * What a provider implementation may use.
   *
   * @param config the validated cluster configuration
   * @param site this agent's site
   * @param secrets resolves secret references (never log what it returns)
   * @param http the agent's HTTP client (built-in witness)
   * @param clock wall clock
   * @param nanos monotonic clock
   * @param dataDir the agent's data directory (VIP state, ...)
   * @param sip this agent's SIP endpoint, bound on its management address (shared with the sensors)
   * @param ticketGuard whether this agent holds a valid ticket with a token's epoch (for adapters
   *     that act on their own, such as trunk registration refreshes)
   */
  record Context(
      ClusterConfig config,
      String site,
      SecretResolver secrets,
      HttpClient http,
      Clock clock,
      LongSupplier nanos,
      Path dataDir,
      Supplier<SipEndpoint> sip,
      TicketGuard ticketGuard) {

    public Context {
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(site, "site");
      Objects.requireNonNull(secrets, "secrets");
      Objects.requireNonNull(http, "http");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(nanos, "nanos");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(sip, "sip");
      Objects.requireNonNull(ticketGuard, "ticketGuard");
    }

    /** The configuration of {@code name}. */
    public SiteConfig siteConfig(String name) {
      return config.sites().stream()
          .filter(s -> s.name().equals(name))
          .findFirst()
          .orElseThrow(
              () ->
                  new io.tandem.core.error.ConfigException(
                      "no site named '" + name + "' in cluster " + config.name()));
    }
  }

  /**
   * One agent's adapters. Each method may be called several times with the same argument and must
   * then return the same adapter (implementations cache by configuration).
   */
  interface Adapters extends AutoCloseable {

    /** The witness client for {@code witness:}. */
    Witness witness();

    /**
     * The PBX control of {@code site}: this agent's own PBX (fence, accept calls), or another
     * site's (watching it drain in a planned handover).
     *
     * @throws io.tandem.core.error.ConfigException when it cannot be built here (e.g. that site's
     *     PBX secret does not resolve on this host)
     */
    PbxControl pbx(SiteConfig site);

    /** The registrar client for the cluster's {@code trunks:}; empty when there are none. */
    Optional<TrunkRegistrar> trunks();

    /** The mover of one of {@code site}'s service addresses. */
    AddressMover address(SiteConfig site, ServiceAddress address);

    /** The updater for one DNS record (records of one server or zone may share an updater). */
    DnsUpdater dns(DnsRecordConfig record);

    /** The fencer for {@code site}'s {@code fencing:} block, if enabled and an adapter exists. */
    Optional<Fencer> fencer(SiteConfig site);

    /** Sync jobs whose freshness a planned switchover to this site checks. */
    default List<SyncJob> syncJobs() {
      return List.of();
    }

    /** Outside checks that {@code site} serves, run in a runbook's verify stage. */
    default List<Probe> probes(SiteConfig site) {
      return List.of();
    }

    /**
     * Whether some of these adapters drive simulated peers ({@code tandem lab}): the agent's status
     * then says so, so that nobody mistakes a lab for production. False in production.
     */
    default boolean simulated() {
      return false;
    }

    /** Closes every client built; must not throw. */
    @Override
    void close();
  }
}
