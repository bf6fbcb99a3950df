package io.tandem.onprem.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.peer.KamailioPeer;
import io.tandem.testkit.Kamailio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.SimpleResolver;

/**
 * Measures (prints and writes {@code target/bench/sip.json}; asserts no timings): trunk
 * re-registration against Kamailio as a failover does it — a fresh registrar on the new site
 * (digest challenge included) registers its contact, then removes the old site's — median of 20;
 * and the OPTIONS probe's round-trip time over UDP and TCP, median of 50.
 */
@Kamailio
class SipBenchTest {

  private static final int FAILOVERS = 20;
  private static final int PROBES = 50;

  @Test
  void measureReRegistrationAndOptionsRtt(KamailioPeer kamailio) throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    List<Double> registerMs = new ArrayList<>();
    List<Double> failoverMs = new ArrayList<>();
    List<Double> udpRtt = new ArrayList<>();
    List<Double> tcpRtt = new ArrayList<>();
    String aor = "sip:trunk1@" + kamailio.domain();
    kamailio.clearLocation(aor);
    try (SipEndpoint endpoint = SipEndpoint.open("127.0.0.1", 0)) {
      SipTrunk trunk =
          SipTrunk.builder("bench")
              .domain(kamailio.domain())
              .registrar(kamailio.host() + ":" + kamailio.sipPort())
              .transport("udp")
              .user("trunk1")
              .password(kamailio.users().get("trunk1"))
              .build();
      String previous = null;
      for (int i = 0; i <= FAILOVERS; i++) {
        String contact = "198.51.100." + (100 + i % 2) + ":" + (5060 + i);
        try (SipTrunkRegistrar site =
            new SipTrunkRegistrar(
                endpoint,
                List.of(trunk),
                new RegistrarLocator(new SimpleResolver("127.0.0.1")),
                Clock.systemUTC(),
                scheduler,
                token -> true)) {
          long start = System.nanoTime();
          site.register("bench", contact, new FencingToken("bench", "site", i + 1));
          long registered = System.nanoTime();
          if (previous != null) {
            site.unregister("bench", previous);
          }
          long done = System.nanoTime();
          if (i > 0) { // the first round only seeds site A's binding (and warms the JIT)
            registerMs.add((registered - start) / 1e6);
            failoverMs.add((done - start) / 1e6);
          }
        }
        previous = contact;
      }
      assertThat(kamailio.contacts(aor)).singleElement().asString().contains(previous);

      SensorSpec spec =
          new SensorSpec(
              "bench", "sip-options", false, 1, Duration.ofSeconds(1), Duration.ofSeconds(2));
      for (String transport : List.of("udp", "tcp")) {
        SipOptionsProbe probe =
            SipOptionsProbe.of(
                spec, endpoint, new SipTarget(kamailio.host(), kamailio.sipPort(), transport));
        probe.read(); // warm-up (TCP connect)
        for (int i = 0; i < PROBES; i++) {
          SensorReading r = probe.read();
          assertThat(r.status().good()).isTrue();
          (transport.equals("udp") ? udpRtt : tcpRtt).add(r.value());
        }
      }
    } finally {
      scheduler.shutdownNow();
    }
    String json =
        String.format(
            Locale.ROOT,
            "{\"peer\":\"kamailio 5.6 on 127.0.0.1\",\"failovers\":%d,"
                + "\"register_with_challenge_ms_median\":%.2f,"
                + "\"reregistration_register_plus_unregister_old_ms_median\":%.2f,"
                + "\"reregistration_ms_max\":%.2f,\"options_probes\":%d,"
                + "\"options_rtt_udp_ms_median\":%.3f,\"options_rtt_tcp_ms_median\":%.3f}%n",
            FAILOVERS,
            median(registerMs),
            median(failoverMs),
            failoverMs.stream().mapToDouble(d -> d).max().orElse(Double.NaN),
            PROBES,
            median(udpRtt),
            median(tcpRtt));
    System.out.print("SIP bench: " + json);
    write(json);
    // What this bench asserts is above: after every failover the registrar holds only the new
    // contact, and every OPTIONS probe was answered; the figures are reported, not asserted.
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static void write(String json) throws IOException {
    Path dir = Path.of("target", "bench");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("sip.json"), json);
  }
}
