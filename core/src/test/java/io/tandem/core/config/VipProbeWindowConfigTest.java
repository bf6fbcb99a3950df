package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 17.1, the {@code fast} profile's site loss: a VIP entry's {@code duplicateProbeWindow}, how
 * long the duplicate-address probe from that site's host listens before the address is claimed
 * (NetworkManager's per-connection {@code ipv4.dad-timeout} is the same setting). Loaded from the
 * documented side-by-side example with the key added as docs/configuration.md shows it.
 */
class VipProbeWindowConfigTest {

  private static final String PBX_A_HOST = "interface: eth1\n        host: 10.0.0.11";

  @Test
  void aVipEntryTakesItsOwnWindow() throws Exception {
    ClusterConfig c = sideBySide(PBX_A_HOST + "\n        duplicateProbeWindow: 100ms");
    assertThat(windows(c)).containsExactly(Optional.of(Duration.ofMillis(100)), Optional.empty());
  }

  @Test
  void withoutTheKeyTheMoversDefaultApplies() throws Exception {
    assertThat(windows(sideBySide(PBX_A_HOST))).containsExactly(Optional.empty(), Optional.empty());
  }

  @Test
  void aWindowShorterThanAProcessStartOrLongerThanArpingsSecondIsRefused() throws Exception {
    for (String w : List.of("10ms", "2s")) {
      assertThatThrownBy(() -> sideBySide(PBX_A_HOST + "\n        duplicateProbeWindow: " + w))
          .isInstanceOf(InvalidConfigException.class)
          .hasMessageContaining("duplicateProbeWindow")
          .hasMessageContaining("expected 50ms to 1s");
    }
  }

  @Test
  void theKeyBelongsToVipEntriesOnly() throws Exception {
    String yaml =
        Files.readString(ExampleConfigsTest.EXAMPLES.resolve("side-by-side.yaml"))
            .replace("kind: builtin\n", "kind: builtin\n  duplicateProbeWindow: 100ms\n");
    assertThatThrownBy(() -> new ClusterConfigLoader().parse(yaml, "side-by-side.yaml"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("duplicateProbeWindow");
  }

  private static ClusterConfig sideBySide(String pbxA) throws Exception {
    String yaml =
        Files.readString(ExampleConfigsTest.EXAMPLES.resolve("side-by-side.yaml"))
            .replace(PBX_A_HOST, pbxA);
    assertThat(yaml).contains(pbxA);
    return new ClusterConfigLoader().parse(yaml, "side-by-side.yaml");
  }

  private static List<Optional<Duration>> windows(ClusterConfig c) {
    return c.sites().stream()
        .flatMap(s -> s.serviceAddresses().stream())
        .map(a -> ((ServiceAddress.VirtualIp) a).duplicateProbeWindow())
        .toList();
  }
}
