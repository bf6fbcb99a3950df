package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.witness.HttpWitness;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** A witness that cannot be asked makes the external probe a failed reading, with the reason. */
class WitnessVantageProbeTest {

  @Test
  void anUnreachableWitnessIsAFailedReadingNotAnException() {
    var witness =
        new HttpWitness(
            HttpClient.newHttpClient(),
            URI.create("http://127.0.0.1:9"),
            "site-a",
            () -> "secret",
            Duration.ofSeconds(1),
            JsonMapper.shared());
    var probe =
        new WitnessVantageProbe(
            new SensorSpec(
                "sip-external",
                "sip-options-external",
                true,
                1,
                Duration.ofSeconds(10),
                Duration.ofSeconds(1)),
            witness,
            "c1",
            "203.0.113.10:5060",
            "udp",
            Clock.systemUTC());
    var reading = probe.read();
    assertThat(reading.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(reading.detail()).startsWith("witness could not probe 203.0.113.10:5060");
  }
}
