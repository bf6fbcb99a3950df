package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.port.AddressMover;
import io.tandem.onprem.vip.LinuxVipMover;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * The provider context pbx-a's agent builds from the documented side-by-side example
 * (docs/examples/side-by-side.yaml), for tests of its VIP mover through the production {@link
 * ProviderAdapters}: no SIP endpoint, every ticket valid.
 */
final class SideBySideProviders {

  private SideBySideProviders() {}

  static Providers.Context pbxA(ClusterConfig config, Path dataDir) {
    return new Providers.Context(
        config,
        "pbx-a",
        SecretResolver.of(Map.of("AMI_SECRET", "unused")),
        HttpClient.newHttpClient(),
        Clock.systemUTC(),
        System::nanoTime,
        dataDir,
        () -> {
          throw new AssertionError("no SIP endpoint in this test");
        },
        token -> true);
  }

  /** The mover pbx-a's agent builds for its (only) VIP entry. */
  static LinuxVipMover vipMover(ClusterConfig config, ProviderAdapters providers) {
    SiteConfig a = config.sites().get(0);
    AddressMover m = providers.address(a, a.serviceAddresses().get(0));
    assertThat(m).isInstanceOf(LinuxVipMover.class);
    return (LinuxVipMover) m;
  }
}
