package io.tandem.core.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ResourceNotFoundException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A witness server serves only its configured clusters, each with its own sites and timings. */
class WitnessClustersTest {

  private static final Duration TTL = Duration.ofSeconds(10);
  private final BuiltInWitnessTest.ManualClock clock = new BuiltInWitnessTest.ManualClock();
  private final InMemoryWitnessStateStore store = new InMemoryWitnessStateStore();

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static SiteCredential cred(String s) {
    return SiteCredential.of(b(s));
  }

  private final BuiltInWitness witness =
      new BuiltInWitness(
          WitnessClusters.of(
              List.of(
                  new WitnessCluster(
                      "pbx-one",
                      WitnessSettings.builder().grace(Duration.ofSeconds(1)).build(),
                      SharedSecretAuthenticator.of(
                          Map.of(
                              "alpha", b("alpha-of-pbx-one-secret"),
                              "beta", b("beta-of-pbx-one-secret")))),
                  new WitnessCluster(
                      "pbx-two",
                      WitnessSettings.builder()
                          .grace(Duration.ofSeconds(5))
                          .maxTtl(Duration.ofSeconds(20))
                          .build(),
                      SharedSecretAuthenticator.of(
                          Map.of(
                              "alpha", b("alpha-of-pbx-two-secret"),
                              "beta", b("beta-of-pbx-two-secret")))))),
          clock,
          clock,
          store);

  @Test
  void anUnknownClusterIsNotServedNorPersistedNorEchoed() {
    String hostile = "x".repeat(300);
    assertThatThrownBy(
            () ->
                witness.acquire(
                    TicketRequest.acquire(hostile, "alpha", true, TTL),
                    cred("alpha-of-pbx-one-secret")))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessage("this witness does not serve that cluster");
    assertThatThrownBy(() -> witness.observe("pbx-three", "alpha", cred("alpha-of-pbx-one-secret")))
        .isInstanceOf(ResourceNotFoundException.class);
    assertThat(store.saves()).isZero();
  }

  @Test
  void aSitesCredentialIsValidForItsOwnClusterOnly() {
    TicketRequest alphaOnTwo = TicketRequest.acquire("pbx-two", "alpha", true, TTL);
    assertThatThrownBy(() -> witness.acquire(alphaOnTwo, cred("alpha-of-pbx-one-secret")))
        .isInstanceOf(PermissionException.class);
    assertThatThrownBy(
            () ->
                witness.acquire(
                    TicketRequest.acquire("pbx-one", "gamma", true, TTL),
                    cred("alpha-of-pbx-one-secret")))
        .as("a site the cluster does not have")
        .isInstanceOf(PermissionException.class);
    assertThat(witness.acquire(alphaOnTwo, cred("alpha-of-pbx-two-secret")).granted()).isTrue();
  }

  @Test
  void eachClusterHasItsOwnGraceAndTtlLimit() {
    witness.acquire(
        TicketRequest.acquire("pbx-one", "alpha", true, TTL), cred("alpha-of-pbx-one-secret"));
    TicketResult two =
        witness.acquire(
            TicketRequest.acquire("pbx-two", "alpha", true, Duration.ofSeconds(30)),
            cred("alpha-of-pbx-two-secret"));
    assertThat(two.ticket().ttl()).isEqualTo(Duration.ofSeconds(20));
    clock.advance(20 + 1.1); // pbx-one: 10 s + 1 s grace long over; pbx-two: 20 s + 5 s not yet
    assertThat(
            witness
                .acquire(
                    TicketRequest.acquire("pbx-one", "beta", true, TTL),
                    cred("beta-of-pbx-one-secret"))
                .granted())
        .isTrue();
    assertThat(
            witness
                .acquire(
                    TicketRequest.acquire("pbx-two", "beta", true, TTL),
                    cred("beta-of-pbx-two-secret"))
                .granted())
        .isFalse();
  }

  @Test
  void namesAreDnsLabels() {
    assertThat(WitnessCluster.validName("pbx-prod")).isTrue();
    assertThat(WitnessCluster.validName("a".repeat(63))).isTrue();
    assertThat(WitnessCluster.validName("a".repeat(64))).isFalse();
    assertThat(WitnessCluster.validName("pbx\u202Eprod")).as("right-to-left override").isFalse();
    assertThat(WitnessCluster.validName("Pbx")).isFalse();
    assertThat(WitnessCluster.validName("-pbx")).isFalse();
    assertThat(WitnessCluster.validName("../etc")).isFalse();
    assertThat(WitnessCluster.validName("")).isFalse();
    assertThat(WitnessCluster.validName(null)).isFalse();
  }
}
