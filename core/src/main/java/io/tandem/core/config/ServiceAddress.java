package io.tandem.core.config;

/**
 * A public-facing address of the service at one site, and where it attaches there. The same {@link
 * #name()} listed under several sites is one address that moves between them.
 */
public sealed interface ServiceAddress
    permits ServiceAddress.ElasticIp, ServiceAddress.AzurePublicIp, ServiceAddress.VirtualIp {

  /** Name of the address, the same at every site it moves between, e.g. {@code sip-public}. */
  String name();

  AddressKind kind();

  /** What identifies the address itself at the provider (must match across sites). */
  String addressId();

  /**
   * An AWS Elastic IP and the instance or network interface it attaches to at this site. Elastic
   * IPs are regional: they move only between sites in the same region.
   *
   * @param name address name
   * @param allocationId e.g. {@code eipalloc-0123456789abcdef0}
   * @param target at this site: an instance id ({@code i-...}) or ENI id ({@code eni-...})
   * @param privateIp optional private address on the target to associate with
   */
  record ElasticIp(
      String name, String allocationId, String target, java.util.Optional<String> privateIp)
      implements ServiceAddress {
    public ElasticIp {
      java.util.Objects.requireNonNull(name, "name");
      java.util.Objects.requireNonNull(allocationId, "allocationId");
      java.util.Objects.requireNonNull(target, "target");
      java.util.Objects.requireNonNull(privateIp, "privateIp");
    }

    @Override
    public AddressKind kind() {
      return AddressKind.AWS_EIP;
    }

    @Override
    public String addressId() {
      return allocationId;
    }
  }

  /**
   * An Azure public IP and the NIC IP configuration it attaches to at this site. Regional, like an
   * Elastic IP.
   *
   * @param name address name
   * @param resourceId the public IP's ARM resource id
   * @param ipConfigurationId at this site: the NIC IP configuration's ARM resource id
   */
  record AzurePublicIp(String name, String resourceId, String ipConfigurationId)
      implements ServiceAddress {
    public AzurePublicIp {
      java.util.Objects.requireNonNull(name, "name");
      java.util.Objects.requireNonNull(resourceId, "resourceId");
      java.util.Objects.requireNonNull(ipConfigurationId, "ipConfigurationId");
    }

    @Override
    public AddressKind kind() {
      return AddressKind.AZURE_PUBLIC_IP;
    }

    @Override
    public String addressId() {
      return resourceId;
    }
  }

  /**
   * A virtual IP on one L2 network: it moves only between hosts of one location.
   *
   * @param name address name
   * @param address {@code address/prefix}, e.g. {@code 192.0.2.10/24}
   * @param interfaceName network interface at this site's host, e.g. {@code eth1}
   * @param host this site's host that brings the address up
   * @param sshConnectionSharing whether an agent of another site reaches {@code host} over one
   *     shared, kept-open OpenSSH connection ({@code ControlMaster}, docs/operations.md) instead of
   *     a new connection per command; default true
   * @param duplicateProbeWindow how long the duplicate-address probe from this site's host listens
   *     for a machine that still answers for the address before claiming it ({@link
   *     #MIN_PROBE_WINDOW} to {@link #MAX_PROBE_WINDOW}); empty: the mover's default, 100 ms
   *     (docs/configuration.md)
   */
  record VirtualIp(
      String name,
      String address,
      String interfaceName,
      String host,
      boolean sshConnectionSharing,
      java.util.Optional<java.time.Duration> duplicateProbeWindow)
      implements ServiceAddress {

    /**
     * The shortest probe window accepted: the probe's process must start and send its packet within
     * the window, which takes milliseconds on an idle host and tens of them on a busy one.
     */
    public static final java.time.Duration MIN_PROBE_WINDOW = java.time.Duration.ofMillis(50);

    /** The longest: iputils arping listens whole seconds, and one second is its shortest run. */
    public static final java.time.Duration MAX_PROBE_WINDOW = java.time.Duration.ofSeconds(1);

    /** A VIP whose host is reached over a shared ssh connection (the default). */
    public VirtualIp(String name, String address, String interfaceName, String host) {
      this(name, address, interfaceName, host, true, java.util.Optional.empty());
    }

    public VirtualIp {
      java.util.Objects.requireNonNull(name, "name");
      java.util.Objects.requireNonNull(address, "address");
      java.util.Objects.requireNonNull(interfaceName, "interfaceName");
      java.util.Objects.requireNonNull(host, "host");
      java.util.Objects.requireNonNull(duplicateProbeWindow, "duplicateProbeWindow");
    }

    @Override
    public AddressKind kind() {
      return AddressKind.VIP;
    }

    @Override
    public String addressId() {
      return address;
    }
  }

  static Builder builder() {
    return new Builder();
  }

  /** Builds and validates any kind of {@link ServiceAddress}; only the kind's fields apply. */
  final class Builder extends ConfigBuilder<ServiceAddress> {
    private AddressKind kind;
    private String name;
    private String allocationId;
    private String instanceId;
    private String networkInterfaceId;
    private String privateIp;
    private String resourceId;
    private String ipConfigurationId;
    private String address;
    private String interfaceName;
    private String host;
    private Boolean sshConnectionSharing;
    private java.time.Duration duplicateProbeWindow;

    public Builder kind(AddressKind v) {
      kind = v;
      return this;
    }

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder allocationId(String v) {
      allocationId = v;
      return this;
    }

    public Builder instanceId(String v) {
      instanceId = v;
      return this;
    }

    public Builder networkInterfaceId(String v) {
      networkInterfaceId = v;
      return this;
    }

    public Builder privateIp(String v) {
      privateIp = v;
      return this;
    }

    public Builder resourceId(String v) {
      resourceId = v;
      return this;
    }

    public Builder ipConfigurationId(String v) {
      ipConfigurationId = v;
      return this;
    }

    public Builder address(String v) {
      address = v;
      return this;
    }

    public Builder interfaceName(String v) {
      interfaceName = v;
      return this;
    }

    public Builder host(String v) {
      host = v;
      return this;
    }

    /** Null keeps the default (true). */
    public Builder sshConnectionSharing(Boolean v) {
      sshConnectionSharing = v;
      return this;
    }

    /** Null: the mover's default (100 ms). */
    public Builder duplicateProbeWindow(java.time.Duration v) {
      duplicateProbeWindow = v;
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (v.required(name, "name", "an address name such as sip-public") && !Formats.name(name)) {
        v.add("name", "expected lower-case letters, digits and dashes, was " + name);
      }
      if (!v.required(kind, "kind", "one of " + ConfigEnum.names(AddressKind.class))) {
        return;
      }
      switch (kind) {
        case AWS_EIP -> {
          if (v.required(allocationId, "allocationId", "an Elastic IP allocation id (eipalloc-...)")
              && !allocationId.startsWith("eipalloc-")) {
            v.add("allocationId", "expected an allocation id starting with eipalloc-");
          }
          if ((instanceId == null) == (networkInterfaceId == null)) {
            v.add(
                "instanceId",
                "expected exactly one of instanceId (i-...) or networkInterfaceId (eni-...)");
          } else if (instanceId != null && !instanceId.startsWith("i-")) {
            v.add("instanceId", "expected an EC2 instance id starting with i-");
          } else if (networkInterfaceId != null && !networkInterfaceId.startsWith("eni-")) {
            v.add("networkInterfaceId", "expected a network interface id starting with eni-");
          }
          if (privateIp != null && !Formats.ipv4(privateIp)) {
            v.add("privateIp", "expected an IPv4 address");
          }
        }
        case AZURE_PUBLIC_IP -> {
          if (v.required(resourceId, "resourceId", "the public IP's resource id")
              && !resourceId.contains("/providers/Microsoft.Network/publicIPAddresses/")) {
            v.add(
                "resourceId",
                "expected /subscriptions/<id>/resourceGroups/<rg>/providers/"
                    + "Microsoft.Network/publicIPAddresses/<name>");
          }
          if (v.required(
                  ipConfigurationId, "ipConfigurationId", "the NIC IP configuration's resource id")
              && !ipConfigurationId.contains("/networkInterfaces/")) {
            v.add(
                "ipConfigurationId",
                "expected .../providers/Microsoft.Network/networkInterfaces/<nic>"
                    + "/ipConfigurations/<name>");
          }
        }
        case VIP -> {
          if (v.required(address, "address", "address/prefix such as 192.0.2.10/24")
              && !Formats.cidr(address)) {
            v.add("address", "expected address/prefix such as 192.0.2.10/24, was " + address);
          }
          v.required(interfaceName, "interface", "a network interface such as eth1");
          if (v.required(host, "host", "the host at this site that brings the address up")
              && !Formats.host(host)) {
            v.add("host", "expected a host name or IP address, was " + host);
          }
          if (duplicateProbeWindow != null
              && (duplicateProbeWindow.compareTo(VirtualIp.MIN_PROBE_WINDOW) < 0
                  || duplicateProbeWindow.compareTo(VirtualIp.MAX_PROBE_WINDOW) > 0)) {
            v.add(
                "duplicateProbeWindow",
                "expected 50ms to 1s (at least one round trip across the VoIP network), was "
                    + Durations.format(duplicateProbeWindow));
          }
        }
      }
    }

    @Override
    protected ServiceAddress create() {
      return switch (kind) {
        case AWS_EIP ->
            new ElasticIp(
                name,
                allocationId,
                instanceId != null ? instanceId : networkInterfaceId,
                java.util.Optional.ofNullable(privateIp));
        case AZURE_PUBLIC_IP -> new AzurePublicIp(name, resourceId, ipConfigurationId);
        case VIP ->
            new VirtualIp(
                name,
                address,
                interfaceName,
                host,
                sshConnectionSharing == null || sshConnectionSharing,
                java.util.Optional.ofNullable(duplicateProbeWindow));
      };
    }

    @Override
    protected String what() {
      return "service address";
    }
  }
}
