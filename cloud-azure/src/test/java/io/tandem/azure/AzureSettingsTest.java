package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AzureSettingsTest {

  private static AzureSettings.Builder valid() {
    return AzureSettings.builder()
        .subscriptionId("3f2a8c1e-5b7d-4e90-a1c2-0d9e8f7a6b5c")
        .resourceGroup("rg-tandem-dr");
  }

  @Test
  void defaultsPointAtPublicAzureWithBoundedCalls() {
    AzureSettings s = valid().build();

    assertThat(s.endpoint()).isEqualTo("https://management.azure.com");
    assertThat(s.tokenScope()).isEqualTo("https://management.azure.com/.default");
    assertThat(s.operationTimeout()).isPositive();
    assertThat(s.responseTimeout()).isPositive();
  }

  @Test
  void eachBadFieldIsNamed() {
    assertThatThrownBy(() -> valid().subscriptionId("my-sub").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("azure.subscriptionId");
    assertThatThrownBy(() -> valid().resourceGroup("bad/group").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("azure.resourceGroup");
    assertThatThrownBy(
            () -> valid().resourceManagerEndpoint(URI.create("http://127.0.0.1:1/")).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("azure.resourceManagerEndpoint");
    assertThatThrownBy(() -> valid().operationTimeout(Duration.ZERO).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("azure.operationTimeout");
    assertThatThrownBy(() -> valid().maxRetries(99).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("azure.maxRetries");
  }

  @Test
  void clientsDescribeThemselvesWithoutSecrets() {
    AzureClients clients =
        AzureClients.builder(valid().build())
            .credential(io.tandem.azure.stub.ArmStub.staticToken())
            .build();

    assertThat(clients.toString()).contains("rg-tandem-dr").doesNotContain("test-token");
    assertThat(clients.profile().getEnvironment().getResourceManagerEndpoint())
        .isEqualTo("https://management.azure.com/");
  }

  @Test
  void anEndpointOverrideMakesACustomEnvironment() {
    AzureClients clients =
        AzureClients.builder(
                valid().resourceManagerEndpoint(URI.create("https://127.0.0.1:8443/")).build())
            .credential(io.tandem.azure.stub.ArmStub.staticToken())
            .build();

    assertThat(clients.profile().getEnvironment().getResourceManagerEndpoint())
        .isEqualTo("https://127.0.0.1:8443/");
    assertThat(clients.profile().getSubscriptionId())
        .isEqualTo("3f2a8c1e-5b7d-4e90-a1c2-0d9e8f7a6b5c");
  }
}
