package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.exception.ClientAuthenticationException;
import io.tandem.azure.stub.ArmStub;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import io.tandem.core.witness.FencingToken;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** How ARM failures surface: categories that decide the caller's safe action. */
class ArmFailureTest {

  private ArmStub arm;

  @BeforeEach
  void start() {
    arm = ArmStub.start();
    arm.publicIp("pip-sip", "203.0.113.10");
  }

  @AfterEach
  void stop() {
    arm.close();
  }

  @Test
  void rejectedCredentialsArePermissionErrors() {
    AzureClients wrongToken =
        AzureClients.builder(arm.settings().build())
            .credential(
                r -> Mono.just(new AccessToken("expired", OffsetDateTime.now().plusHours(1))))
            .httpClient(arm.clients(new ArmCallCounter()).pipeline().getHttpClient())
            .build();

    assertThatThrownBy(() -> new AzurePublicIpMover(wrongToken).observe("pip-sip"))
        .isInstanceOf(PermissionException.class)
        .hasMessageContaining("401");
  }

  @Test
  void aCredentialThatCannotGetATokenIsAPermissionErrorNotHttp0() {
    ArmCallCounter calls = new ArmCallCounter();
    AzureClients noToken =
        AzureClients.builder(arm.settings().build())
            .credential(
                r ->
                    Mono.error(
                        new ClientAuthenticationException(
                            "ManagedIdentityCredential authentication unavailable. No Managed"
                                + " Identity endpoint found.",
                            null)))
            .httpClient(ArmStub.trustingHttpClient())
            .addPolicy(calls)
            .build();

    assertThatThrownBy(() -> new AzurePublicIpMover(noToken).observe("pip-sip"))
        .isInstanceOfSatisfying(
            PermissionException.class,
            e -> assertThat(e.category()).isEqualTo(TandemException.Category.PERMISSION))
        .hasMessageContaining("could not get a token")
        .hasMessageContaining("No Managed Identity endpoint")
        .hasMessageNotContaining("HTTP 0");
    assertThat(arm.requests()).isEmpty(); // nothing reached ARM
  }

  @Test
  void aLongRunningOperationThatNeverEndsIsTransientAfterTheOperationTimeout() {
    arm.lroPolls(1_000_000);
    String standby = arm.nic("nic-pbx-b", "10.1.0.5", null);
    String pip = arm.group() + "/providers/Microsoft.Network/publicIPAddresses/pip-sip";
    AzureClients impatient =
        AzureClients.builder(arm.settings().operationTimeout(Duration.ofSeconds(1)).build())
            .credential(ArmStub.staticToken())
            .httpClient(ArmStub.trustingHttpClient())
            .build();

    assertThatThrownBy(
            () ->
                new AzurePublicIpMover(impatient)
                    .move(pip, standby, new FencingToken("sip-cluster", "azure-b", 3)))
        .isInstanceOfSatisfying(
            TransientException.class,
            e -> assertThat(e.category().safeAction()).isEqualTo("retry with backoff"))
        .hasMessageContaining("did not finish within PT1S");
  }

  @Test
  void aMissingResourceIsNotFound() {
    assertThatThrownBy(
            () -> new AzurePublicIpMover(arm.clients(new ArmCallCounter())).observe("pip-gone"))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("pip-gone");
  }

  @Test
  void persistentThrottlingEndsAsTransientAfterTheRetries() {
    for (int i = 0; i < 3; i++) {
      arm.failOnce(
          "GET", ".*/publicIPAddresses/pip-sip", 429, "TooManyRequests", "Slow down.", "0");
    }
    ArmCallCounter calls = new ArmCallCounter();
    AzureClients oneRetry =
        AzureClients.builder(arm.settings().maxRetries(1).build())
            .credential(ArmStub.staticToken())
            .httpClient(arm.clients(new ArmCallCounter()).pipeline().getHttpClient())
            .addPolicy(calls)
            .build();

    assertThatThrownBy(() -> new AzurePublicIpMover(oneRetry).observe("pip-sip"))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("429");
    assertThat(calls.total()).isEqualTo(2);
  }

  @Test
  void aSlowAnswerTimesOutAsTransient() {
    arm.slowOnce("GET", ".*/publicIPAddresses/pip-sip", 3_000);
    AzureClients impatient =
        AzureClients.builder(arm.settings().maxRetries(0).build())
            .credential(ArmStub.staticToken())
            .httpClient(ArmStub.trustingHttpClient(Duration.ofMillis(500)))
            .build();

    assertThatThrownBy(() -> new AzurePublicIpMover(impatient).observe("pip-sip"))
        .isInstanceOf(TransientException.class);
  }

  @Test
  void aResourceInAnotherSubscriptionIsAConfigError() {
    assertThatThrownBy(
            () ->
                new AzurePublicIpMover(arm.clients(new ArmCallCounter()))
                    .observe(
                        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1"
                            + "/providers/Microsoft.Network/publicIPAddresses/test-ip"))
        .isInstanceOf(ConfigException.class);
    // The move target is checked the same way, before anything is changed.
    assertThatThrownBy(
            () ->
                new AzurePublicIpMover(arm.clients(new ArmCallCounter()))
                    .move(
                        "pip-sip",
                        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1"
                            + "/providers/Microsoft.Network/networkInterfaces/nic-b"
                            + "/ipConfigurations/ipconfig1",
                        new FencingToken("sip-cluster", "azure-b", 2)))
        .isInstanceOf(ConfigException.class);
    assertThat(arm.requests()).allMatch(r -> r.getMethod().getName().equals("GET"));
  }
}
