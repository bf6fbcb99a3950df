package io.tandem.core.config;

import io.tandem.core.config.Fields.Indexed;
import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a cluster's YAML file into a validated {@link ClusterConfig}.
 *
 * <p>Every problem is collected and reported together in one {@link InvalidConfigException}, each
 * with file, line, column, field path and what was expected; nothing is half-loaded. Secrets stay
 * {@link SecretRef}s: resolving them is the caller's job, at use. Thread-safe and stateless.
 */
public final class ClusterConfigLoader {

  private static final int MAX_BYTES = 1 << 20;
  private static final Pattern PER_SITE =
      Pattern.compile("^(dns\\[\\d+]\\.values|trunks\\[\\d+]\\.contacts|witness\\.siteSecrets)");

  /**
   * Loads {@code file}.
   *
   * @throws InvalidConfigException listing every problem
   * @throws ConfigException if the file cannot be read
   */
  public ClusterConfig load(Path file) {
    String name = file.toString();
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw located(
            name,
            0,
            0,
            "larger than 1 MiB: expected a cluster file (is this the right" + " file?)");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw located(name, 0, 0, "file not found");
    } catch (IOException e) {
      throw located(name, 0, 0, "cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    return parse(TextFiles.decode(bytes, name), name);
  }

  static InvalidConfigException located(String file, int line, int column, String expected) {
    return new InvalidConfigException(List.of(new ConfigProblem(file, line, column, "", expected)));
  }

  /**
   * Parses YAML text; {@code fileName} is used in messages only.
   *
   * @throws InvalidConfigException listing every problem
   */
  public ClusterConfig parse(String yaml, String fileName) {
    LoadContext ctx = new LoadContext(fileName);
    YamlTree tree = new YamlTree();
    YamlTree.Node root = tree.parse(yaml);
    tree.problems().forEach(p -> ctx.problem(p.path(), p.line(), p.column(), p.message()));
    if (root == null) {
      throw ctx.failure();
    }
    if (!(root instanceof YamlTree.MapNode map)) {
      ctx.problem(
          "",
          root.line(),
          root.column(),
          "expected a mapping with cluster, sites and witness, found " + root.describe());
      throw ctx.failure();
    }
    Fields top = new Fields(map, "", ctx);
    ClusterConfig.Builder cluster = ClusterConfig.builder().name(top.string("cluster"));

    Timings timings = Timings.defaults();
    boolean timingsFailed = false;
    Fields t = top.object("timings");
    if (t != null) {
      Timings bound = finish(timings(t), t);
      timings = bound != null ? bound : timings;
      timingsFailed = bound == null;
      cluster.timings(bound);
    }
    Indices sites = new Indices("sites");
    for (Indexed i : top.objects("sites")) {
      SiteConfig s = site(i.fields(), timings);
      if (s != null) {
        cluster.site(s);
        sites.kept(i.index());
      }
    }
    Indices dns = new Indices("dns");
    for (Indexed i : top.objects("dns")) {
      DnsRecordConfig d = finish(dnsRecord(i.fields()), i.fields());
      if (d != null) {
        cluster.dns(d);
        dns.kept(i.index());
      }
    }
    Indices trunks = new Indices("trunks");
    for (Indexed i : top.objects("trunks")) {
      TrunkConfig tr = finish(trunk(i.fields()), i.fields());
      if (tr != null) {
        cluster.trunk(tr);
        trunks.kept(i.index());
      }
    }
    SyncConfigReader syncs = new SyncConfigReader();
    syncs.read(top, cluster);
    Fields w = top.object("witness");
    if (w != null) {
      cluster.witness(finish(witness(w), w));
    }
    Fields p = top.object("policies");
    if (p != null) {
      cluster.policies(finish(policies(p), p));
    }
    Fields n = top.object("notifications");
    if (n != null) {
      cluster.notifications(notifications(n));
    }
    HookConfigReader.read(top, cluster);
    top.finish();

    // Cross-checks see only the parts that built; map their indices back to the file's.
    // Per-site maps are checked against the sites that built: if one did not, its name is
    // unknown here, and "no such site" would only repeat that site's own problem.
    // Likewise, rules relating policies to timings mean nothing while the timings are wrong.
    boolean allSitesBuilt = sites.size() == top.count("sites");
    boolean timingsBuilt = !timingsFailed;
    List<Violation> cross =
        cluster.violations().stream()
            .filter(v -> allSitesBuilt || !PER_SITE.matcher(v.field()).find())
            .filter(v -> timingsBuilt || !v.field().startsWith("policies."))
            .filter(v -> SyncConfigReader.keep(v, allSitesBuilt))
            .map(
                v ->
                    new Violation(
                        syncs.remap(trunks.remap(dns.remap(sites.remap(v.field())))), v.expected()))
            .toList();
    ctx.violations("", cross);
    if (ctx.hasProblems()) {
      throw ctx.failure();
    }
    return cluster.build();
  }

  /** Reports the builder's violations under the object's path; builds only if there are none. */
  private static <T> T finish(ConfigBuilder<T> builder, Fields f) {
    f.finish();
    List<Violation> violations = builder.violations();
    if (!violations.isEmpty()) {
      f.context().violations(f.path(), violations);
      f.context().rejectObject(f.path());
      return null;
    }
    return builder.build();
  }

  private static Timings.Builder timings(Fields f) {
    return Timings.builder()
        .tick(f.duration("tick"))
        .ticketTtl(f.duration("ticketTtl"))
        .renewInterval(f.duration("renewInterval"))
        .witnessGrace(f.duration("witnessGrace"))
        .driftMargin(f.duration("driftMargin"))
        .retryTimeout(f.duration("retryTimeout"))
        .fenceLead(f.duration("fenceLead"))
        .peerReportTimeout(f.duration("peerReportTimeout"))
        .startupHold(f.duration("startupHold"))
        .fall(f.integer("fall"))
        .rise(f.integer("rise"))
        .sensorInterval(f.duration("sensorInterval"))
        .sensorTimeout(f.duration("sensorTimeout"));
  }

  private static SiteConfig site(Fields f, Timings timings) {
    SiteConfig.Builder b =
        SiteConfig.builder()
            .name(f.string("name"))
            .kind(f.choice("kind", SiteKind.class))
            .priority(f.integer("priority"))
            .region(f.string("region"))
            .managementAddress(f.string("managementAddress"));
    boolean childFailed = false;
    Fields pbx = f.object("pbx");
    if (pbx != null) {
      PbxConfig c =
          finish(
              PbxConfig.builder()
                  .type(pbx.choice("type", PbxType.class))
                  .host(pbx.string("host"))
                  .port(pbx.integer("port"))
                  .user(pbx.string("user"))
                  .secret(pbx.secret("secret")),
              pbx);
      childFailed |= c == null;
      b.pbx(c);
    }
    for (Indexed i : f.objects("serviceAddresses")) {
      ServiceAddress a = finish(serviceAddress(i.fields()), i.fields());
      childFailed |= a == null;
      if (a != null) {
        b.serviceAddress(a);
      }
    }
    for (Indexed i : f.objects("sensors")) {
      Fields s = i.fields();
      SensorConfig c =
          finish(
              SensorConfig.builder()
                  .defaults(timings)
                  .name(s.string("name"))
                  .kind(s.string("kind"))
                  .critical(s.bool("critical"))
                  .weight(s.integer("weight"))
                  .interval(s.duration("interval"))
                  .timeout(s.duration("timeout"))
                  .fall(s.integer("fall"))
                  .rise(s.integer("rise"))
                  .params(s.stringMap("params")),
              s);
      childFailed |= c == null;
      if (c != null) {
        b.sensor(c);
      }
    }
    Fields fencing = f.object("fencing");
    if (fencing != null) {
      FencingConfig c =
          finish(
              FencingConfig.builder()
                  .kind(fencing.string("kind"))
                  .target(fencing.string("target"))
                  .enabled(fencing.bool("enabled"))
                  .params(fencing.stringMap("params"))
                  .secret(fencing.secret("secret")),
              fencing);
      childFailed |= c == null;
      b.fencing(c);
    }
    Fields credentials = f.object("credentials");
    if (credentials != null) {
      Fields aws = credentials.object("aws");
      if (aws != null) {
        AwsAccess a = finish(aws(aws), aws);
        childFailed |= a == null;
        b.aws(a);
      }
      Fields azure = credentials.object("azure");
      if (azure != null) {
        AzureAccess a = finish(azure(azure), azure);
        childFailed |= a == null;
        b.azure(a);
      }
      credentials.finish();
    }
    SiteConfig site = finish(b, f);
    if (childFailed) {
      f.context().rejectObject(f.path());
      return null;
    }
    return site;
  }

  private static ServiceAddress.Builder serviceAddress(Fields f) {
    AddressKind kind = f.choice("kind", AddressKind.class);
    ServiceAddress.Builder b = ServiceAddress.builder().kind(kind).name(f.string("name"));
    if (kind == null) {
      return b;
    }
    switch (kind) {
      case AWS_EIP ->
          b.allocationId(f.string("allocationId"))
              .instanceId(f.string("instanceId"))
              .networkInterfaceId(f.string("networkInterfaceId"))
              .privateIp(f.string("privateIp"));
      case AZURE_PUBLIC_IP ->
          b.resourceId(f.string("resourceId")).ipConfigurationId(f.string("ipConfigurationId"));
      case VIP ->
          b.address(f.string("address"))
              .interfaceName(f.string("interface"))
              .host(f.string("host"))
              .sshConnectionSharing(f.bool("sshConnectionSharing"))
              .duplicateProbeWindow(f.duration("duplicateProbeWindow"));
    }
    f.belongElsewhere(
        "an aws-eip address", "allocationId", "instanceId", "networkInterfaceId", "privateIp");
    f.belongElsewhere("an azure-public-ip address", "resourceId", "ipConfigurationId");
    f.belongElsewhere(
        "a vip address",
        "address",
        "interface",
        "host",
        "sshConnectionSharing",
        "duplicateProbeWindow");
    return b;
  }

  private static AwsAccess.Builder aws(Fields f) {
    return AwsAccess.builder()
        .profile(f.string("profile"))
        .roleArn(f.string("roleArn"))
        .region(f.string("region"))
        .endpoint(f.string("endpoint"));
  }

  private static AzureAccess.Builder azure(Fields f) {
    return AzureAccess.builder()
        .subscriptionId(f.string("subscriptionId"))
        .resourceGroup(f.string("resourceGroup"))
        .tenantId(f.string("tenantId"))
        .clientId(f.string("clientId"))
        .clientSecret(f.secret("clientSecret"))
        .endpoint(f.string("endpoint"));
  }

  private static DnsRecordConfig.Builder dnsRecord(Fields f) {
    DnsRecordConfig.Builder b =
        DnsRecordConfig.builder()
            .provider(f.choice("provider", DnsProvider.class))
            .zone(f.string("zone"))
            .name(f.string("name"))
            .type(f.choice("type", RecordType.class))
            .ttl(f.longValue("ttl"))
            .switchoverTtl(f.longValue("switchoverTtl"))
            .hostedZoneId(f.string("hostedZoneId"));
    Map<String, String> values = f.stringMap("values");
    if (values != null) {
      values.forEach(b::value);
    }
    Fields aws = f.object("aws");
    if (aws != null) {
      b.aws(finish(aws(aws), aws));
    }
    Fields azure = f.object("azure");
    if (azure != null) {
      b.azure(finish(azure(azure), azure));
    }
    Fields rfc = f.object("rfc2136");
    if (rfc != null) {
      b.rfc2136(
          finish(
              Rfc2136Server.builder()
                  .server(rfc.string("server"))
                  .port(rfc.integer("port"))
                  .tsigKeyName(rfc.string("tsigKeyName"))
                  .tsigAlgorithm(rfc.string("tsigAlgorithm"))
                  .tsigSecret(rfc.secret("tsigSecret")),
              rfc));
    }
    return b;
  }

  private static TrunkConfig.Builder trunk(Fields f) {
    TrunkConfig.Builder b =
        TrunkConfig.builder()
            .name(f.string("name"))
            .registrar(f.string("registrar"))
            .domain(f.string("domain"))
            .user(f.string("user"))
            .authUser(f.string("authUser"))
            .secret(f.secret("secret"))
            .expires(f.duration("expires"));
    Map<String, String> contacts = f.stringMap("contacts");
    if (contacts != null) {
      contacts.forEach(b::contact);
    }
    return b;
  }

  private static WitnessConfig.Builder witness(Fields f) {
    WitnessKind kind = f.choice("kind", WitnessKind.class);
    WitnessConfig.Builder b = WitnessConfig.builder().kind(kind);
    if (kind == null) {
      return b;
    }
    switch (kind) {
      case BUILTIN -> {
        endpoints(f, b);
        Map<String, SecretRef> secrets = f.secretMap("siteSecrets");
        if (secrets != null) {
          secrets.forEach(b::siteSecret);
        }
        b.listen(f.string("listen")).dataDir(f.string("dataDir"));
      }
      case ETCD -> {
        endpoints(f, b);
        b.user(f.string("user")).password(f.secret("password")).keyPrefix(f.string("keyPrefix"));
      }
      case DYNAMODB -> {
        b.table(f.string("table"));
        Fields aws = f.object("aws");
        if (aws != null) {
          b.aws(finish(aws(aws), aws));
        }
      }
      case AZURE_BLOB ->
          b.blobEndpoint(f.string("endpoint"))
              .container(f.string("container"))
              .blob(f.string("blob"))
              .sasToken(f.secret("sasToken"))
              .connectionString(f.secret("connectionString"));
    }
    f.belongElsewhere("a builtin witness", "endpoints", "siteSecrets", "listen", "dataDir");
    f.belongElsewhere("an etcd witness", "endpoints", "user", "password", "keyPrefix");
    f.belongElsewhere("a dynamodb witness", "table", "aws");
    f.belongElsewhere(
        "an azure-blob witness", "endpoint", "container", "blob", "sasToken", "connectionString");
    return b;
  }

  private static void endpoints(Fields f, WitnessConfig.Builder b) {
    List<String> endpoints = f.stringList("endpoints");
    if (endpoints != null) {
      endpoints.forEach(b::endpoint);
    }
  }

  private static Policies.Builder policies(Fields f) {
    Policies.Builder b =
        Policies.builder()
            .autoFailback(f.bool("autoFailback"))
            .failbackStablePeriod(f.duration("failbackStablePeriod"))
            .minimumActiveTime(f.duration("minimumActiveTime"))
            .keepRunningWithoutWitness(f.bool("keepRunningWithoutWitness"))
            .witnessOutageFailsafe(f.bool("witnessOutageFailsafe"))
            .minimumHealthPercent(f.integer("minimumHealthPercent"))
            .warningHealthPercent(f.integer("warningHealthPercent"));
    List<String> gates = f.stringList("approvalGates");
    if (gates != null) {
      List<String> names = ConfigEnum.names(ApprovalGate.class);
      for (int i = 0; i < gates.size(); i++) {
        var gate = ConfigEnum.find(ApprovalGate.class, gates.get(i));
        if (gate.isPresent()) {
          b.approvalGate(gate.get());
        } else {
          f.context()
              .problem(
                  f.at("approvalGates") + "[" + i + "]",
                  "expected one of "
                      + names
                      + ", found '"
                      + gates.get(i)
                      + "'"
                      + NameSuggestions.hint(gates.get(i), names));
        }
      }
    }
    return b;
  }

  private static Notifications notifications(Fields f) {
    Notifications.Webhook webhook = null;
    Notifications.Smtp smtp = null;
    Fields w = f.object("webhook");
    if (w != null) {
      webhook =
          finish(
              Notifications.Webhook.builder().url(w.string("url")).secret(w.secret("secret")), w);
    }
    Fields s = f.object("smtp");
    if (s != null) {
      Notifications.Smtp.Builder b =
          Notifications.Smtp.builder()
              .host(s.string("host"))
              .port(s.integer("port"))
              .startTls(s.bool("startTls"))
              .user(s.string("user"))
              .password(s.secret("password"))
              .from(s.string("from"));
      List<String> to = s.stringList("to");
      if (to != null) {
        to.forEach(b::to);
      }
      smtp = finish(b, s);
    }
    f.finish();
    return new Notifications(
        java.util.Optional.ofNullable(webhook), java.util.Optional.ofNullable(smtp));
  }

  /** Maps indices of the built list back to indices in the file for one top-level list. */
  private static final class Indices {
    private final String name;
    private final Pattern pattern;
    private final List<Integer> fileIndex = new ArrayList<>();

    Indices(String name) {
      this.name = name;
      this.pattern = Pattern.compile("^" + name + "\\[(\\d+)]");
    }

    int size() {
      return fileIndex.size();
    }

    void kept(int index) {
      fileIndex.add(index);
    }

    String remap(String path) {
      Matcher m = pattern.matcher(path);
      if (!m.find()) {
        return path;
      }
      int built = Integer.parseInt(m.group(1));
      int file = built < fileIndex.size() ? fileIndex.get(built) : built;
      return name + "[" + file + "]" + path.substring(m.end());
    }
  }
}
