package io.tandem.app.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConflictException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.lab.SimCloudAddress;
import io.tandem.sim.lab.SimDnsServer;
import io.tandem.sim.lab.SimSipServer;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The lab's simulated peers behave like the real ones over real sockets. */
class LabSimulatedPeersTest {

  @Test
  void thePublicAddressForwardsToWhicheverSiteItIsAttachedTo() throws Exception {
    try (var a = SimSipServer.pbx("site-a", Clock.systemUTC());
        var b = SimSipServer.pbx("site-b", Clock.systemUTC());
        var address =
            new SimCloudAddress(
                "eipalloc-1",
                Map.of(
                    "site-a", new InetSocketAddress("127.0.0.1", a.port()),
                    "site-b", new InetSocketAddress("127.0.0.1", b.port())),
                "site-a")) {
      var probeA =
          PublicAddressProbe.through(address.publicAddress(), "site-a", Duration.ofSeconds(2));
      assertThat(probeA.check().ok()).as(probeA.check().observed()).isTrue();
      address.move("eipalloc-1", "site-b", new FencingToken("lab", "site-b", 2));
      var probeB =
          PublicAddressProbe.through(address.publicAddress(), "site-b", Duration.ofSeconds(2));
      var result = probeB.check();
      assertThat(result.ok()).as(result.observed()).isTrue();
      assertThat(result.observed()).contains("site-b");
      assertThatThrownBy(
              () -> address.move("eipalloc-1", "site-a", new FencingToken("lab", "site-a", 1)))
          .isInstanceOf(StaleEpochException.class);
      b.serving(false);
      assertThat(probeB.check().observed()).contains("503");
    }
  }

  @Test
  void theDnsServerAnswersOverTheWireAndComparesBeforeItSets() throws Exception {
    var initial = new DnsRecord("lab.test.", "sip.lab.test.", "A", 30, List.of("192.0.2.10"));
    try (var dns = new SimDnsServer("lab.test.", List.of(initial))) {
      assertThat(dns.verify(initial)).isTrue();
      var desired = initial.withValues(List.of("198.51.100.20"));
      var token = new FencingToken("lab", "site-b", 3);
      assertThatThrownBy(
              () ->
                  dns.replace(
                      Optional.of(initial.withValues(List.of("203.0.113.9"))), desired, token))
          .isInstanceOf(ConflictException.class);
      dns.replace(Optional.of(initial), desired, token);
      assertThat(dns.verify(desired)).isTrue();
      assertThat(dns.verify(initial)).isFalse();
    }
  }

  @Test
  void theSimulatedFencerRefusesToStopAMachineThatRecordsANewerHolderAsEc2FencerDoes()
      throws Exception {
    try (var b = SimSipServer.pbx("site-b", Clock.systemUTC())) {
      var fencer = new SimFencer(Map.of("i-b", b));
      // site-b took over under epoch 5 and recorded it on its own instance
      assertThat(fencer.recordHolder("i-b", new FencingToken("lab", "site-b", 5)))
          .contains("records epoch 5");
      // a stale holder (epoch 4) must not stop it
      assertThatThrownBy(() -> fencer.fence("i-b", new FencingToken("lab", "site-a", 4)))
          .isInstanceOf(StaleEpochException.class);
      assertThat(b.serving()).isTrue();
      assertThatThrownBy(() -> fencer.recordHolder("i-b", new FencingToken("lab", "site-a", 4)))
          .isInstanceOf(StaleEpochException.class);
      // a newer holder may, and it records its epoch first
      assertThat(fencer.fence("i-b", new FencingToken("lab", "site-a", 6)).fenced()).isTrue();
      assertThat(b.serving()).isFalse();
      assertThatThrownBy(() -> fencer.fence("i-b", new FencingToken("lab", "site-b", 5)))
          .isInstanceOf(StaleEpochException.class);
    }
  }
}
