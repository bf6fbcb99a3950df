package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.config.DnsRecordConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.port.Fencer;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.witness.FencingToken;
import io.tandem.core.witness.Witness;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider seam: the assembly asks {@link AgentAssembly.Options#providers()} for every adapter
 * while it is built (never on first use), and the topologies, plans and runs use exactly what the
 * seam returned — so the lab and tests that plug simulated providers in run the production
 * assembly.
 */
class ProviderSeamTest {

  @TempDir Path dir;

  /** Production adapters, with every request written down. */
  static final class Recording implements Providers {
    final List<String> asked = new CopyOnWriteArrayList<>();
    final AtomicReference<Providers.Context> context = new AtomicReference<>();
    DnsUpdater dnsOverride;

    @Override
    public Adapters open(Context c) {
      context.set(c);
      Adapters sdk = Providers.sdk().open(c);
      return new Adapters() {
        @Override
        public Witness witness() {
          asked.add("witness");
          return sdk.witness();
        }

        @Override
        public PbxControl pbx(SiteConfig site) {
          asked.add("pbx:" + site.name());
          return sdk.pbx(site);
        }

        @Override
        public Optional<TrunkRegistrar> trunks() {
          asked.add("trunks");
          return sdk.trunks();
        }

        @Override
        public AddressMover address(SiteConfig site, ServiceAddress address) {
          asked.add("address:" + site.name() + ":" + address.name());
          return sdk.address(site, address);
        }

        @Override
        public DnsUpdater dns(DnsRecordConfig record) {
          asked.add("dns:" + record.name());
          return dnsOverride != null ? dnsOverride : sdk.dns(record);
        }

        @Override
        public Optional<Fencer> fencer(SiteConfig site) {
          asked.add("fencer:" + site.name());
          return sdk.fencer(site);
        }

        @Override
        public void close() {
          sdk.close();
        }
      };
    }
  }

  AgentAssembly assemble(String site, Providers providers) {
    SecretResolver secrets = SecretResolver.of(AgentAssemblyTest.ENV);
    return AgentAssembly.assemble(
        AgentAssemblyTest.config(secrets),
        site,
        new AgentAssembly.Options(
                dir.resolve(site),
                secrets,
                "peer-secret-0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8),
                "http",
                HttpClient.newHttpClient(),
                Clock.systemUTC(),
                System::nanoTime)
            .withProviders(providers));
  }

  @Test
  void everyAdapterIsBuiltWhileAssemblingAndNoneAfterwards() {
    Recording rec = new Recording();
    try (AgentAssembly a = assemble("alpha", rec)) {
      assertThat(rec.context.get().site()).isEqualTo("alpha");
      assertThat(rec.context.get().config().name()).isEqualTo("pbx-loopback");
      assertThat(rec.asked)
          .contains(
              "witness",
              "pbx:alpha",
              "trunks",
              "dns:sip.tandem.test.",
              "fencer:alpha",
              "fencer:beta");
      List<String> atAssembly = List.copyOf(rec.asked);

      // what an activation or a plan uses was built already: nothing new is asked for
      a.topology("beta", "alpha");
      a.topology("alpha", "beta");
      assertThat(rec.asked).isEqualTo(atAssembly);
    }
  }

  @Test
  void topologiesUseWhatTheSeamReturned() {
    DnsUpdater simulated =
        new DnsUpdater() {
          @Override
          public String provider() {
            return "simulated-dns";
          }

          @Override
          public Optional<DnsRecord> observe(String zone, String name, String type) {
            return Optional.empty();
          }

          @Override
          public DnsRecord replace(
              Optional<DnsRecord> expected, DnsRecord desired, FencingToken token) {
            return desired;
          }

          @Override
          public boolean verify(DnsRecord desired) {
            return true;
          }
        };
    Recording rec = new Recording();
    rec.dnsOverride = simulated;
    try (AgentAssembly a = assemble("beta", rec)) {
      assertThat(a.topology("alpha", "beta").dnsRecords())
          .singleElement()
          .satisfies(d -> assertThat(d.updater()).isSameAs(simulated));
      assertThat((String) a.runtime().plan("beta", false, false))
          .contains("simulated-dns", "absent → 127.0.0.12 ttl 30");
    }
  }
}
