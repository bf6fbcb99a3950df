package io.tandem.onprem.pbx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.onprem.esl.EslSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One settings builder for both PBXs; the product prefixes every message. */
class PbxSettingsTest {

  @Test
  void amiReadsTheSecretFromAFileAndHidesIt(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("ami.secret");
    Files.writeString(secret, "t0p-secret\n");

    AmiSettings s =
        AmiSettings.of(
            AmiSettings.builder().host("10.0.10.5").user("tandem").secretFromFile(secret).build());

    assertThat(s.access().secret()).isEqualTo("t0p-secret");
    assertThat(s.access().port()).isEqualTo(5038);
    assertThat(s.access().keepAlive()).isEqualTo(PbxAccess.DEFAULT_KEEP_ALIVE);
    assertThat(s.access().loginBackoff()).isEqualTo(PbxAccess.DEFAULT_LOGIN_BACKOFF);
    assertThat(s.acceptVariable()).isEqualTo("TANDEM_ACCEPT_CALLS");
    assertThat(s.toString()).doesNotContain("t0p-secret").contains("secret=***");
  }

  @Test
  void errorsNameTheProductAndTheField() {
    assertThatThrownBy(() -> AmiSettings.of(AmiSettings.builder().host("h").secret("x").build()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("ami: username: missing");
    assertThatThrownBy(
            () -> AmiSettings.builder().host("h").user("u").secret("x").port(70000).build())
        .hasMessage("ami: port: expected 1..65535, got 70000");
    assertThatThrownBy(
            () -> AmiSettings.builder().host("h").user("u").secretFromEnv("TANDEM_TEST_UNSET_VAR"))
        .hasMessage("ami: secret: environment variable TANDEM_TEST_UNSET_VAR is not set");
    assertThatThrownBy(() -> EslSettings.builder().host("h").build())
        .hasMessage("esl: secret: missing (use secretFromEnv/File)");
  }

  @Test
  void eslDefaultsAndValidation() {
    EslSettings s = EslSettings.of(EslSettings.builder().host("10.0.10.6").secret("pw").build());

    assertThat(s.access().port()).isEqualTo(8021);
    assertThat(s.profile()).isEqualTo("external");
    assertThat(s.toString()).doesNotContain("pw,").contains("secret=***");
    assertThatThrownBy(() -> s.withProfile("a b"))
        .hasMessageContaining("esl: profile: expected a Sofia profile name");
    assertThatThrownBy(
            () ->
                EslSettings.of(EslSettings.builder().host("h").user("tandem").secret("pw").build()))
        .hasMessageContaining("esl: user: expected user@domain");
  }
}
