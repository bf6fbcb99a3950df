package io.tandem.app.agent;

import com.azure.identity.ClientSecretCredentialBuilder;
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
import io.tandem.core.config.FencingConfig;
import io.tandem.core.config.Rfc2136Server;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.error.ConfigException;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.port.Fencer;
import io.tandem.onprem.dns.Rfc2136Config;
import io.tandem.onprem.dns.Rfc2136DnsUpdater;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds and caches the cloud and DNS adapters the runbooks use, one client set per distinct
 * credential (an AWS account/region, an Azure subscription/resource group), so an agent never opens
 * two SDK clients for the same access. Clients are built offline (no call is made until a runbook
 * step observes or applies) and closed with this object.
 *
 * <p>Not thread-safe while assembling; the adapters it returns are thread-safe.
 */
final class ProviderAdapters implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProviderAdapters.class);

  private final String cluster;
  private final SecretResolver secrets;
  private final Map<AwsAccess, AwsClients> aws = new LinkedHashMap<>();
  private final Map<AzureAccess, AzureClients> azure = new LinkedHashMap<>();
  private final Map<Object, DnsUpdater> dns = new LinkedHashMap<>();
  private final List<AutoCloseable> owned = new ArrayList<>();

  ProviderAdapters(String cluster, SecretResolver secrets) {
    this.cluster = cluster;
    this.secrets = secrets;
  }

  AwsClients aws(String who, AwsAccess access, String fallbackRegion) {
    return aws.computeIfAbsent(
        access,
        a -> {
          AwsSite.Builder b =
              AwsSite.builder(cluster + "-" + who).region(a.region().orElse(fallbackRegion));
          a.profile().ifPresent(b::profile);
          a.roleArn().ifPresent(b::roleArn);
          a.endpoint().map(URI::create).ifPresent(b::endpointOverride);
          AwsClients c = AwsClients.create(b.build());
          owned.add(c);
          return c;
        });
  }

  AzureClients azure(AzureAccess access) {
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
                new ClientSecretCredentialBuilder()
                    .tenantId(a.tenantId().get())
                    .clientId(a.clientId().get())
                    .clientSecret(secrets.resolve(a.clientSecret().get()).reveal())
                    .build());
          }
          AzureClients c = b.build();
          return c;
        });
  }

  /** The updater for a record's zone and provider (records of one server share one updater). */
  DnsUpdater dns(DnsRecordConfig d) {
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

  AddressMover elasticIp(String site, AwsAccess access, String region) {
    return new ElasticIpMover(aws(site, access, region));
  }

  AddressMover azurePublicIp(AzureAccess access) {
    return new AzurePublicIpMover(azure(access));
  }

  /**
   * The fencer for a site's {@code fencing} block, if an adapter exists for its kind. Power outlets
   * and IPMI have no adapter yet: fencing then relies on the site's own self-fence (the ticket
   * deadline), which the witness protocol guarantees anyway; a warning says so.
   */
  Optional<Fencer> fencer(
      String site,
      FencingConfig f,
      Optional<AwsAccess> awsAccess,
      Optional<String> region,
      Optional<AzureAccess> azureAccess) {
    if (!f.enabled()) {
      return Optional.empty();
    }
    return switch (f.kind()) {
      case "aws-ec2-stop", "aws-ec2-isolate" -> {
        AwsAccess a = awsAccess.orElse(AwsAccess.builder().build());
        Ec2Fencer.Settings s =
            f.kind().equals("aws-ec2-stop")
                ? Ec2Fencer.Settings.stop()
                : Ec2Fencer.Settings.isolate(f.params().getOrDefault("isolationGroupId", ""));
        yield Optional.of(new Ec2Fencer(aws(site, a, region.orElse("us-east-1")), s));
      }
      case "azure-vm-deallocate", "azure-vm-power-off" ->
          Optional.of(
              new AzureVmFencer(
                  azure(
                      azureAccess.orElseThrow(
                          () ->
                              new ConfigException(
                                  "sites."
                                      + site
                                      + ".fencing: an Azure fencer needs credentials.azure"))),
                  true,
                  f.kind().equals("azure-vm-deallocate")
                      ? AzureVmFencer.Mode.DEALLOCATE
                      : AzureVmFencer.Mode.POWER_OFF));
      default -> {
        log.warn(
            "site {}: fencing kind '{}' has no adapter; the old site is fenced by its own ticket"
                + " deadline only",
            site,
            f.kind());
        yield Optional.empty();
      }
    };
  }

  @Override
  public void close() {
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
