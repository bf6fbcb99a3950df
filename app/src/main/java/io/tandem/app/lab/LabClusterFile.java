package io.tandem.app.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Writes the lab's cluster file, the same YAML an operator writes for {@code tandem agent}, and the
 * secret files it references ({@code ${file:secrets/...}}, readable by the owner only): each site's
 * witness secret, the AMI secret, the trunk password, the TSIG key and the peer-link secret. No
 * secret ever appears in the file or on a command line.
 *
 * <p>The timings are the lab's: short, so that a failover shows within seconds, valid under every
 * rule the configuration checks ({@code renew + 2*retry + fenceLead + drift <= ticketTtl}: 1000 +
 * 1600 + 1000 + 200 <= 4000 ms), and with production's one-second tick, because the peer link's
 * request timeout is one tick and the witness-outage failsafe wants a promise answered within a
 * tick and a half: on a two-core host shared by eight builds (load 20) a 200 ms and then a 500 ms
 * tick missed confirmations and fenced a healthy active, and 300 ms sensor timeouts cut fresh AMI
 * logins short.
 */
final class LabClusterFile {

  /** One site as the file describes it. */
  record Site(
      String name,
      int priority,
      int managementPort,
      int sipPort,
      int amiPort,
      String instance,
      String publicIp,
      Path pbxConfig) {}

  /** The lab's timings, as written into the file. */
  static final String TIMINGS =
      """
      timings:
        tick: 1s
        ticketTtl: 4s
        renewInterval: 1s
        retryTimeout: 800ms
        witnessGrace: 1s
        driftMargin: 200ms
        sensorInterval: 1s
        sensorTimeout: 800ms
      """;

  static final String REGION = "us-east-1";
  static final String AWS_PROFILE = "tandem-lab";

  private final Path dir;

  LabClusterFile(Path dir) {
    this.dir = dir;
  }

  /** The secrets directory ({@code tandem witness --secrets-dir} reads {@code witness/<site>}). */
  Path secrets() {
    return dir.resolve("secrets");
  }

  /** Writes a fresh random secret to {@code secrets/<name>} and returns it. */
  String secret(String name) {
    byte[] b = new byte[24];
    new SecureRandom().nextBytes(b);
    String value = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    write(secrets().resolve(name), value);
    return value;
  }

  /** Writes a given secret (a real peer's key) to {@code secrets/<name>}. */
  void secret(String name, String value) {
    write(secrets().resolve(name), value);
  }

  /**
   * Writes {@code cluster.yaml}.
   *
   * @param aws the AWS emulator with real peers: each site reaches it with a named profile
   */
  Path write(
      List<Site> sites,
      String allocationId,
      LabPeers.DnsServer dns,
      String carrier,
      String trunkUser,
      int witnessPort,
      java.util.Optional<LabPeers.AwsEndpoint> aws,
      List<String> approvalGates) {
    String siteBlocks =
        sites.stream().map(s -> site(s, allocationId, aws)).collect(Collectors.joining());
    String values =
        sites.stream().map(s -> s.name() + ": " + s.publicIp()).collect(Collectors.joining(", "));
    String contacts =
        sites.stream()
            .map(s -> s.name() + ": \"sip:" + trunkUser + "@" + s.publicIp() + ":5060\"")
            .collect(Collectors.joining(", "));
    String syncPaths =
        sites.stream()
            .map(s -> "      - { site: %s, paths: [ \"%s\" ] }".formatted(s.name(), s.pbxConfig()))
            .collect(Collectors.joining("\n"));
    String witnessSecrets =
        sites.stream()
            .map(s -> s.name() + ": \"${file:secrets/witness/" + s.name() + "}\"")
            .collect(Collectors.joining(", "));
    String yaml =
        """
        # Written by `tandem lab`: a whole cluster on 127.0.0.1. Each site runs `tandem agent` with
        # this file; secrets are files under secrets/ (owner-only), never in here.
        cluster: %s

        sites:
        %s
        dns:
          - provider: rfc2136
            zone: %s
            name: sip.%s
            type: A
            ttl: 30
            values: { %s }
            rfc2136:
              server: 127.0.0.1
              port: %d
              tsigKeyName: %s
              tsigAlgorithm: %s
              tsigSecret: "${file:secrets/tsig}"

        trunks:
          - name: %s
            registrar: sip:%s
            user: %s
            secret: "${file:secrets/trunk}"
            expires: 5m
            contacts: { %s }

        witness:
          kind: builtin
          endpoints: [ "http://127.0.0.1:%d" ]
          siteSecrets: { %s }

        # The dialplan follows the active site: sent over the peer link by the ticket holder only,
        # while both sites are healthy; the receiver reloads it through AMI. Both sites share this
        # host, so each has its own directory (sitePaths) where a real site has /etc/asterisk.
        sync:
          - name: dialplan
            kind: files
            paths: [ /etc/asterisk ]
            sitePaths:
        %s
            interval: 5s
            watch: true
            reload: { module: pbx_config.so }

        %s"""
            .formatted(
                LabCluster.CLUSTER,
                siteBlocks.stripTrailing(),
                dns.zone(),
                dns.zone(),
                values,
                dns.port(),
                dns.keyName(),
                dns.algorithm().toLowerCase(Locale.ROOT),
                LabCluster.TRUNK,
                carrier,
                trunkUser,
                contacts,
                witnessPort,
                witnessSecrets,
                syncPaths,
                TIMINGS
                    + (approvalGates.isEmpty()
                        ? ""
                        : "\npolicies:\n  approvalGates: [ "
                            + String.join(", ", approvalGates)
                            + " ]\n"));
    Path file = dir.resolve("cluster.yaml");
    try {
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    aws.ifPresent(this::awsProfile);
    return file;
  }

  private static String site(
      Site s, String allocationId, java.util.Optional<LabPeers.AwsEndpoint> aws) {
    String credentials =
        aws.map(
                a ->
                    "    credentials:\n      aws: { profile: %s, region: %s, endpoint: \"%s\" }\n"
                        .formatted(AWS_PROFILE, a.region(), a.endpoint()))
            .orElse("");
    return """
          - name: %s
            kind: aws
            priority: %d
            region: %s
            managementAddress: 127.0.0.1:%d
            pbx: { type: asterisk, host: 127.0.0.1, port: %d, user: tandem, secret: "${file:secrets/ami}" }
            serviceAddresses:
              - { kind: aws-eip, name: sip-public, allocationId: %s, instanceId: %s }
            sensors:
              - { name: sip-options-local, kind: sip-options, critical: true, params: { target: "sip:127.0.0.1:%d" } }
              - { name: ami-ping, kind: ami-ping, critical: true }
              - { name: active-channels, kind: active-channels }
            fencing: { kind: aws-ec2-stop, target: %s }
        %s"""
        .formatted(
            s.name(),
            s.priority(),
            aws.map(LabPeers.AwsEndpoint::region).orElse(REGION),
            s.managementPort(),
            s.amiPort(),
            allocationId,
            s.instance(),
            s.sipPort(),
            s.instance(),
            credentials);
  }

  /**
   * The emulator's static test credentials as the named profile of a credentials file in the data
   * directory: the production AWS clients find them as they find any profile ({@code
   * aws.sharedCredentialsFile} points at it while the lab runs).
   */
  private void awsProfile(LabPeers.AwsEndpoint aws) {
    write(
        secrets().resolve("aws-credentials"),
        "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
            .formatted(AWS_PROFILE, aws.accessKeyId(), aws.secretAccessKey()));
  }

  Path awsCredentials() {
    return secrets().resolve("aws-credentials");
  }

  private static void write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
