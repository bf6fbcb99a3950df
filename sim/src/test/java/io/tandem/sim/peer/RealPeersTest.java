package io.tandem.sim.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.sim.peer.internal.PeerBinaries;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The JUnit-free launchers start the same peers the annotations do, and stop them on close. */
class RealPeersTest {

  @Test
  void kamailioStartsWithItsUsersAndStopsOnClose() {
    int port;
    try (var kamailio = RealPeers.startKamailio("carrier.lab", Map.of("trunk1", "s3cret-1"))) {
      port = kamailio.sipPort();
      assertThat(kamailio.domain()).isEqualTo("carrier.lab");
      assertThat(kamailio.users()).containsEntry("trunk1", "s3cret-1");
      assertThat(kamailio.contacts("sip:trunk1@carrier.lab")).isEmpty();
      assertThat(acceptsTcp(port)).isTrue();
    }
    assertThat(acceptsTcp(port)).isFalse();
  }

  @Test
  void bind9AnswersItsZoneAndStopsOnClose() throws IOException {
    int port;
    try (var bind = RealPeers.startBind9()) {
      port = bind.port();
      SimpleResolver resolver = new SimpleResolver(bind.host());
      resolver.setPort(port);
      resolver.setTimeout(Duration.ofSeconds(5));
      Message answer =
          resolver.send(
              Message.newQuery(
                  Record.newRecord(Name.fromString("sip." + bind.zone()), Type.A, DClass.IN)));
      assertThat(answer.getSection(Section.ANSWER))
          .map(r -> ((ARecord) r).getAddress().getHostAddress())
          .containsExactly("192.0.2.10");
    }
    assertThat(acceptsTcp(port)).isFalse();
  }

  @Test
  void motoAnswersAndStopsOnClose() throws IOException, InterruptedException {
    URI endpoint;
    try (var moto = RealPeers.startAwsEmulator();
        HttpClient http = HttpClient.newHttpClient()) {
      endpoint = moto.endpoint();
      assertThat(moto.engine()).isEqualTo(AwsEmulatorPeer.Engine.MOTO);
      HttpResponse<String> reset =
          http.send(
              HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset"))
                  .timeout(Duration.ofSeconds(5))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(reset.statusCode()).isEqualTo(200);
    }
    assertThat(acceptsTcp(endpoint.getPort())).isFalse();
  }

  @Test
  @ResourceLock("java.lang.System.properties")
  void aMissingBinaryNamesTheInstallCommand() {
    String before = System.getProperty(PeerBinaries.BIN_PATH_PARAM);
    System.setProperty(PeerBinaries.BIN_PATH_PARAM, "/nonexistent-tandem-bin");
    try {
      assertThatThrownBy(RealPeers::startBind9)
          .isInstanceOfSatisfying(
              PeerNotInstalledException.class,
              e -> assertThat(e.installCommand()).isEqualTo("./scripts/install-peers"))
          .hasMessageContaining("apt-get install -y --no-install-recommends bind9");
    } finally {
      if (before == null) {
        System.clearProperty(PeerBinaries.BIN_PATH_PARAM);
      } else {
        System.setProperty(PeerBinaries.BIN_PATH_PARAM, before);
      }
    }
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
