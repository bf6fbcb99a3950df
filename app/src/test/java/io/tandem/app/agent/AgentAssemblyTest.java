package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.api.ClusterStatus;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.error.ConfigException;
import io.tandem.core.runbook.standard.FailoverTopology;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds a whole agent from {@code docs/examples/loopback.yaml} without starting it: nothing is
 * contacted (clients connect on first use); only the SIP endpoint binds on 127.0.0.1.
 */
class AgentAssemblyTest {

  static final Path EXAMPLE =
      Path.of("..").toAbsolutePath().normalize().resolve("docs/examples/loopback.yaml");
  static final Map<String, String> ENV =
      Map.of(
          "AMI_SECRET",
          "ami-secret-value",
          "TANDEM_TSIG_SECRET",
          "c2VjcmV0LXRzaWcta2V5LWZvci10ZXN0cw==",
          "CARRIER_PASSWORD",
          "carrier-password",
          "TANDEM_WITNESS_SECRET_ALPHA",
          "alpha-witness-secret-0123",
          "TANDEM_WITNESS_SECRET_BETA",
          "beta-witness-secret-01234");

  @TempDir Path dir;

  static ClusterConfig config(SecretResolver secrets) {
    ConfigValidation.Result r = new ConfigValidation().validate(EXAMPLE, Optional.of(secrets));
    assertThat(r.problems()).isEmpty();
    return r.config().orElseThrow();
  }

  AgentAssembly assemble(String site, SecretResolver secrets) {
    return AgentAssembly.assemble(
        config(secrets),
        site,
        new AgentAssembly.Options(
            dir.resolve(site),
            secrets,
            "peer-secret-0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8),
            "http",
            HttpClient.newHttpClient(),
            Clock.systemUTC(),
            System::nanoTime));
  }

  @Test
  void mapsTheConfigurationOntoTheLoopTheTopologyAndTheRuntime() {
    try (AgentAssembly a = assemble("alpha", SecretResolver.of(ENV))) {
      var s = a.settings();
      assertThat(s.cluster()).isEqualTo("pbx-loopback");
      assertThat(s.site()).isEqualTo("alpha");
      assertThat(s.priority()).isEqualTo(1);
      assertThat(s.peers()).isEqualTo(Set.of("beta"));
      assertThat(s.tick()).isEqualTo(Duration.ofMillis(500));
      assertThat(s.ticketTtl()).isEqualTo(Duration.ofSeconds(6));
      assertThat(s.retryTimeout()).isEqualTo(Duration.ofSeconds(1));
      // the default: three ticks, at most a third of the TTL (ADR 0007)
      assertThat(s.renewInterval()).isEqualTo(Duration.ofMillis(1500));

      FailoverTopology t = a.topology("beta", "alpha");
      assertThat(t.fromSite()).isEqualTo("beta");
      assertThat(t.toSite()).isEqualTo("alpha");
      assertThat(t.dnsRecords())
          .singleElement()
          .satisfies(
              d -> {
                assertThat(d.updater().provider()).isEqualTo("rfc2136");
                assertThat(d.desired().name()).isEqualTo("sip.tandem.test.");
                assertThat(d.desired().values()).containsExactly("127.0.0.11");
              });
      assertThat(t.trunks())
          .singleElement()
          .satisfies(
              m -> {
                assertThat(m.trunk()).isEqualTo("carrier");
                assertThat(m.newContact()).isEqualTo("sip:1000@127.0.0.1:5060");
                assertThat(m.oldContact()).contains("sip:1000@127.0.0.1:5062");
              });
      assertThat(t.newPbx()).isPresent();
      assertThat(t.addresses()).isEmpty();
      assertThat(a.topology("alpha", "beta").dnsRecords().getFirst().desired().values())
          .containsExactly("127.0.0.12");

      assertThat(a.health().snapshot().total()).isEqualTo(3);

      ClusterStatus st = a.runtime().status();
      assertThat(st.cluster()).isEqualTo("pbx-loopback");
      assertThat(st.lab()).isFalse();
      assertThat(st.activeSite()).isNull();
      assertThat(st.sites()).extracting(v -> v.name()).containsExactly("alpha", "beta");
      assertThat(st.sites().get(1).state()).isEqualTo("UNREACHABLE");
      assertThat(st.sites().get(1).reachable()).isFalse();
      assertThat(a.runtime().runs()).isEmpty();
      assertThat(a.runtime().decisions(10)).isEmpty();
    }
  }

  @Test
  void commandsAreMappedAndOnlyTheAppsAcknowledgementForcesAnAcquire() {
    try (AgentAssembly a = assemble("beta", SecretResolver.of(ENV))) {
      AgentRuntime r = a.runtime();
      assertThat(r.forceAcquire("beta", "yes").accepted()).isFalse();
      assertThat(r.forceAcquire("alpha", ClusterRuntime.FORCE_ACKNOWLEDGEMENT).message())
          .contains("alpha's agent");
      assertThat(r.forceAcquire("beta", ClusterRuntime.FORCE_ACKNOWLEDGEMENT).accepted()).isTrue();
      assertThat(r.switchover("alpha").message()).contains("active site's agent");
      assertThat(r.switchover("nowhere").message()).contains("no site named 'nowhere'");
      assertThat(r.maintenance("beta", true).accepted()).isTrue();
      assertThat(r.maintenance("alpha", true).accepted()).isFalse();
      assertThat(r.approveGate("run-1").accepted()).isFalse();
    }
  }

  @Test
  void aMissingSecretOrUnknownSiteIsAConfigErrorNamingIt() {
    assertThatThrownBy(() -> assemble("gamma", SecretResolver.of(ENV)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--site: expected one of [alpha, beta], found 'gamma'");

    Map<String, String> noAmi = new java.util.HashMap<>(ENV);
    noAmi.remove("AMI_SECRET");
    assertThatThrownBy(
            () ->
                AgentAssembly.assemble(
                    config(SecretResolver.of(ENV)),
                    "alpha",
                    new AgentAssembly.Options(
                        dir,
                        SecretResolver.of(noAmi),
                        "peer-secret-0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8),
                        "http",
                        HttpClient.newHttpClient(),
                        Clock.systemUTC(),
                        System::nanoTime)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("secret ${env:AMI_SECRET}: environment variable AMI_SECRET is not set");
  }
}
