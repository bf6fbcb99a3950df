package io.tandem.onprem.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.testkit.Sipp;
import io.tandem.testkit.SippPeer;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The OPTIONS probe against SIPp as a plain user-agent server, over UDP and TCP. */
@Sipp
class SipOptionsProbeSippTest {

  private static SensorReading probe(SippPeer sipp) {
    SensorSpec spec =
        new SensorSpec(
            "sip-options-sipp",
            "sip-options",
            true,
            1,
            Duration.ofSeconds(5),
            Duration.ofSeconds(2));
    try (SipEndpoint endpoint = SipEndpoint.open("127.0.0.1", 0)) {
      return SipOptionsProbe.of(
              spec, endpoint, new SipTarget(sipp.host(), sipp.port(), sipp.transport()))
          .read();
    }
  }

  @Test
  void answersOverUdp(SippPeer sipp) {
    SensorReading reading = probe(sipp);

    assertThat(reading.status().good()).isTrue();
    assertThat(reading.detail()).startsWith("200").contains("/udp");
    assertThat(reading.value()).isPositive();
  }

  @Nested
  @Sipp(transport = "tcp")
  class OverTcp {
    @Test
    void answersOverTcp(SippPeer sipp) {
      SensorReading reading = probe(sipp);

      assertThat(reading.status().good()).isTrue();
      assertThat(reading.detail()).startsWith("200").contains("/tcp");
    }
  }
}
