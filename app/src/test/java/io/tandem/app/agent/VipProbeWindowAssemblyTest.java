package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ClusterConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.1, the {@code fast} profile's site loss: how long the VIP's duplicate probe listens, as
 * the agent's own {@link ProviderAdapters} assemble it from the documented side-by-side example
 * (docs/examples/side-by-side.yaml): 100 ms whatever the timings, unless the site's VIP entry says.
 * The probe's behaviour at that window, against real kernels, is {@code DuplicateProbeWindowTest}.
 */
class VipProbeWindowAssemblyTest {

  /** The {@code fast} profile exactly as docs/configuration.md shows it. */
  private static final String FAST =
      """
      timings:
        tick: 50ms
        ticketTtl: 500ms
        renewInterval: 100ms
        witnessGrace: 100ms
        driftMargin: 25ms
        retryTimeout: 100ms
        fenceLead: 100ms
      """;

  private static final Path EXAMPLE = Path.of("../docs/examples/side-by-side.yaml");

  @TempDir Path dir;

  @Test
  void atTheShippedDefaultsTheProbeListens100Ms() throws Exception {
    assertThat(window(load("", ""))).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void theExamplesOwnSlowerTimingsKeep100Ms() throws Exception {
    assertThat(window(new ClusterConfigLoader().load(EXAMPLE))).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void theFastProfileListens100Ms() throws Exception {
    assertThat(window(load(FAST, ""))).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void theSitesOwnVipEntryWins() throws Exception {
    assertThat(window(load(FAST, "\n        duplicateProbeWindow: 250ms")))
        .isEqualTo(Duration.ofMillis(250));
  }

  /**
   * The example with its {@code timings} block replaced by {@code timings} and {@code extra} added
   * to pbx-a's VIP entry.
   */
  private ClusterConfig load(String timings, String extra) throws Exception {
    String host = "interface: eth1\n        host: 10.0.0.11";
    String yaml =
        Files.readString(EXAMPLE)
            .replace(host, host + extra)
            .replaceFirst("(?s)\ntimings:\n.*?\n\n", "\n" + timings + "\n");
    assertThat(yaml).contains(host + extra).doesNotContain("ticketTtl: 6s");
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(file, yaml);
    return new ClusterConfigLoader().load(file);
  }

  /** The window of the VIP mover pbx-a's agent assembles. */
  private Duration window(ClusterConfig config) throws Exception {
    Files.createDirectories(dir.resolve("data"));
    try (ProviderAdapters providers =
        new ProviderAdapters(SideBySideProviders.pbxA(config, dir.resolve("data")))) {
      return SideBySideProviders.vipMover(config, providers).duplicateProbeWindow();
    }
  }
}
