package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.app.witness.HttpWitness;
import io.tandem.core.error.PermissionException;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.json.JsonMapper;

/**
 * A witness serving many clusters restarts without parsing again the cluster files that did not
 * change (issue 17.4: 10,000 files took 29–41 s to parse at every start, longer than a ticket). The
 * design bound asserted is the work done, not the time: a restart parses exactly the files whose
 * bytes changed; secrets are still resolved at every start (a rotated secret file takes effect); a
 * changed file is validated as before and refused with its line; a damaged cache or one written by
 * other code is not used. Runs {@code tandem witness} as {@code tandem lab} does, in this JVM
 * ({@link WitnessCommand#serve}), with the cache directory systemd gives the unit ({@code
 * CACHE_DIRECTORY}).
 */
class WitnessRestartTest {

  static final int CLUSTERS = 120;

  @TempDir Path dir;
  final List<WitnessCommand.Running> running = new ArrayList<>();

  @AfterEach
  void stop() {
    running.forEach(WitnessCommand.Running::close);
  }

  static String name(int i) {
    return String.format("pbx-%04d", i);
  }

  static String secret(int i, String site) {
    return "secret-" + name(i) + "-" + site + "-0123456789";
  }

  /** {@code count} cluster files in {@code clusters/}, each site's secret in {@code secrets/}. */
  private Path writeClusters(int count) throws IOException {
    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Path files = Files.createDirectories(dir.resolve("clusters"));
    for (int i = 0; i < count; i++) {
      Files.writeString(secrets.resolve(name(i) + "-alpha"), secret(i, "alpha"));
      Files.writeString(secrets.resolve(name(i) + "-beta"), secret(i, "beta"));
      Files.writeString(files.resolve(name(i) + ".yaml"), clusterFile(name(i), "1s"));
    }
    return files;
  }

  static String clusterFile(String name, String grace) {
    return """
        cluster: %s
        sites:
          - name: alpha
            kind: onprem
            priority: 1
            managementAddress: 10.0.0.11:7480
            pbx: { type: asterisk, host: 127.0.0.1, port: 5038, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami-ping, kind: ami-ping, critical: true }
          - name: beta
            kind: onprem
            priority: 2
            managementAddress: 10.0.0.12:7480
            pbx: { type: asterisk, host: 127.0.0.1, port: 5038, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami-ping, kind: ami-ping, critical: true }
        witness:
          kind: builtin
          endpoints: [ "http://127.0.0.1:7443" ]
          siteSecrets:
            alpha: "${file:../secrets/%s-alpha}"
            beta: "${file:../secrets/%s-beta}"
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: %s }
        """
        .formatted(name, name, name, grace);
  }

  /** {@code tandem witness --config clusters/ --listen ... --data-dir ...} under systemd. */
  private WitnessCommand.Running start(Path clusters, StringWriter err) {
    WitnessCommand command = new WitnessCommand();
    new CommandLine(command)
        .setErr(new PrintWriter(err, true))
        .parseArgs(
            "--config",
            clusters.toString(),
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir.resolve("data").toString());
    WitnessCommand.Running r =
        command.serve(Map.of("CACHE_DIRECTORY", dir.resolve("cache").toString()));
    running.add(r);
    return r;
  }

  private WitnessCommand.Running start(Path clusters) {
    return start(clusters, new StringWriter());
  }

  private void stop(WitnessCommand.Running r) {
    r.close();
    running.remove(r);
  }

  private static TicketResult acquire(WitnessCommand.Running r, int i, String site, String secret) {
    HttpWitness client =
        new HttpWitness(
            HttpClient.newHttpClient(),
            URI.create("http://127.0.0.1:" + r.server().address().getPort()),
            site,
            () -> secret,
            Duration.ofSeconds(10),
            JsonMapper.shared());
    return client.acquire(TicketRequest.acquire(name(i), site, true, Duration.ofSeconds(6)));
  }

  @Test
  void aRestartParsesOnlyTheFilesThatChangedAndResolvesEverySecretAgain() throws Exception {
    Path clusters = writeClusters(CLUSTERS);
    WitnessCommand.Running first = start(clusters);
    assertThat(first.clusters()).hasSize(CLUSTERS);
    assertThat(first.startup().files()).isEqualTo(CLUSTERS);
    assertThat(first.startup().parsed()).as("a first start parses every file").isEqualTo(CLUSTERS);
    stop(first);

    WitnessCommand.Running unchanged = start(clusters);
    assertThat(unchanged.startup().parsed()).as("nothing changed").isZero();
    assertThat(unchanged.clusters()).hasSize(CLUSTERS);
    assertThat(unchanged.startup().toString())
        .contains(CLUSTERS + " cluster files in ")
        .contains("(0 parsed, " + CLUSTERS + " unchanged since the last start)");
    stop(unchanged);

    // one file edited (a longer grace), one secret rotated (its cluster file unchanged)
    Files.writeString(clusters.resolve(name(7) + ".yaml"), clusterFile(name(7), "2s"));
    Files.writeString(
        dir.resolve("secrets").resolve(name(3) + "-alpha"), "rotated-secret-0123456789");
    WitnessCommand.Running second = start(clusters);
    assertThat(second.startup().parsed()).as("only the edited file").isEqualTo(1);

    TicketResult held = acquire(second, 7, "alpha", secret(7, "alpha"));
    assertThat(held.granted()).as(held.reason()).isTrue();
    assertThat(acquire(second, 7, "beta", secret(7, "beta")).reason())
        .as("the edited file's grace is served")
        .endsWith("(+ grace 2000 ms)");
    assertThatThrownBy(() -> acquire(second, 3, "alpha", secret(3, "alpha")))
        .as("the rotated-out secret")
        .isInstanceOf(PermissionException.class);
    TicketResult rotated = acquire(second, 3, "alpha", "rotated-secret-0123456789");
    assertThat(rotated.granted()).as(rotated.reason()).isTrue();
  }

  @Test
  void anEditThatKeepsTheFilesSizeAndModificationTimeIsSeen() throws Exception {
    Path clusters = writeClusters(CLUSTERS);
    stop(start(clusters));
    // as `cp -p` or `touch -r` leave it: same size, same mtime, other bytes (git's index compares
    // the change time too for this reason)
    Path edited = clusters.resolve(name(5) + ".yaml");
    FileTime mtime = Files.getLastModifiedTime(edited);
    String grace2s = clusterFile(name(5), "2s");
    assertThat(grace2s).hasSameSizeAs(Files.readString(edited));
    Files.writeString(edited, grace2s);
    Files.setLastModifiedTime(edited, mtime);

    WitnessCommand.Running second = start(clusters);
    assertThat(second.startup().parsed()).isEqualTo(1);
    assertThat(acquire(second, 5, "alpha", secret(5, "alpha")).granted()).isTrue();
    assertThat(acquire(second, 5, "beta", secret(5, "beta")).reason())
        .endsWith("(+ grace 2000 ms)");
  }

  @Test
  void aFileMadeInvalidIsRefusedAtRestartWithItsLineAndOnceFixedIsTheOnlyOneParsed()
      throws Exception {
    Path clusters = writeClusters(CLUSTERS);
    stop(start(clusters));

    Path broken = clusters.resolve(name(11) + ".yaml");
    Files.writeString(broken, clusterFile(name(11), "1s").replace("ticketTtl: 6s", "ticketTtl: 5"));
    StringWriter err = new StringWriter();
    assertThatThrownBy(() -> start(clusters, err))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("nothing started");
    assertThat(err.toString()).contains(broken + ":").contains("timings.ticketTtl");

    Files.writeString(broken, clusterFile(name(11), "1s"));
    WitnessCommand.Running fixed = start(clusters);
    assertThat(fixed.startup().parsed())
        .as("the other files were kept although that start failed")
        .isEqualTo(1);
    assertThat(fixed.clusters()).hasSize(CLUSTERS);
  }

  @Test
  void aDamagedCacheOrOneFromOtherCodeIsNotUsed() throws Exception {
    Path clusters = writeClusters(CLUSTERS);
    stop(start(clusters));
    Path cache = dir.resolve("cache").resolve("cluster-files.bin");
    byte[] written = Files.readAllBytes(cache);
    assertThat(new String(written, StandardCharsets.ISO_8859_1))
        .as("no secret in the cache")
        .contains(name(0))
        .doesNotContain(secret(0, "alpha"));

    Files.write(cache, Arrays.copyOf(written, written.length / 2));
    WitnessCommand.Running torn = start(clusters);
    assertThat(torn.startup().parsed()).as("a torn cache").isEqualTo(CLUSTERS);
    stop(torn);

    byte[] flipped = Files.readAllBytes(cache);
    flipped[flipped.length / 2] ^= 1;
    Files.write(cache, flipped);
    WitnessCommand.Running bitFlip = start(clusters);
    assertThat(bitFlip.startup().parsed()).as("a damaged cache").isEqualTo(CLUSTERS);
    stop(bitFlip);

    // the same entries, stamped by other code (an upgrade): magic, version, then the stamp
    byte[] other = Files.readAllBytes(cache);
    ByteBuffer b = ByteBuffer.wrap(other);
    assertThat(b.getShort(8)).as("a SHA-256 stamp in hex").isEqualTo((short) 64);
    Arrays.fill(other, 10, 74, (byte) '0');
    CRC32C crc = new CRC32C();
    crc.update(other, 0, other.length - Long.BYTES);
    b.putLong(other.length - Long.BYTES, crc.getValue());
    Files.write(cache, other);
    assertThat(start(clusters).startup().parsed()).as("other code").isEqualTo(CLUSTERS);
  }

  /**
   * The TLS context is built on another thread while the files are read; a start over HTTPS still
   * serves, and a wrong keystore password still stops it with the keystore named, nothing started.
   */
  @Test
  void theTlsContextBuiltAheadServesAndAWrongPasswordStillStopsTheStart() throws Exception {
    Path clusters = writeClusters(3);
    Path keystore = dir.resolve("witness.p12");
    Process keytool =
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
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "right-password-0123")
            .redirectErrorStream(true)
            .start();
    keytool.getInputStream().readAllBytes();
    assertThat(keytool.waitFor()).isZero();
    for (String password : List.of("wrong-password-0123", "right-password-0123")) {
      WitnessCommand command = new WitnessCommand();
      new CommandLine(command)
          .parseArgs(
              "--config",
              clusters.toString(),
              "--listen",
              "127.0.0.1:0",
              "--data-dir",
              dir.resolve("data").toString(),
              "--tls-keystore",
              keystore.toString());
      Map<String, String> env =
          Map.of(
              "CACHE_DIRECTORY",
              dir.resolve("cache").toString(),
              "TANDEM_WITNESS_KEYSTORE_PASSWORD",
              password);
      if (password.startsWith("wrong")) {
        assertThatThrownBy(() -> command.serve(env))
            .isInstanceOf(CliException.class)
            .hasMessageContaining("--tls-keystore " + keystore + ": cannot read the PKCS#12 store")
            .hasMessageContaining("nothing started");
      } else {
        WitnessCommand.Running r = command.serve(env);
        running.add(r);
        assertThat(r.clusters()).hasSize(3);
        assertThat(r.server().address().getPort()).isPositive();
      }
    }
  }
}
