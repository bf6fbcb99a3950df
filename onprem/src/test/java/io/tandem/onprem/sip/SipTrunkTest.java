package io.tandem.onprem.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SipTrunkTest {

  @Test
  void defaultsAndSecretHiding(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("pw");
    Files.writeString(secret, "hunter2\n");

    SipTrunk t =
        SipTrunk.builder("carrier-1")
            .domain("carrier.test")
            .user("pbx")
            .passwordFromFile(secret)
            .build();

    assertThat(t.password()).isEqualTo("hunter2");
    assertThat(t.registrar()).isEqualTo("carrier.test");
    assertThat(t.authUser()).isEqualTo("pbx");
    assertThat(t.transport()).isEmpty();
    assertThat(t.expires()).isEqualTo(Duration.ofHours(1));
    assertThat(t.aor()).isEqualTo("sip:pbx@carrier.test");
    assertThat(t.toString()).doesNotContain("hunter2").contains("password=***");
  }

  @Test
  void errorsNameTheTrunkAndTheField() {
    assertThatThrownBy(() -> SipTrunk.builder("c1").user("u").password("p").build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("trunk c1: domain: must not be blank");
    assertThatThrownBy(
            () ->
                SipTrunk.builder("c1")
                    .domain("d")
                    .user("u")
                    .password("p")
                    .transport("sctp")
                    .build())
        .hasMessageContaining("trunk c1: transport: expected udp or tcp");
    assertThatThrownBy(
            () ->
                SipTrunk.builder("c1").domain("d").user("u").password("p").refreshRatio(1).build())
        .hasMessageContaining("refreshRatio");
    assertThatThrownBy(
            () -> SipTrunk.builder("c1").domain("d").user("u").passwordFromEnv("TANDEM_NOPE_X"))
        .hasMessageContaining("TANDEM_NOPE_X is not set");
  }

  @Test
  void targetParsing() {
    assertThat(SipTarget.parse("f", "[2001:db8::1]:5061", "TCP"))
        .isEqualTo(new SipTarget("2001:db8::1", 5061, "tcp"));
    assertThat(new SipTarget("2001:db8::1", 5061, "tcp").hostPort())
        .isEqualTo("[2001:db8::1]:5061");
    assertThatThrownBy(() -> SipTarget.parse("registrar", "nohost", "udp"))
        .hasMessageContaining("registrar: expected host:port");
  }
}
