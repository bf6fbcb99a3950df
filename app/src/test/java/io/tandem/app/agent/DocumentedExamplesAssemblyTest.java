package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.runbook.standard.FailoverTopology;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every documented design assembles for each of its sites without contacting anything: AWS (Elastic
 * IP, Route 53, EC2 fencing, DynamoDB witness), Azure (public IP, Azure DNS, VM fencing, blob-lease
 * witness), etcd and RFC 2136. Only what cannot exist here is changed in a copy: the management
 * addresses become loopback (the agent binds its SIP endpoint there) and file secrets become
 * variables. {@code side-by-side.yaml} is not listed: its sensors use parameters the sensor catalog
 * does not take ({@code tandem validate} warns about them).
 */
class DocumentedExamplesAssemblyTest {

  static final Path EXAMPLES = Path.of("..").toAbsolutePath().normalize().resolve("docs/examples");
  static final Pattern MANAGEMENT = Pattern.compile("managementAddress: \\S+");
  // valid base64 (TSIG) and long enough for every credential
  static final String ANY_SECRET = "c2VjcmV0LXRzaWcta2V5LWZvci10ZXN0cw==";

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"other-city.yaml", "onprem-aws-backup.yaml", "aws-azure.yaml"})
  void everySiteOfTheExampleAssemblesOffline(String example) throws IOException {
    Path copy = dir.resolve(example);
    Files.writeString(copy, offline(Files.readString(EXAMPLES.resolve(example))));
    SecretResolver secrets = new SecretResolver(name -> ANY_SECRET, dir);
    ConfigValidation.Result r = new ConfigValidation().validate(copy, Optional.of(secrets));
    assertThat(r.problems()).isEmpty();
    assertThat(r.warnings()).isEmpty();
    ClusterConfig c = r.config().orElseThrow();

    for (SiteConfig site : c.sites()) {
      String other =
          c.sites().stream()
              .map(SiteConfig::name)
              .filter(n -> !n.equals(site.name()))
              .findFirst()
              .orElseThrow();
      try (AgentAssembly a =
          AgentAssembly.assemble(
              c,
              site.name(),
              new AgentAssembly.Options(
                  dir.resolve(site.name()),
                  secrets,
                  ANY_SECRET.getBytes(StandardCharsets.UTF_8),
                  "https",
                  HttpClient.newHttpClient(),
                  Clock.systemUTC(),
                  System::nanoTime))) {
        FailoverTopology in = a.topology(other, site.name());
        assertThat(in.dnsRecords()).hasSize(c.dns().size());
        assertThat(in.trunks()).hasSize(c.trunks().size());
        assertThat(in.addresses()).hasSize(site.serviceAddresses().size());
        assertThat(in.newPbx()).isPresent();
        assertThat(a.topology(site.name(), other).toSite()).isEqualTo(other);
        assertThat(a.health().snapshot().total()).isEqualTo(site.sensors().size());
      }
    }
  }

  static String offline(String yaml) {
    Matcher m = MANAGEMENT.matcher(yaml);
    StringBuilder out = new StringBuilder();
    int port = 17480;
    while (m.find()) {
      m.appendReplacement(out, "managementAddress: 127.0.0.1:" + port++);
    }
    m.appendTail(out);
    return out.toString().replaceAll("\\$\\{file:[^}]+}", "\\${env:FILE_SECRET}");
  }
}
