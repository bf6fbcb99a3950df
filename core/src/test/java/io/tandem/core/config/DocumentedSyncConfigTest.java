package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every {@code yaml} block of docs/sync.md loads as written: the first is a whole {@code sync:}
 * part, the others are a job and a job's overrides, placed where the page says they go. The sites
 * are named as the page names them (office, cloud).
 */
class DocumentedSyncConfigTest {

  private static final Pattern BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

  private static List<String> blocks() throws Exception {
    Path root = Path.of(System.getProperty("tandem.projectRoot", ".."));
    Matcher m = BLOCK.matcher(Files.readString(root.resolve("docs/sync.md")));
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private static ClusterConfig load(String sync) throws Exception {
    String base =
        Files.readString(BrokenConfigsTest.DIR.resolve("valid-minimal.yaml"))
            .replace("alpha", "office")
            .replace("beta", "cloud");
    return new ClusterConfigLoader().parse(base + sync, "cluster.yaml");
  }

  @Test
  void everyYamlExampleOfTheSyncPageLoadsAsWritten() throws Exception {
    List<String> blocks = blocks();
    assertThat(blocks).hasSize(3);

    ClusterConfig jobs = load(blocks.get(0));
    SyncJobConfig etc = jobs.sync().getFirst();
    assertThat(etc.name()).isEqualTo("etc-asterisk");
    assertThat(etc.files().exclude()).containsExactly("*.swp", "*.local.conf");
    assertThat(etc.overrides()).hasSize(1);
    assertThat(SyncJobs.valuesFor(jobs, "cloud", etc))
        .as("publicAddress is the site's value of the first A record")
        .containsEntry("publicAddress", "192.0.2.2");

    assertThat(blocks.get(1)).startsWith("  - name: astdb");
    ClusterConfig astdb = load("sync:\n" + blocks.get(1));
    assertThat(((SyncSource.AstDb) astdb.sync().getFirst().source()).families())
        .containsExactly("CF", "CFB", "CFU", "DND", "blacklist");

    assertThat(blocks.get(2)).startsWith("    overrides:");
    ClusterConfig overrides =
        load(
            """
            sync:
              - name: etc-asterisk
                kind: files
                paths: [ /etc/asterisk ]
            """
                + blocks.get(2));
    SyncJobConfig job = overrides.sync().getFirst();
    assertThat(job.overrides()).hasSize(2);
    Map<String, String> cloud = SyncJobs.valuesFor(overrides, "cloud", job);
    assertThat(cloud).containsEntry("localNet", "10.8.0.0/16").containsEntry("site", "cloud");
  }
}
