package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fencing block of the fence-agent kinds (18.6): what each needs, and secrets kept apart. */
class FencingConfigTest {

  @Test
  void anIpmiFenceTakesItsPasswordAsASecretReference() {
    FencingConfig c =
        FencingConfig.builder()
            .kind("ipmi-power-off")
            .target("10.0.9.11")
            .secret(SecretRef.env("BMC_PASSWORD"))
            .params(Map.of("username", "tandem", "lanplus", "1"))
            .build();
    assertThat(c.secret()).contains(SecretRef.env("BMC_PASSWORD"));
    assertThat(c.toString()).doesNotContain("reveal");
  }

  @Test
  void aPowerOutletNeedsItsAgentAndPlugAndNoSecretInItsParams() {
    assertThatThrownBy(
            () ->
                FencingConfig.builder()
                    .kind("power-outlet")
                    .target("10.1.9.1")
                    .params(Map.of("community", "private", "timeout", "soon"))
                    .build())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("params.agent")
        .hasMessageContaining("params.plug")
        .hasMessageContaining("params.community")
        .hasMessageContaining("fencing.secret")
        .hasMessageContaining("params.timeout");
  }

  @Test
  void otherKindsAreLeftToTheirAdapters() {
    FencingConfig c = FencingConfig.builder().kind("aws-ec2-stop").target("i-0123").build();
    assertThat(c.secret()).isEmpty();
    assertThat(c.enabled()).isTrue();
  }
}
