package io.tandem.onprem.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorStatus;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nic-link, default-route, voip-address, port-listening, process-alive. */
class NetworkSensorsTest {

  @TempDir Path root;
  Fixture fx;

  @BeforeEach
  void setUp() {
    fx = new Fixture(root);
  }

  @Test
  void nicLinkNeedsOperstateUpAndCarrier() {
    fx.file("sys/class/net/eth1/operstate", "up\n").file("sys/class/net/eth1/carrier", "1\n");
    NicLinkSensor s = new NicLinkSensor(Fixture.spec("nic-link"), fx.context(), "eth1");
    assertThat(s.read().status()).isEqualTo(SensorStatus.OK);

    fx.file("sys/class/net/eth1/operstate", "down\n").file("sys/class/net/eth1/carrier", "0\n");
    assertThat(s.read().status()).isEqualTo(SensorStatus.FAIL);
    assertThat(s.read().detail()).contains("operstate down");

    assertThat(new NicLinkSensor(Fixture.spec("nic-link"), fx.context(), "eth9").read().detail())
        .contains("no interface eth9");
  }

  private static final String ROUTES =
      """
      Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
      eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
      eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
      """;

  @Test
  void defaultRouteFromProcNetRoute() {
    fx.file("proc/net/route", ROUTES);
    SensorReading r =
        new DefaultRouteSensor(Fixture.spec("default-route"), fx.context(), Optional.empty())
            .read();
    assertThat(r.status()).isEqualTo(SensorStatus.OK);
    assertThat(r.detail()).isEqualTo("default via 192.168.2.1 dev eth0");

    assertThat(
            new DefaultRouteSensor(Fixture.spec("default-route"), fx.context(), Optional.of("eth1"))
                .read()
                .status())
        .isEqualTo(SensorStatus.FAIL);
    fx.file("proc/net/route", ROUTES.lines().findFirst().orElseThrow() + "\n");
    assertThat(
            new DefaultRouteSensor(Fixture.spec("default-route"), fx.context(), Optional.empty())
                .read()
                .detail())
        .isEqualTo("no default route");
  }

  @Test
  void voipAddressPresentOnTheInterface() throws Exception {
    InetAddress vip = InetAddress.getByName("192.0.2.50");
    fx.addresses.put("eth1", List.of(InetAddress.getByName("192.0.2.2"), vip));
    assertThat(
            new VoipAddressSensor(
                    Fixture.spec("voip-address"), fx.context(), vip, Optional.of("eth1"))
                .read()
                .status())
        .isEqualTo(SensorStatus.OK);
    assertThat(
            new VoipAddressSensor(
                    Fixture.spec("voip-address"), fx.context(), vip, Optional.of("eth0"))
                .read()
                .status())
        .isEqualTo(SensorStatus.FAIL);
  }

  @Test
  void voipAddressOnTheRealLoopback() throws Exception {
    SensorContext real = SensorContext.system();
    assertThat(
            new VoipAddressSensor(
                    Fixture.spec("voip-address"),
                    real,
                    InetAddress.getByName("127.0.0.1"),
                    Optional.empty())
                .read()
                .status())
        .isEqualTo(SensorStatus.OK);
    assertThat(
            new VoipAddressSensor(
                    Fixture.spec("voip-address"),
                    real,
                    InetAddress.getByName("192.0.2.99"),
                    Optional.empty())
                .read()
                .status())
        .isEqualTo(SensorStatus.FAIL);
  }

  @Test
  void sipPortListeningOnUdpAndTcp() {
    // 5060 = 0x13C4; UDP state 07 (unconnected), TCP state 0A (LISTEN)
    fx.file(
        "proc/net/udp",
        "  sl  local_address rem_address   st tx_queue rx_queue\n"
            + "   0: 00000000:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000\n");
    fx.file(
        "proc/net/tcp6",
        "  sl  local_address rem_address   st\n"
            + "   0: 00000000000000000000000000000000:13C4 00000000000000000000000000000000:0000 0A\n");
    fx.file("proc/net/tcp", "  sl  local_address rem_address   st\n");
    assertThat(
            new PortListeningSensor(
                    Fixture.spec("port-listening"),
                    fx.context(),
                    5060,
                    PortListeningSensor.Transport.BOTH)
                .read()
                .status())
        .isEqualTo(SensorStatus.OK);
    SensorReading other =
        new PortListeningSensor(
                Fixture.spec("port-listening"),
                fx.context(),
                5061,
                PortListeningSensor.Transport.UDP)
            .read();
    assertThat(other.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(other.detail()).contains("5061");
  }

  @Test
  void processAliveByComm() {
    fx.file("proc/101/comm", "asterisk\n")
        .file("proc/102/comm", "bash\n")
        .file("proc/self/comm", "x");
    assertThat(
            new ProcessAliveSensor(Fixture.spec("process-alive"), fx.context(), "asterisk", 1)
                .read()
                .value())
        .isEqualTo(1);
    SensorReading none =
        new ProcessAliveSensor(Fixture.spec("process-alive"), fx.context(), "freeswitch", 1).read();
    assertThat(none.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(none.detail()).contains("freeswitch");
  }
}
