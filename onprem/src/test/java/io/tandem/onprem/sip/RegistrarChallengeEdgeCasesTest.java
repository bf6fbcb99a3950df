package io.tandem.onprem.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tandem.core.port.TrunkBinding;
import io.tandem.core.witness.FencingToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.SimpleResolver;

/**
 * What Kamailio's test registrar cannot be made to do (and a registrar that misbehaves): a 407
 * offering MD5 and SHA-256 (the answer must pick SHA-256 with qop=auth, cnonce, nc and the opaque),
 * then 423 Interval Too Brief (the retry must ask for Min-Expires). The registrar is SIPp running
 * {@code registrar-407-423.xml}; its regular-expression checks fail the scenario (non-zero exit) if
 * Tandem's requests are wrong. The testkit's {@code @Sipp} peer only answers 200, so this test
 * starts SIPp itself.
 */
class RegistrarChallengeEdgeCasesTest {

  @Test
  void answersTheStrongestProxyChallengeAndRetriesWithMinExpires(@TempDir Path dir)
      throws Exception {
    Path scenario = dir.resolve("registrar-407-423.xml");
    try (InputStream in = getClass().getResourceAsStream("registrar-407-423.xml")) {
      Files.copy(in, scenario);
    }
    int port = freeUdpPort();
    Process sipp = startSipp(scenario, port, dir);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), java.time.ZoneOffset.UTC);
    try (SipEndpoint endpoint = SipEndpoint.open("127.0.0.1", 0);
        SipTrunkRegistrar registrar =
            new SipTrunkRegistrar(
                endpoint,
                List.of(
                    SipTrunk.builder("carrier-x")
                        .domain("carrier.test")
                        .registrar("127.0.0.1:" + port)
                        .user("pbx")
                        .password("pw")
                        .expires(Duration.ofSeconds(60))
                        .build()),
                new RegistrarLocator(new SimpleResolver("127.0.0.1")),
                clock,
                scheduler,
                token -> true)) {
      TrunkBinding binding;
      try {
        binding =
            registrar.register("carrier-x", "198.51.100.70:5060", new FencingToken("c", "b", 1));
      } catch (RuntimeException e) {
        sipp.destroy();
        sipp.waitFor(5, TimeUnit.SECONDS);
        throw new AssertionError(
            "register failed; SIPp log:\n" + Files.readString(dir.resolve("sipp.log")), e);
      }

      assertThat(binding.contacts()).singleElement().asString().contains("198.51.100.70:5060");
      assertThat(binding.expiresAt()).contains(clock.instant().plusSeconds(300));
    } finally {
      scheduler.shutdownNow();
    }
    if (!sipp.waitFor(10, TimeUnit.SECONDS)) {
      sipp.destroy();
      fail("SIPp did not finish its one-call scenario");
    }
    assertThat(sipp.exitValue())
        .as("SIPp scenario checks, log: %s", Files.readString(dir.resolve("sipp.log")))
        .isZero();
  }

  @Test
  void a200WithoutOurContactIsAConflictNotASuccess(@TempDir Path dir) throws Exception {
    Path scenario = dir.resolve("registrar-forgets-contact.xml");
    try (InputStream in = getClass().getResourceAsStream("registrar-forgets-contact.xml")) {
      Files.copy(in, scenario);
    }
    int port = freeUdpPort();
    Process sipp = startSipp(scenario, port, dir);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (SipEndpoint endpoint = SipEndpoint.open("127.0.0.1", 0);
        SipTrunkRegistrar registrar =
            new SipTrunkRegistrar(
                endpoint,
                List.of(
                    SipTrunk.builder("carrier-y")
                        .domain("carrier.test")
                        .registrar("127.0.0.1:" + port)
                        .user("pbx")
                        .password("pw")
                        .build()),
                new RegistrarLocator(new SimpleResolver("127.0.0.1")),
                Clock.systemUTC(),
                scheduler,
                token -> true)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  registrar.register(
                      "carrier-y", "198.51.100.71:5060", new FencingToken("c", "b", 1)))
          .isInstanceOf(io.tandem.core.error.ConflictException.class)
          .hasMessageContaining("does not list sip:pbx@198.51.100.71:5060");
    } finally {
      scheduler.shutdownNow();
      if (!sipp.waitFor(10, TimeUnit.SECONDS)) {
        sipp.destroy();
      }
    }
  }

  private static Process startSipp(Path scenario, int port, Path dir) throws IOException {
    try {
      return new ProcessBuilder(
              "sipp",
              "-sf",
              scenario.toString(),
              "-i",
              "127.0.0.1",
              "-p",
              String.valueOf(port),
              "-t",
              "u1",
              "-m",
              "1",
              "-nostdin",
              "-timeout",
              "20s")
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("sipp.log").toFile())
          .start();
    } catch (IOException e) {
      throw new IOException(
          "sipp is not installed: apt-get install -y --no-install-recommends sip-tester", e);
    }
  }

  private static int freeUdpPort() throws IOException {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      return s.getLocalPort();
    }
  }
}
