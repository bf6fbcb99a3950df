package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code sync:} jobs load into typed configuration, and every mistake is located in the file. */
class SyncConfigTest {

  private final ClusterConfigLoader loader = new ClusterConfigLoader();

  private static String base() throws Exception {
    return Files.readString(BrokenConfigsTest.DIR.resolve("valid-minimal.yaml"));
  }

  /** The base file (36 lines) with {@code sync} appended; its first line is line 37. */
  private ClusterConfig load(String sync) throws Exception {
    return loader.parse(base() + sync, "cluster.yaml");
  }

  private List<String> problems(String sync) throws Exception {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> load(sync));
    assertThat(e).as("expected the file to be refused").isNotNull();
    return e.problems().stream()
        .map(p -> p.line() + ":" + p.column() + ": " + p.path() + ": " + p.expected())
        .toList();
  }

  @Test
  void aFilesJobWithOverridesAndReloadLoads() throws Exception {
    ClusterConfig c =
        load(
            """
            sync:
              - name: etc-asterisk
                kind: files
                paths: [/etc/asterisk]
                exclude: ["*.swp", "**/.git/**"]
                interval: 30s
                maxBytes: 256MiB
                reload: { module: res_pjsip.so }
                overrides:
                  - files: [pjsip.conf]
                    regex: '^external_signaling_address=.*$'
                    with: 'external_signaling_address={{publicAddress}}'
                  - files: [extensions.conf]
                    sites: [beta]
                    replace: 'SITE=alpha'
                    with: 'SITE={{site}} NET={{localNet}}'
                values:
                  - site: beta
                    set: { localNet: 10.2.0.0/16 }
            """);
    SyncJobConfig job = c.sync().getFirst();
    assertThat(job.name()).isEqualTo("etc-asterisk");
    assertThat(job.kind()).isEqualTo(SyncKind.FILES);
    assertThat(job.files().paths()).containsExactly("/etc/asterisk");
    assertThat(job.files().include()).containsExactly("**");
    assertThat(job.files().exclude()).containsExactly("*.swp", "**/.git/**");
    assertThat(job.files().maxBytes()).isEqualTo(256L << 20);
    assertThat(job.files().preserveOwner()).isTrue();
    assertThat(job.interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(job.staleAfter()).isEqualTo(Duration.ofMinutes(5));
    assertThat(job.watch()).isTrue();
    assertThat(job.transport()).isEqualTo(SyncTransport.PEER_LINK);
    assertThat(job.reload()).contains(new SyncReload.Module("res_pjsip.so"));
    assertThat(job.overrides()).hasSize(2);
    assertThat(SyncJobs.valuesFor(c, "beta", job))
        .containsEntry("site", "beta")
        .containsEntry("publicAddress", "192.0.2.2")
        .containsEntry("managementHost", "127.0.0.2")
        .containsEntry("localNet", "10.2.0.0/16");
  }

  @Test
  void sqlAndAstdbJobsLoad() throws Exception {
    ClusterConfig c =
        load(
            """
            sync:
              - name: cdr
                kind: sql
                engine: postgresql
                database: asterisk
                user: tandem_sync
                password: ${env:SYNC_DB_PASSWORD}
                tables: [cdr, public.cel]
                endpoints: { beta: "127.0.0.1:5433" }
              - name: astdb
                kind: astdb
                families: [CF, DND]
                interval: 2m
                maxDelete: 20%
                bandwidthLimit: 64KiB
              - name: astdb-all
                kind: astdb
            """);
    SyncSource.Sql sql = (SyncSource.Sql) c.sync().get(0).source();
    assertThat(sql.engine()).isEqualTo(SqlEngine.POSTGRESQL);
    assertThat(sql.port()).isEqualTo(5432);
    assertThat(sql.endpointOf("alpha")).isEqualTo("127.0.0.1:5432");
    assertThat(sql.endpointOf("beta")).isEqualTo("127.0.0.1:5433");
    assertThat(c.sync().get(0).watch()).isFalse();
    SyncSource.AstDb astdb = (SyncSource.AstDb) c.sync().get(1).source();
    assertThat(astdb.families()).containsExactly("CF", "DND");
    assertThat(astdb.maxDeletePercent()).isEqualTo(20);
    assertThat(astdb.bandwidthLimit()).isEqualTo(64 << 10);
    assertThat(astdb.selects("CF")).isTrue();
    assertThat(astdb.selects("cf")).as("families compare exactly").isFalse();
    SyncSource.AstDb all = (SyncSource.AstDb) c.sync().get(2).source();
    assertThat(all.maxDeletePercent()).isEqualTo(50);
    assertThat(all.selects("blacklist")).isTrue();
    assertThat(all.selects("pbx")).as("the node's own UUID").isFalse();
    assertThat(all.selects("registrar")).as("the node's own PJSIP contacts").isFalse();
    assertThat(c.sync().get(1).staleAfter()).isEqualTo(Duration.ofMinutes(6));
  }

  @Test
  void mistakesAreLocatedLikeEveryOtherField() throws Exception {
    assertThat(
            problems(
                """
                sync:
                  - name: etc-asterisk
                    kind: files
                    paths: [etc/asterisk]
                    intervall: 30s
                  - name: cdr
                    kind: sql
                    engine: oracle
                    paths: [/var/lib/mysql]
                """))
        .containsExactlyInAnyOrder(
            "41:5: sync[0].intervall: unknown field (did you mean interval?); expected one of"
                + " [name, kind, interval, staleAfter, timeout, watch, transport, preserveOwner,"
                + " stagingDir, engine, host, port, database, user, password, paths, include,"
                + " exclude, families, tables, endpoints, maxDelete, bandwidthLimit, maxBytes,"
                + " rsync, reload, overrides, sitePaths, values]",
            "40:13: sync[0].paths[0]: expected an absolute directory such as /etc/asterisk, was"
                + " etc/asterisk",
            "44:13: sync[1].engine: expected one of [mariadb, postgresql], found 'oracle'",
            "45:5: sync[1].paths: expected only in a job of kind files",
            "42:5: sync[1].database: missing: expected the database name",
            "42:5: sync[1].user: missing: expected the database user",
            "42:5: sync[1].password: missing: expected a secret reference such as"
                + " ${env:SYNC_DB_PASSWORD}",
            "42:5: sync[1].tables: missing: expected the tables to copy together, e.g. [cdr, cel]");
  }

  @Test
  void overridesAreCheckedAgainstTheSites() throws Exception {
    assertThat(
            problems(
                """
                sync:
                  - name: conf
                    kind: files
                    paths: [/etc/asterisk]
                    overrides:
                      - files: [pjsip.conf]
                        sites: [gamma]
                        replace: 'a'
                        with: '{{site}}'
                  - name: other
                    kind: files
                    paths: [/var/spool/asterisk]
                    overrides:
                      - files: [x.conf]
                        regex: '(unclosed'
                        with: y
                """))
        .containsExactlyInAnyOrder(
            "51:9: sync[1].overrides[0].regex: expected a regular expression: Unclosed group at 9",
            "43:17: sync[0].overrides[0].sites[0]: expected a configured site name; sites are"
                + " [alpha, beta]");
  }

  @Test
  void unknownTemplateValuesAndDuplicateNamesAreRefused() throws Exception {
    assertThat(
            problems(
                """
                sync:
                  - name: conf
                    kind: files
                    paths: [/etc/asterisk]
                    overrides:
                      - files: [pjsip.conf]
                        replace: 'a'
                        with: '{{nowhere}}'
                  - name: conf
                    kind: astdb
                """))
        .contains(
            "42:9: sync[0].overrides[0]: unknown template value {{nowhere}} for sites alpha, beta:"
                + " expected one of [site, managementAddress, managementHost, publicAddress] or a"
                + " name under values for that site",
            "45:5: sync[1].name: expected a unique job name; conf is already sync[0]");
  }

  @Test
  void rsyncNeedsItsUserAndAllowsNoOverrides() throws Exception {
    assertThat(
            problems(
                """
                sync:
                  - name: sounds
                    kind: files
                    paths: [/var/lib/asterisk/sounds/custom]
                    transport: rsync
                """))
        .containsExactly(
            "38:5: sync[0].rsync: missing: transport rsync needs rsync.user (the SSH user on the"
                + " receiver)");
  }

  @Test
  void rsyncCannotReloadOrRewriteWhatTheReceivingAgentNeverSees() throws Exception {
    assertThat(
            problems(
                """
                sync:
                  - name: conf
                    kind: files
                    paths: [/etc/asterisk]
                    transport: rsync
                    rsync: { user: tandem }
                    reload: { module: all }
                """))
        .containsExactly(
            "43:5: sync[0].reload: expected none with transport rsync: the receiving agent does"
                + " not see rsync's changes; use the peer-link transport to reload the PBX after a"
                + " sync");
  }

  @Test
  void sizesParse() {
    assertThat(SyncConfigReader.parseSize("2GiB")).contains(2L << 30);
    assertThat(SyncConfigReader.parseSize("10 MB")).contains(10_000_000L);
    assertThat(SyncConfigReader.parseSize("123")).contains(123L);
    assertThat(SyncConfigReader.parseSize("lots")).isEmpty();
  }

  @Test
  void theShippedSyncExamplesLoad() throws Exception {
    for (String name : List.of("asterisk-sync.yaml", "freeswitch-sync.yaml")) {
      Path file = ExampleConfigsTest.EXAMPLES.resolve(name);
      assertThat(loader.load(file).sync()).as(name).isNotEmpty();
    }
  }
}
