package io.tandem.app.lab;

import io.tandem.aws.AwsClients;
import io.tandem.aws.AwsSite;
import io.tandem.aws.ElasticIpMover;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.runbook.Probe;
import io.tandem.onprem.dns.Rfc2136Config;
import io.tandem.onprem.dns.Rfc2136DnsUpdater;
import io.tandem.sim.peer.RealPeers;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DomainType;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.InstanceType;

/**
 * {@code tandem lab --real-peers}: the testkit's real peers as host processes on 127.0.0.1 instead
 * of the simulations. Kamailio is the carrier registrar (the trunks register with digest auth and
 * the contacts are read back from its location table), BIND 9 serves the zone {@code tandem.test.}
 * updated over RFC 2136 with its TSIG key, and moto's AWS emulator holds an Elastic IP moved by the
 * production {@link ElasticIpMover} between two emulated instances, one per site.
 *
 * <p>The agents drive these peers with the production adapters ({@code Providers.sdk()}), pointed
 * at them by the cluster file the lab writes. An emulated Elastic IP routes nowhere, so the lab's
 * outside caller follows the address's association as the emulator reports it (DescribeAddresses)
 * to that instance's PBX, and says so. Thread-safe; {@link #close()} stops every peer.
 */
final class RealLabPeers implements LabPeers {

  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(250);

  private final RealPeers.RunningKamailio kamailio;
  private final RealPeers.RunningBind9 bind;
  private final RealPeers.RunningAwsEmulator aws;
  private final AwsClients clients;
  private final Rfc2136DnsUpdater dns;
  private final ElasticIpMover mover;
  private final String allocationId;
  private final String publicIp;
  private final Map<String, String> instanceBySite;
  private final Map<String, InetSocketAddress> pbxBySite;

  private RealLabPeers(Builder b) {
    this.kamailio = b.kamailio;
    this.bind = b.bind;
    this.aws = b.aws;
    this.clients = b.clients;
    this.dns = b.dns;
    this.mover = b.mover;
    this.allocationId = b.allocationId;
    this.publicIp = b.publicIp;
    this.instanceBySite = Map.copyOf(b.instanceBySite);
    this.pbxBySite = Map.copyOf(b.pbxBySite);
  }

  /** Fields gathered while starting, so a failure part-way can stop what already runs. */
  private static final class Builder {
    RealPeers.RunningKamailio kamailio;
    RealPeers.RunningBind9 bind;
    RealPeers.RunningAwsEmulator aws;
    AwsClients clients;
    Rfc2136DnsUpdater dns;
    ElasticIpMover mover;
    String allocationId;
    String publicIp;
    final Map<String, String> instanceBySite = new LinkedHashMap<>();
    final Map<String, InetSocketAddress> pbxBySite = new LinkedHashMap<>();
  }

  /**
   * Starts the three peers and prepares them: the trunk users in Kamailio, one emulated instance
   * per site and an unattached Elastic IP in moto. BIND starts with {@code sip.tandem.test. A
   * 192.0.2.10}.
   *
   * @param pbxBySite each site's PBX (SIP), where a caller of the Elastic IP lands while the
   *     address is associated with that site's instance
   * @throws io.tandem.sim.peer.PeerNotInstalledException naming the install command when a peer is
   *     missing (after stopping the ones already started)
   */
  static RealLabPeers start(
      Map<String, InetSocketAddress> pbxBySite, String carrierDomain, Map<String, String> users) {
    Builder b = new Builder();
    b.pbxBySite.putAll(pbxBySite);
    List<String> sites = List.copyOf(pbxBySite.keySet());
    try {
      b.kamailio = RealPeers.startKamailio(carrierDomain, users);
      b.bind = RealPeers.startBind9();
      b.aws = RealPeers.startAwsEmulator();
      b.dns =
          new Rfc2136DnsUpdater(
              Rfc2136Config.builder()
                  .server(b.bind.host())
                  .port(b.bind.port())
                  .tsigKeyName(b.bind.tsigKeyName())
                  .tsigAlgorithm(b.bind.tsigAlgorithm())
                  .tsigSecret(b.bind.tsigSecret())
                  .timeout(Duration.ofSeconds(2))
                  .build());
      AwsSite site =
          AwsSite.builder("lab")
              .region(b.aws.region())
              .endpointOverride(b.aws.endpoint())
              // the lab's own set-up calls; moto's first DescribeImages alone took over 10 s on a
              // loaded host (the agents' adapters keep their production timeouts)
              .apiCallTimeout(Duration.ofSeconds(60))
              .apiCallAttemptTimeout(Duration.ofSeconds(30))
              .build();
      b.clients =
          AwsClients.builder(site)
              .credentials(
                  StaticCredentialsProvider.create(
                      AwsBasicCredentials.create(b.aws.accessKeyId(), b.aws.secretAccessKey())))
              .build();
      Ec2Client ec2 = b.clients.ec2();
      String image = someImage(ec2);
      for (String s : sites) {
        String instance =
            ec2.runInstances(
                    r ->
                        r.imageId(image)
                            .instanceType(InstanceType.T3_MICRO)
                            .minCount(1)
                            .maxCount(1)
                            .tagSpecifications(
                                t ->
                                    t.resourceType("instance")
                                        .tags(tag -> tag.key("Name").value("tandem-lab-" + s))))
                .instances()
                .getFirst()
                .instanceId();
        b.instanceBySite.put(s, instance);
      }
      var allocation = ec2.allocateAddress(r -> r.domain(DomainType.VPC));
      b.allocationId = allocation.allocationId();
      b.publicIp = allocation.publicIp();
      b.mover = new ElasticIpMover(b.clients);
      return new RealLabPeers(b);
    } catch (RuntimeException e) {
      SimulatedLabPeers.closeAll(b.clients, b.aws, b.bind, b.kamailio);
      throw e;
    }
  }

  /**
   * One of moto's built-in images; the name filter keeps the answer small (moto knows over a
   * thousand images and listing them all takes seconds).
   */
  private static String someImage(Ec2Client ec2) {
    return ec2
        .describeImages(
            r -> r.owners("amazon").filters(f -> f.name("name").values("amzn-ami-minimal-pv-*")))
        .images()
        .stream()
        .map(Image::imageId)
        .min(Comparator.naturalOrder())
        .orElseThrow(() -> new IllegalStateException("the AWS emulator offers no machine image"));
  }

  @Override
  public boolean real() {
    return true;
  }

  @Override
  public List<String> describe() {
    return List.of(
        "carrier  REAL Kamailio registrar "
            + carrierHostPort()
            + " (domain "
            + kamailio.domain()
            + ", digest auth)",
        "dns      REAL BIND 9 "
            + bind.host()
            + ":"
            + bind.port()
            + " (zone "
            + bind.zone()
            + ", RFC 2136 updates signed with TSIG "
            + bind.tsigKeyName()
            + ")",
        "address  REAL AWS emulator (moto) "
            + aws.endpoint()
            + ": Elastic IP "
            + publicIp
            + " ("
            + allocationId
            + ") between instances "
            + instanceBySite,
        "         the emulated Elastic IP routes nowhere: the public-address check probes the"
            + " new site's PBX directly");
  }

  @Override
  public String carrierHostPort() {
    return kamailio.host() + ":" + kamailio.sipPort();
  }

  @Override
  public List<String> trunkContacts(String user) {
    return kamailio.contacts("sip:" + user + "@" + kamailio.domain());
  }

  @Override
  public DnsServer dnsServer() {
    return new DnsServer(
        bind.port(), bind.zone(), bind.tsigKeyName(), bind.tsigAlgorithm(), bind.tsigSecret());
  }

  @Override
  public DnsUpdater dns() {
    return dns;
  }

  @Override
  public AddressMover address() {
    return mover;
  }

  @Override
  public String allocationId() {
    return allocationId;
  }

  @Override
  public String targetOf(String site) {
    String instance = instanceBySite.get(site);
    if (instance == null) {
      throw new IllegalArgumentException("no emulated instance for site " + site);
    }
    return instance;
  }

  @Override
  public Optional<String> attachedSite() {
    return mover
        .observe(allocationId)
        .attachedTo()
        .flatMap(
            target ->
                instanceBySite.entrySet().stream()
                    .filter(e -> e.getValue().equals(target))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .or(() -> Optional.of(target)));
  }

  @Override
  public Optional<AwsEndpoint> aws() {
    return Optional.of(
        new AwsEndpoint(aws.endpoint(), aws.region(), aws.accessKeyId(), aws.secretAccessKey()));
  }

  @Override
  public Probe publicAddressProbe(String site) {
    return PublicAddressProbe.following(
        () -> attachedSite().map(pbxBySite::get),
        site,
        PROBE_TIMEOUT,
        "Elastic IP "
            + publicIp
            + " (emulated, routes nowhere: the caller follows its association to the PBX)");
  }

  /** The emulator's connection details, for tests that read it back. */
  RealPeers.RunningAwsEmulator awsEmulator() {
    return aws;
  }

  RealPeers.RunningBind9 bind9() {
    return bind;
  }

  RealPeers.RunningKamailio kamailio() {
    return kamailio;
  }

  @Override
  public void close() {
    SimulatedLabPeers.closeAll(clients, aws, bind, kamailio);
  }
}
