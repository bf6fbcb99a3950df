package io.tandem.app.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.ExitCodes;
import io.tandem.app.cli.TandemCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Address;

/**
 * {@code tandem lab --real-peers}: one lab whose carrier is Kamailio, whose DNS is BIND 9 and whose
 * public address is an Elastic IP in the AWS emulator crashes its primary. The agents drive these
 * peers with the production adapters ({@code Providers.sdk()}: SIP trunk registrar, RFC 2136
 * updater, Elastic IP mover and EC2 fencer), pointed at them by the cluster file the lab wrote;
 * afterwards each real peer is read back through its own protocol, not through those adapters.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabRealPeersTest {

  @TempDir static Path dir;
  static LabCluster lab;
  static RealLabPeers peers;

  @BeforeAll
  static void start() {
    lab = new LabCluster(new LabCluster.Options(dir, "127.0.0.1", 0, true)).start();
    peers = (RealLabPeers) lab.peers();
  }

  @AfterAll
  static void stop() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  @Order(1)
  void primaryCrashMovesTheRealCarrierDnsAndElasticIp() throws IOException {
    var buf = new ByteArrayOutputStream();
    var result =
        LabScenario.PRIMARY_CRASH.run(lab, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String printed = buf.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(result.ok()).as(result.verdict()).isTrue();
    LabSite to = lab.site(result.to());
    // the production adapters, built from the cluster file, made the changes the report lists
    var report =
        (io.tandem.core.runbook.report.RunReport)
            lab.runtime(result.to()).report(result.runId(), true).orElseThrow();
    assertThat(report.steps())
        .extracting(io.tandem.core.runbook.report.RunReport.StepReport::provider)
        .contains("aws-eip", "rfc2136")
        .noneMatch(p -> p != null && p.startsWith("simulated"));

    // BIND answers the new address to a plain (unsigned) query
    var bind = peers.bind9();
    SimpleResolver resolver = new SimpleResolver(bind.host());
    resolver.setPort(bind.port());
    resolver.setTimeout(Duration.ofSeconds(3));
    Message answer =
        resolver.send(
            Message.newQuery(
                Record.newRecord(Name.fromString("sip." + bind.zone()), Type.A, DClass.IN)));
    assertThat(answer.getSection(Section.ANSWER))
        .map(r -> ((ARecord) r).getAddress().getHostAddress())
        .containsExactly(to.publicIp);

    // Kamailio's location table holds only the new site's contact
    assertThat(peers.kamailio().contacts("sip:" + LabCluster.TRUNK_USER + "@carrier.lab"))
        .containsExactly(to.trunkContact(LabCluster.TRUNK_USER));

    // the emulator's DescribeAddresses shows the Elastic IP on the new site's instance
    var aws = peers.awsEmulator();
    try (Ec2Client ec2 =
        Ec2Client.builder()
            .region(Region.of(aws.region()))
            .endpointOverride(aws.endpoint())
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(aws.accessKeyId(), aws.secretAccessKey())))
            .httpClient(UrlConnectionHttpClient.create())
            .build()) {
      Address address =
          ec2.describeAddresses(r -> r.allocationIds(peers.allocationId())).addresses().getFirst();
      assertThat(address.instanceId()).isEqualTo(peers.targetOf(to.name));
    }
  }

  @Test
  @Order(2)
  void aMissingPeerFailsWithItsInstallCommandInsteadOfSimulating(@TempDir Path runDir) {
    String key = "tandem.testkit.binPath";
    String before = System.getProperty(key);
    System.setProperty(key, runDir.resolve("no-binaries").toString());
    PrintStream oldOut = System.out;
    var out = new ByteArrayOutputStream();
    var err = new StringWriter();
    int code;
    try {
      var cl = TandemCommand.commandLine();
      cl.setErr(new PrintWriter(err, true));
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code =
          cl.execute(
              "lab",
              "--real-peers",
              "--exit",
              "--port",
              "0",
              "--scenario",
              "none",
              "--data-dir",
              runDir.toString());
    } finally {
      System.setOut(oldOut);
      if (before == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, before);
      }
    }
    assertThat(code).isEqualTo(ExitCodes.INVALID);
    assertThat(err.toString())
        .contains("'kamailio' is not installed")
        .contains("./scripts/install-peers");
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("console ");
  }

  @Test
  @Order(3)
  void closingTheLabStopsEveryRealPeer() {
    int kamailioPort = peers.kamailio().sipPort();
    int bindPort = peers.bind9().port();
    int motoPort = peers.awsEmulator().endpoint().getPort();
    lab.close();
    lab = null;
    assertThat(acceptsTcp(kamailioPort)).as("Kamailio stopped").isFalse();
    assertThat(acceptsTcp(bindPort)).as("BIND stopped").isFalse();
    assertThat(acceptsTcp(motoPort)).as("moto stopped").isFalse();
  }

  private static boolean acceptsTcp(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
