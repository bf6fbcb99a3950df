package io.tandem.onprem.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import io.tandem.onprem.esl.EslSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PbxSettingsTest {

  @Test
  void amiBuilderReadsTheSecretFromAFileAndHidesIt(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("ami.secret");
    Files.writeString(secret, "t0p-secret\n");

    AmiSettings s =
        AmiSettings.builder().host("10.0.10.5").username("tandem").secretFromFile(secret).build();

    assertThat(s.secret()).isEqualTo("t0p-secret");
    assertThat(s.port()).isEqualTo(5038);
    assertThat(s.acceptVariable()).isEqualTo("TANDEM_ACCEPT_CALLS");
    assertThat(s.toString()).doesNotContain("t0p-secret");
  }

  @Test
  void amiErrorsNameTheField() {
    assertThatThrownBy(() -> AmiSettings.builder().host("h").secret("x").build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("ami: username: missing");
    assertThatThrownBy(
            () -> AmiSettings.builder().host("h").username("u").secret("x").port(70000).build())
        .hasMessage("ami: port: expected 1..65535, got 70000");
    assertThatThrownBy(
            () ->
                AmiSettings.builder()
                    .host("h")
                    .username("u")
                    .secretFromEnv("TANDEM_TEST_UNSET_VAR"))
        .hasMessage("ami: secret: environment variable TANDEM_TEST_UNSET_VAR is not set");
  }

  @Test
  void eslBuilderDefaultsAndValidation() {
    EslSettings s = EslSettings.builder().host("10.0.10.6").password("pw").build();

    assertThat(s.port()).isEqualTo(8021);
    assertThat(s.profile()).isEqualTo("external");
    assertThat(s.toString()).doesNotContain("pw,").contains("password=***");
    assertThatThrownBy(() -> EslSettings.builder().host("h").password("p").profile("a b").build())
        .hasMessageContaining("esl: profile: expected a Sofia profile name");
  }
}
