package io.tandem.onprem.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import io.tandem.sim.peer.KamailioPeer;
import io.tandem.testkit.Kamailio;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@Kamailio
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SipOptionsProbeTest {

  private final KamailioPeer kamailio;
  private SipEndpoint endpoint;

  SipOptionsProbeTest(KamailioPeer kamailio) {
    this.kamailio = kamailio;
  }

  @BeforeAll
  void open() {
    endpoint = SipEndpoint.open("127.0.0.1", 0);
  }

  @AfterAll
  void close() {
    endpoint.close();
  }

  private static SensorSpec spec(Duration timeout) {
    return new SensorSpec(
        "sip-options-test", "sip-options", true, 1, Duration.ofSeconds(5), timeout);
  }

  @Test
  void udpProbeReportsOkWithRoundTripTime() {
    SipOptionsProbe probe =
        SipOptionsProbe.of(
            spec(Duration.ofSeconds(2)),
            endpoint,
            new SipTarget(kamailio.host(), kamailio.sipPort(), "udp"));

    SensorReading reading = probe.read();

    assertThat(reading.status()).isIn(SensorStatus.OK, SensorStatus.WARN);
    assertThat(reading.unit()).isEqualTo("ms");
    assertThat(reading.value()).isPositive().isLessThan(2000);
    assertThat(reading.detail()).startsWith("200 OK in ").contains("/udp");
  }

  @Test
  void tcpProbeReportsOk() {
    SipOptionsProbe probe =
        SipOptionsProbe.of(
            spec(Duration.ofSeconds(2)),
            endpoint,
            new SipTarget(kamailio.host(), kamailio.sipPort(), "tcp"));

    SensorReading first = probe.read();
    SensorReading second = probe.read();

    assertThat(first.status().good()).isTrue();
    assertThat(second.status().good()).isTrue();
    assertThat(second.detail()).startsWith("200 OK").contains("/tcp");
  }

  @Test
  void aSilentTargetTimesOutWhichIsNotAFailedAnswer() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      SipOptionsProbe probe =
          SipOptionsProbe.of(
              spec(Duration.ofMillis(300)),
              endpoint,
              new SipTarget("127.0.0.1", silent.getLocalPort(), "udp"));

      SensorReading reading = probe.read();

      // silence: TIMEOUT, which the health monitor judges over a longer window than a FAIL
      assertThat(reading.status()).isEqualTo(SensorStatus.TIMEOUT);
      assertThat(reading.value()).isNaN();
      assertThat(reading.detail()).contains("no answer").contains("300 ms");
    }
  }

  @Test
  void anEndpointAnswersOptionsItselfSoCarriersSeeALiveContact() {
    try (SipEndpoint other = SipEndpoint.open("127.0.0.1", 0)) {
      for (String transport : java.util.List.of("udp", "tcp")) {
        SensorReading reading =
            SipOptionsProbe.of(
                    spec(Duration.ofSeconds(2)),
                    endpoint,
                    new SipTarget(other.host(), other.port(), transport))
                .read();

        assertThat(reading.detail()).startsWith("200 OK");
      }
    }
  }

  @Test
  void refusedTcpConnectionFails() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    SipOptionsProbe probe =
        SipOptionsProbe.of(
            spec(Duration.ofSeconds(1)), endpoint, new SipTarget("127.0.0.1", closedPort, "tcp"));

    SensorReading reading = probe.read();

    assertThat(reading.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(reading.detail()).contains("OPTIONS");
  }
}
