package io.tandem.app.witness.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's clusters: one cluster file per cluster (two on-premises sites with a VIP, a
 * built-in witness, the default timings), each site's witness secret in a file the cluster file
 * references, as an operator serving many clusters from one witness would lay them out; and the
 * witness's TLS keystore, made by the JDK's keytool.
 */
final class BenchClusters {

  /** One cluster: its name and its two sites' secrets. */
  record Cluster(String name, String secretA, String secretB) {}

  private BenchClusters() {}

  static String name(int i) {
    return String.format("pbx-%05d", i);
  }

  static List<Cluster> write(Path dir, int count) throws IOException {
    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Path files = Files.createDirectories(dir.resolve("clusters"));
    List<Cluster> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String c = name(i);
      String a = "secret-" + c + "-alpha-0123456789";
      String b = "secret-" + c + "-beta-01234567890";
      Files.writeString(secrets.resolve(c + "-alpha"), a);
      Files.writeString(secrets.resolve(c + "-beta"), b);
      Files.writeString(
          files.resolve(c + ".yaml"),
          """
          cluster: %s
          sites:
            - name: alpha
              kind: onprem
              priority: 1
              region: room-a
              managementAddress: 10.0.0.11:7480
              pbx: { type: asterisk, host: 127.0.0.1, port: 5038, user: tandem, secret: "${env:AMI_SECRET}" }
              serviceAddresses:
                - { kind: vip, name: voip, address: 192.0.2.10/24, interface: eth1, host: 10.0.0.11 }
              sensors:
                - { name: ami-ping, kind: ami-ping, critical: true }
            - name: beta
              kind: onprem
              priority: 2
              region: room-a
              managementAddress: 10.0.0.12:7480
              pbx: { type: asterisk, host: 127.0.0.1, port: 5038, user: tandem, secret: "${env:AMI_SECRET}" }
              serviceAddresses:
                - { kind: vip, name: voip, address: 192.0.2.10/24, interface: eth1, host: 10.0.0.12 }
              sensors:
                - { name: ami-ping, kind: ami-ping, critical: true }
          witness:
            kind: builtin
            endpoints: [ "https://127.0.0.1:7443" ]
            siteSecrets:
              alpha: "${file:../secrets/%s-alpha}"
              beta: "${file:../secrets/%s-beta}"
          """
              .formatted(c, c, c),
          StandardCharsets.UTF_8);
      all.add(new Cluster(c, a, b));
    }
    return all;
  }

  /** A PKCS#12 keystore with an EC P-256 key and a certificate for 127.0.0.1. */
  static Path keystore(Path dir) throws IOException, InterruptedException {
    Path ks = dir.resolve("witness.p12");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "witness",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "san=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                ks.toString(),
                "-storepass",
                BenchWitness.KEYSTORE_PASSWORD)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    return ks;
  }
}
