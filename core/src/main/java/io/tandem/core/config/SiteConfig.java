package io.tandem.core.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One site: a place that may serve (an on-premises host or room, an AWS region, an Azure region).
 *
 * @param name unique, lower-case DNS label, e.g. {@code berlin}
 * @param kind onprem, aws or azure
 * @param priority preference: the lowest number is the preferred (primary) site; distinct
 * @param region cloud region (required for aws/azure), or the on-premises location name
 * @param pbx the PBX's management interface
 * @param managementAddress {@code host[:port]} where the other sites reach this site's agent on the
 *     management network
 * @param serviceAddresses the addresses that move to this site when it becomes active
 * @param sensors health sensors of this site
 * @param fencing how to stop this site serving when another takes over
 * @param aws AWS access for this site's resources
 * @param azure Azure access for this site's resources
 */
public record SiteConfig(
    String name,
    SiteKind kind,
    int priority,
    Optional<String> region,
    PbxConfig pbx,
    String managementAddress,
    List<ServiceAddress> serviceAddresses,
    List<SensorConfig> sensors,
    Optional<FencingConfig> fencing,
    Optional<AwsAccess> aws,
    Optional<AzureAccess> azure) {

  public SiteConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(pbx, "pbx");
    Objects.requireNonNull(managementAddress, "managementAddress");
    serviceAddresses = List.copyOf(serviceAddresses);
    sensors = List.copyOf(sensors);
    Objects.requireNonNull(fencing, "fencing");
    Objects.requireNonNull(aws, "aws");
    Objects.requireNonNull(azure, "azure");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates a {@link SiteConfig}. */
  public static final class Builder extends ConfigBuilder<SiteConfig> {
    private String name;
    private SiteKind kind;
    private Integer priority;
    private String region;
    private PbxConfig pbx;
    private String managementAddress;
    private final List<ServiceAddress> serviceAddresses = new ArrayList<>();
    private final List<SensorConfig> sensors = new ArrayList<>();
    private FencingConfig fencing;
    private AwsAccess aws;
    private AzureAccess azure;

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder kind(SiteKind v) {
      kind = v;
      return this;
    }

    public Builder priority(Integer v) {
      priority = v;
      return this;
    }

    public Builder region(String v) {
      region = v;
      return this;
    }

    public Builder pbx(PbxConfig v) {
      pbx = v;
      return this;
    }

    public Builder managementAddress(String v) {
      managementAddress = v;
      return this;
    }

    public Builder serviceAddress(ServiceAddress v) {
      serviceAddresses.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder sensor(SensorConfig v) {
      sensors.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder fencing(FencingConfig v) {
      fencing = v;
      return this;
    }

    public Builder aws(AwsAccess v) {
      aws = v;
      return this;
    }

    public Builder azure(AzureAccess v) {
      azure = v;
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (v.required(name, "name", "a site name such as berlin") && !Formats.name(name)) {
        v.add("name", "expected lower-case letters, digits and dashes (a DNS label), was " + name);
      }
      v.required(kind, "kind", "one of " + ConfigEnum.names(SiteKind.class));
      if (v.required(priority, "priority", "a whole number; the lowest is the preferred site")) {
        v.atLeast(priority, 0, "priority");
      }
      if (kind == SiteKind.AWS || kind == SiteKind.AZURE) {
        if (v.required(region, "region", "the " + kind + " region the site runs in")
            && kind == SiteKind.AWS
            && !Formats.awsRegion(region)) {
          v.add("region", "expected an AWS region such as eu-west-1, was " + region);
        }
      }
      if (kind == SiteKind.AWS && region != null && aws != null) {
        aws.region()
            .filter(r -> !r.equals(region))
            .ifPresent(
                r ->
                    v.add(
                        "credentials.aws.region",
                        "expected "
                            + region
                            + ", the region of site "
                            + name
                            + " (its Elastic IPs, instances and fencing are there), found "
                            + r
                            + "; leave it out to use the site's region"));
      }
      v.required(pbx, "pbx", "the PBX's type and management connection");
      if (v.required(
              managementAddress,
              "managementAddress",
              "host[:port] where other sites reach this agent, e.g. 10.0.0.5:7480")
          && !Formats.hostPort(managementAddress)) {
        v.add("managementAddress", "expected host[:port], was " + managementAddress);
      }
      Set<String> names = new HashSet<>();
      for (int i = 0; i < serviceAddresses.size(); i++) {
        ServiceAddress a = serviceAddresses.get(i);
        String at = "serviceAddresses[" + i + "]";
        if (!names.add(a.name())) {
          v.add(at + ".name", "expected a name unique within the site; " + a.name() + " repeats");
        }
        if (kind != null) {
          switch (a.kind()) {
            case AWS_EIP -> {
              if (kind != SiteKind.AWS) {
                v.add(
                    at + ".kind",
                    "expected an address this "
                        + kind
                        + " site can hold: an"
                        + " Elastic IP attaches only to AWS instances; move it with a DNS record");
              }
            }
            case AZURE_PUBLIC_IP -> {
              if (kind != SiteKind.AZURE) {
                v.add(
                    at + ".kind",
                    "expected an address this "
                        + kind
                        + " site can hold: an"
                        + " Azure public IP attaches only to Azure NICs; move it with a DNS record");
              }
            }
            case VIP -> {
              if (kind != SiteKind.ONPREM) {
                v.add(
                    at + ".kind",
                    "expected an address this "
                        + kind
                        + " site can hold: a"
                        + " virtual IP needs a shared L2 network, which cloud networks do not"
                        + " offer; use "
                        + (kind == SiteKind.AWS ? "aws-eip" : "azure-public-ip"));
              }
            }
          }
        }
      }
      Set<String> sensorNames = new HashSet<>();
      for (int i = 0; i < sensors.size(); i++) {
        if (!sensorNames.add(sensors.get(i).name())) {
          v.add(
              "sensors[" + i + "].name",
              "expected a name unique within the site; " + sensors.get(i).name() + " repeats");
        }
      }
      if (kind == SiteKind.AZURE && azure == null) {
        v.add(
            "credentials.azure",
            "missing: expected subscriptionId and resourceGroup for an" + " azure site");
      }
    }

    @Override
    protected SiteConfig create() {
      return new SiteConfig(
          name,
          kind,
          priority,
          Optional.ofNullable(region),
          pbx,
          managementAddress,
          serviceAddresses,
          sensors,
          Optional.ofNullable(fencing),
          Optional.ofNullable(aws),
          Optional.ofNullable(azure));
    }

    @Override
    protected String what() {
      return "site";
    }
  }
}
