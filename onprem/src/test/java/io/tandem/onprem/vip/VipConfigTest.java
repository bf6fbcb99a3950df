package io.tandem.onprem.vip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class VipConfigTest {

  private static VipConfig.Builder valid() {
    return VipConfig.builder()
        .address("192.0.2.50")
        .host(LocalHostCommand.local("a"), "eth1")
        .host(LocalHostCommand.local("b"), "eth1")
        .stateFile(Path.of("vip.state"));
  }

  @Test
  void buildsAValidConfig() {
    assertThat(valid().build().hosts()).containsOnlyKeys("a", "b");
  }

  @Test
  void namesTheWrongField() {
    assertThatThrownBy(() -> valid().address("2001:db8::1").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vip.address");
    assertThatThrownBy(() -> valid().prefixLength(33).build())
        .hasMessageContaining("vip.prefixLength");
    assertThatThrownBy(() -> valid().host(LocalHostCommand.local("c"), "eth1; rm -rf /").build())
        .hasMessageContaining("vip.hosts.c.interface");
    assertThatThrownBy(() -> valid().commandTimeout(Duration.ZERO).build())
        .hasMessageContaining("vip.commandTimeout");
    assertThatThrownBy(
            () ->
                VipConfig.builder()
                    .address("192.0.2.50")
                    .host(LocalHostCommand.local("a"), "eth1")
                    .stateFile(Path.of("s"))
                    .build())
        .hasMessageContaining("vip.hosts");
  }

  @Test
  void aCommandThatOutlivesItsTimeoutIsKilledAndTransient() {
    LocalHostCommand local = LocalHostCommand.local("here");
    assertThat(local.run(List.of("sh", "-c", "echo hi; exit 3"), Duration.ofSeconds(5)))
        .satisfies(
            r -> {
              assertThat(r.exitCode()).isEqualTo(3);
              assertThat(r.stdout()).isEqualTo("hi\n");
            });
    assertThatThrownBy(() -> local.run(List.of("sleep", "5"), Duration.ofMillis(200)))
        .isInstanceOf(io.tandem.core.error.TransientException.class)
        .hasMessageContaining("did not finish");
  }
}
