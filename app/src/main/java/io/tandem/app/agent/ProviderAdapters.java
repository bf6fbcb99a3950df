package io.tandem.app.agent;

import io.tandem.aws.AwsClients;
import io.tandem.aws.AwsSite;
import io.tandem.aws.Ec2Fencer;
import io.tandem.aws.ElasticIpMover;
import io.tandem.aws.Route53Settings;
import io.tandem.aws.Route53Updater;
import io.tandem.azure.AzureClients;
import io.tandem.azure.AzureDnsUpdater;
import io.tandem.azure.AzurePublicIpMover;
import io.tandem.azure.AzureSettings;
import io.tandem.azure.AzureVmFencer;
import io.tandem.core.config.AwsAccess;
import io.tandem.core.config.AzureAccess;
import io.tandem.core.config.DnsRecordConfig;
import io.tandem.core.config.Durations;
import io.tandem.core.config.FencingConfig;
import io.tandem.core.config.PbxConfig;
import io.tandem.core.config.PbxType;
import io.tandem.core.config.Rfc2136Server;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.config.TrunkConfig;
import io.tandem.core.error.ConfigException;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.port.Fencer;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.witness.Witness;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.onprem.dns.Rfc2136Config;
import io.tandem.onprem.dns.Rfc2136DnsUpdater;
import io.tandem.onprem.esl.EslPbxControl;
import io.tandem.onprem.esl.EslSettings;
import io.tandem.onprem.fence.FenceAgentFencer;
import io.tandem.onprem.fence.FenceAgentSettings;
import io.tandem.onprem.sip.RegistrarLocator;
import io.tandem.onprem.sip.SipTrunk;
import io.tandem.onprem.sip.SipTrunkRegistrar;
import io.tandem.onprem.vip.HostCommand;
import io.tandem.onprem.vip.LinuxVipMover;
import io.tandem.onprem.vip.LocalHostCommand;
import io.tandem.onprem.vip.SshOptions;
import io.tandem.onprem.vip.VipConfig;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.SimpleResolver;

/**
 * The production {@link Providers}: SDK- and protocol-backed adapters, one client set per distinct
 * credential (an AWS account/region, an Azure subscription/resource group), so an agent never opens
 * two SDK clients for the same access. Everything is built when asked for (during assembly), makes
 * no call until a runbook step or sensor uses it, and is closed with this object.
 *
 * <p>Virtual IPs: each site's VIP host is reached directly when it is this agent's own host and
 * over {@code ssh -o BatchMode=yes <host>} otherwise (the agent's key must be authorised there),
 * through one kept-open connection per host ({@link SshOptions}).
 *
 * <p>Thread-safe: every factory method is synchronised; the adapters are thread-safe.
 */
final class ProviderAdapters implements Providers.Adapters {

  private static final Logger log = LoggerFactory.getLogger(ProviderAdapters.class);

  private final Providers.Context ctx;
  private final String cluster;
  private final SecretResolver secrets;
  private final Map<AwsAccess, AwsClients> aws = new LinkedHashMap<>();
  private final Map<AzureAccess, AzureClients> azure = new LinkedHashMap<>();
  private final Map<Object, DnsUpdater> dns = new LinkedHashMap<>();
  private final Map<Object, AddressMover> addresses = new LinkedHashMap<>();
  private final Map<String, Optional<Fencer>> fencers = new LinkedHashMap<>();
  private final Map<String, PbxControl> pbx = new LinkedHashMap<>();
  private final Deque<AutoCloseable> owned = new ArrayDeque<>();
  private Witness witness;
  private Optional<TrunkRegistrar> trunks;
  private final List<String> sshCommand;

  ProviderAdapters(Providers.Context ctx) {
    this(ctx, List.of("ssh"));
  }

  /**
   * @param sshCommand how ssh is run: {@code [ssh]} in production; a test adds {@code -F <file>} to
   *     reach its own sshd, as an operator's {@code ~/.ssh/config} does
   */
  ProviderAdapters(Providers.Context ctx, List<String> sshCommand) {
    this.sshCommand = List.copyOf(sshCommand);
    this.ctx = ctx;
    this.cluster = ctx.config().name();
    this.secrets = ctx.secrets();
  }

  @Override
  public synchronized Witness witness() {
    if (witness == null) {
      witness =
          own(
              WitnessClients.create(
                  ctx.config(), ctx.site(), secrets, this, ctx.http(), ctx.clock()));
    }
    return witness;
  }

  @Override
  public synchronized PbxControl pbx(SiteConfig site) {
    PbxControl p = pbx.get(site.name());
    if (p == null) {
      PbxConfig c = site.pbx();
      String secret = secrets.resolve(c.secret()).reveal();
      p =
          own(
              c.type() == PbxType.ASTERISK
                  ? new AmiPbxControl(
                      AmiSettings.of(c.host(), c.port(), c.user().orElse("tandem"), secret))
                  : new EslPbxControl(EslSettings.of(c.host(), c.port(), secret)));
      pbx.put(site.name(), p);
    }
    return p;
  }

  @Override
  public synchronized Optional<TrunkRegistrar> trunks() {
    if (trunks == null) {
      List<TrunkConfig> configured = ctx.config().trunks();
      if (configured.isEmpty()) {
        trunks = Optional.empty();
      } else {
        ScheduledExecutorService refresh =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());
        owned.push(refresh::shutdownNow);
        trunks =
            Optional.of(
                own(
                    new SipTrunkRegistrar(
                        ctx.sip().get(),
                        configured.stream().map(this::sipTrunk).toList(),
                        new RegistrarLocator(resolver()),
                        ctx.clock(),
                        refresh,
                        // trunk refreshes only while this agent holds the ticket (12.7)
                        ctx.ticketGuard())));
      }
    }
    return trunks;
  }

  @Override
  public synchronized AddressMover address(SiteConfig site, ServiceAddress address) {
    return switch (address) {
      case ServiceAddress.ElasticIp eip ->
          addresses.computeIfAbsent(
              List.of("aws-eip", site.name()),
              k ->
                  new ElasticIpMover(
                      aws(
                          site.name(),
                          site.aws().orElse(AwsAccess.builder().build()),
                          site.aws()
                              .flatMap(AwsAccess::region)
                              .or(site::region)
                              .orElse("us-east-1"))));
      case ServiceAddress.AzurePublicIp ip ->
          addresses.computeIfAbsent(
              List.of("azure-public-ip", site.name()),
              k ->
                  new AzurePublicIpMover(
                      azure(
                          site.azure()
                              .orElseThrow(
                                  () ->
                                      new ConfigException(
                                          "sites."
                                              + site.name()
                                              + ".credentials.azure: needed to move "
                                              + ip.name())))));
      case ServiceAddress.VirtualIp vip ->
          addresses.computeIfAbsent(List.of("vip", vip.name()), k -> vipMover(vip.name()));
    };
  }

  /** One mover per VIP name, knowing the VIP's host and interface at every site. */
  private AddressMover vipMover(String name) {
    VipConfig.Builder b = null;
    for (SiteConfig s : ctx.config().sites()) {
      for (ServiceAddress a : s.serviceAddresses()) {
        if (a instanceof ServiceAddress.VirtualIp v && v.name().equals(name)) {
          if (b == null) {
            String[] cidr = v.address().split("/");
            b =
                VipConfig.builder()
                    .address(cidr[0])
                    .prefixLength(cidr.length > 1 ? Integer.parseInt(cidr[1]) : 32)
                    .stateFile(ctx.dataDir().resolve("vip-" + name + ".properties"));
          }
          boolean here = s.name().equals(ctx.site());
          b.host(
              here ? LocalHostCommand.local(v.host()) : sshTo(v.host(), v.sshConnectionSharing()),
              v.interfaceName());
          if (here) { // the probe from this site's own host listens as its entry says
            v.duplicateProbeWindow().ifPresent(b::duplicateProbeWindow);
          }
        }
      }
    }
    if (b == null) {
      throw new ConfigException("no site declares the virtual IP '" + name + "'");
    }
    return new LinuxVipMover(b.build());
  }

  /**
   * How the VIP hosts of other sites are reached: one kept-open OpenSSH connection per host, its
   * socket under {@code <data dir>/ssh} (issue 17.2), unless the VIP entry says {@code
   * sshConnectionSharing: false}.
   */
  private HostCommand sshTo(String host, boolean shared) {
    SshOptions base = shared ? SshOptions.shared(ctx.dataDir().resolve("ssh")) : SshOptions.plain();
    SshOptions options = base.withSsh(sshCommand);
    owned.push(() -> options.stopMaster(host)); // no master outlives the agent
    return options.command(host);
  }

  @Override
  public synchronized DnsUpdater dns(DnsRecordConfig d) {
    return switch (d.provider()) {
      case RFC2136 -> {
        Rfc2136Server server =
            d.rfc2136()
                .orElseThrow(() -> new ConfigException("dns " + d.name() + ": rfc2136 missing"));
        yield dns.computeIfAbsent(
            server,
            k ->
                new Rfc2136DnsUpdater(
                    Rfc2136Config.builder()
                        .server(server.server())
                        .port(server.port())
                        .tsigKeyName(server.tsigKeyName())
                        .tsigAlgorithm(server.tsigAlgorithm())
                        .tsigSecret(secrets.resolve(server.tsigSecret()).reveal())
                        .build()));
      }
      case ROUTE53 -> {
        AwsAccess access = d.aws().orElse(AwsAccess.builder().region("us-east-1").build());
        yield dns.computeIfAbsent(
            List.of("route53", access, d.zone(), d.hostedZoneId()),
            k -> {
              Route53Settings.Builder s = Route53Settings.builder();
              d.hostedZoneId().ifPresent(id -> s.hostedZone(d.zone(), id));
              return new Route53Updater(aws("route53", access, "us-east-1").route53(), s.build());
            });
      }
      case AZURE_DNS -> {
        AzureAccess access =
            d.azure()
                .orElseThrow(
                    () -> new ConfigException("dns " + d.name() + ": azure access missing"));
        yield dns.computeIfAbsent(
            List.of("azure-dns", access),
            k -> new AzureDnsUpdater(azure(access), access.resourceGroup()));
      }
    };
  }

  /**
   * The fencer for a site's {@code fencing} block, if an adapter exists for its kind (cloud APIs,
   * or a ClusterLabs fence agent for IPMI and power outlets). For an unknown kind, fencing relies
   * on the site's own self-fence (the ticket deadline), which the witness protocol guarantees
   * anyway; a warning says so.
   */
  @Override
  public synchronized Optional<Fencer> fencer(SiteConfig site) {
    return fencers.computeIfAbsent(site.name(), n -> site.fencing().flatMap(f -> fencer(site, f)));
  }

  private Optional<Fencer> fencer(SiteConfig site, FencingConfig f) {
    if (!f.enabled()) {
      return Optional.empty();
    }
    return switch (f.kind()) {
      case "aws-ec2-stop", "aws-ec2-isolate" -> {
        AwsAccess a = site.aws().orElse(AwsAccess.builder().build());
        Ec2Fencer.Settings s =
            f.kind().equals("aws-ec2-stop")
                ? Ec2Fencer.Settings.stop()
                : Ec2Fencer.Settings.isolate(f.params().getOrDefault("isolationGroupId", ""));
        yield Optional.of(new Ec2Fencer(aws(site.name(), a, site.region().orElse("us-east-1")), s));
      }
      case "azure-vm-deallocate", "azure-vm-power-off" ->
          Optional.of(
              new AzureVmFencer(
                  azure(
                      site.azure()
                          .orElseThrow(
                              () ->
                                  new ConfigException(
                                      "sites."
                                          + site.name()
                                          + ".fencing: an Azure fencer needs credentials.azure"))),
                  true,
                  f.kind().equals("azure-vm-deallocate")
                      ? AzureVmFencer.Mode.DEALLOCATE
                      : AzureVmFencer.Mode.POWER_OFF));
      case "ipmi-power-off", "power-outlet", "fence-agent" -> Optional.of(fenceAgent(site, f));
      default -> {
        log.warn(
            "site {}: fencing kind '{}' has no adapter; the old site is fenced by its own ticket"
                + " deadline only",
            site.name(),
            f.kind());
        yield Optional.empty();
      }
    };
  }

  /**
   * A power fencer through a ClusterLabs fence agent: {@code fence_ipmilan} for {@code
   * ipmi-power-off}, else {@code params.agent}; the other params are the agent's options, the
   * secret its {@code password} (or {@code params.secretOption}); {@code params.timeout} bounds one
   * run (default 30 s; a fence is further bounded by the ticket's time left).
   */
  private Fencer fenceAgent(SiteConfig site, FencingConfig f) {
    Map<String, String> options = new LinkedHashMap<>(f.params());
    String agent = options.remove("agent");
    String secretOption = Optional.ofNullable(options.remove("secretOption")).orElse("password");
    Duration timeout =
        Optional.ofNullable(options.remove("timeout"))
            .map(
                t ->
                    Durations.parse(t)
                        .orElseThrow(
                            () ->
                                new ConfigException(
                                    "sites."
                                        + site.name()
                                        + ".fencing.params.timeout: expected a duration such as"
                                        + " 30s, was '"
                                        + t
                                        + "'")))
            .orElse(Duration.ofSeconds(30));
    return new FenceAgentFencer(
        new FenceAgentSettings(
            FenceAgentSettings.agent(agent != null ? agent : "fence_ipmilan"),
            options,
            secretOption,
            f.secret().map(r -> secrets.resolve(r).reveal()),
            timeout),
        ctx.ticketGuard());
  }

  /** The AWS clients for one access (shared by every adapter and the DynamoDB witness). */
  synchronized AwsClients aws(String who, AwsAccess access, String fallbackRegion) {
    return aws.computeIfAbsent(
        access,
        a -> {
          AwsSite.Builder b =
              AwsSite.builder(cluster + "-" + who).region(a.region().orElse(fallbackRegion));
          a.profile().ifPresent(b::profile);
          a.roleArn().ifPresent(b::roleArn);
          a.endpoint().map(URI::create).ifPresent(b::endpointOverride);
          return own(AwsClients.create(b.build()));
        });
  }

  private AzureClients azure(AzureAccess access) {
    return azure.computeIfAbsent(
        access,
        a -> {
          AzureSettings.Builder s =
              AzureSettings.builder()
                  .subscriptionId(a.subscriptionId())
                  .resourceGroup(a.resourceGroup());
          a.endpoint().map(URI::create).ifPresent(s::resourceManagerEndpoint);
          AzureClients.Builder b = AzureClients.builder(s.build());
          if (a.clientSecret().isPresent()
              && a.tenantId().isPresent()
              && a.clientId().isPresent()) {
            b.credential(
                AzureCredentials.clientSecret(
                    a.tenantId().get(),
                    a.clientId().get(),
                    secrets.resolve(a.clientSecret().get()).reveal()));
          }
          return b.build();
        });
  }

  private SipTrunk sipTrunk(TrunkConfig t) {
    String registrar = t.registrar().map(r -> r.replaceFirst("^sips?:", "")).orElse(null);
    String domain = t.domain().orElseGet(() -> AgentAssembly.hostOf(registrar));
    SipTrunk.Builder b =
        SipTrunk.builder(t.name())
            .domain(domain)
            .user(t.user())
            .authUser(t.authUser().orElse(t.user()))
            .password(secrets.resolve(t.secret()).reveal())
            .expires(t.expires());
    if (registrar != null) {
      b.registrar(registrar);
    }
    return b.build();
  }

  private static SimpleResolver resolver() {
    try {
      SimpleResolver r = new SimpleResolver();
      r.setTimeout(Duration.ofSeconds(2));
      return r;
    } catch (UnknownHostException e) {
      throw new ConfigException("no DNS resolver configured for trunk registrar lookups");
    }
  }

  /**
   * Builds Azure credentials outside {@link ProviderAdapters}' own bytecode: the JVM's verifier
   * loads both classes of an assignment between SDK types (a {@code ClientSecretCredential} passed
   * as a {@code TokenCredential}) when it verifies the method, so that conversion here would load
   * the Azure SDK in every agent, also one whose cluster uses no Azure (issue 17.4, {@code
   * StartupFootprintIT}).
   */
  private static final class AzureCredentials {
    static com.azure.core.credential.TokenCredential clientSecret(
        String tenant, String client, String secret) {
      return new com.azure.identity.ClientSecretCredentialBuilder()
          .tenantId(tenant)
          .clientId(client)
          .clientSecret(secret)
          .build();
    }
  }

  private <T> T own(T resource) {
    if (resource instanceof AutoCloseable c) {
      owned.push(c);
    }
    return resource;
  }

  @Override
  public synchronized void close() {
    while (!owned.isEmpty()) {
      AutoCloseable c = owned.pop();
      try {
        c.close();
      } catch (Exception e) {
        log.debug("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
