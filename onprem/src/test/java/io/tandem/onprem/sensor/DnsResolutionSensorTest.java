package io.tandem.onprem.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorStatus;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Against the testkit's BIND 9 (its zone holds {@code sip.<zone> A 192.0.2.10}). */
@Bind9
class DnsResolutionSensorTest {

  private static SensorCatalog catalog() {
    return SensorCatalog.builtIn(SensorContext.system());
  }

  private static SensorReading read(Bind9Peer bind, Map<String, String> params) {
    var spec = catalog().defaultSpec("dns", "dns-resolution");
    return catalog().create(spec, params).read();
  }

  @Test
  void resolvesTheSeededName(Bind9Peer bind) {
    SensorReading r =
        read(
            bind,
            Map.of(
                "server",
                bind.host(),
                "port",
                Integer.toString(bind.port()),
                "name",
                "sip." + bind.zone(),
                "expect",
                "192.0.2.10"));
    assertThat(r.status()).as(r.detail()).isEqualTo(SensorStatus.OK);
    assertThat(r.unit()).isEqualTo("ms");
  }

  @Test
  void aWrongValueOrAMissingNameFails(Bind9Peer bind) {
    SensorReading wrong =
        read(
            bind,
            Map.of(
                "server",
                bind.host(),
                "port",
                Integer.toString(bind.port()),
                "name",
                "sip." + bind.zone(),
                "expect",
                "192.0.2.99"));
    assertThat(wrong.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(wrong.detail()).contains("expected [192.0.2.99]");

    SensorReading missing =
        read(
            bind,
            Map.of(
                "server", bind.host(),
                "port", Integer.toString(bind.port()),
                "name", "nothing-here." + bind.zone()));
    assertThat(missing.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(missing.detail()).contains("NXDOMAIN");
  }

  @Test
  void anUnreachableResolverFailsWithinTheTimeout(Bind9Peer bind) throws Exception {
    int closed;
    try (java.net.DatagramSocket s = new java.net.DatagramSocket(0)) {
      closed = s.getLocalPort();
    }
    var spec =
        new io.tandem.core.health.SensorSpec(
            "dns",
            "dns-resolution",
            false,
            1,
            java.time.Duration.ofSeconds(5),
            java.time.Duration.ofMillis(300));
    SensorReading r =
        new DnsResolutionSensor(
                spec,
                SensorContext.system(),
                new InetSocketAddress("127.0.0.1", closed),
                org.xbill.DNS.Name.fromString("sip." + bind.zone()),
                org.xbill.DNS.Type.A,
                List.of())
            .read();
    assertThat(r.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(r.detail()).contains("no answer");
  }
}
