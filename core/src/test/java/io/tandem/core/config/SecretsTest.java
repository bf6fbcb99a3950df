package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {

  @TempDir Path dir;

  @Test
  void parsesEnvAndFileReferencesOnly() {
    assertThat(SecretRef.parse("${env:AMI_SECRET}")).contains(SecretRef.env("AMI_SECRET"));
    assertThat(SecretRef.parse("${file:/etc/tandem/tsig.key}"))
        .contains(SecretRef.file("/etc/tandem/tsig.key"));
    assertThat(SecretRef.parse("${file:relative/key}")).contains(SecretRef.file("relative/key"));
    assertThat(SecretRef.parse("hunter2")).isEmpty();
    assertThat(SecretRef.parse("${env:not a name}")).isEmpty();
    assertThat(SecretRef.parse("${vault:x}")).isEmpty();
    assertThat(SecretRef.parse("$env:X")).isEmpty();
  }

  @Test
  void referencesAndValuesPrintAsStars() {
    SecretRef ref = SecretRef.env("AMI_SECRET");
    assertThat(ref).hasToString("****");
    assertThat(ref.reference()).isEqualTo("${env:AMI_SECRET}");
    assertThat(new Secret("s3cr3t")).hasToString("****");
  }

  @Test
  void aLoadedConfigPrintsNoSecretReference() {
    ClusterConfig c =
        new ClusterConfigLoader().load(ExampleConfigsTest.EXAMPLES.resolve("aws-azure.yaml"));
    assertThat(c.toString())
        .contains("secret=****", "clientSecret=Optional[****]", "sasToken=Optional[****]")
        .doesNotContain("AMI_SECRET", "AZURE_CLIENT_SECRET", "WITNESS_SAS", "CARRIER_PASSWORD");
  }

  @Test
  void resolvesFromTheInjectedEnvironment() {
    SecretResolver r = SecretResolver.of(Map.of("AMI_SECRET", "s3cr3t"));
    assertThat(r.resolve(SecretRef.env("AMI_SECRET")).reveal()).isEqualTo("s3cr3t");
  }

  @Test
  void resolvesFilesRelativeToTheBaseDirectoryWithoutTheTrailingNewline() throws Exception {
    Files.writeString(dir.resolve("tsig.key"), "c2VjcmV0\n");
    SecretResolver r = new SecretResolver(k -> null, dir);
    assertThat(r.resolve(SecretRef.file("tsig.key")).reveal()).isEqualTo("c2VjcmV0");
    assertThat(r.resolve(SecretRef.file(dir.resolve("tsig.key").toString())).reveal())
        .isEqualTo("c2VjcmV0");
  }

  @Test
  void resolvesAtUseSoARotatedFileIsPickedUp() throws Exception {
    Path key = dir.resolve("k");
    Files.writeString(key, "one");
    SecretResolver r = new SecretResolver(k -> null, dir);
    assertThat(r.resolve(SecretRef.file("k")).reveal()).isEqualTo("one");
    Files.writeString(key, "two");
    assertThat(r.resolve(SecretRef.file("k")).reveal()).isEqualTo("two");
  }

  @Test
  void missingOrEmptySecretsNameTheReferenceOnly() throws Exception {
    Files.writeString(dir.resolve("empty"), "\n");
    SecretResolver r = new SecretResolver(Map.of("EMPTY", "")::get, dir);
    assertThatThrownBy(() -> r.resolve(SecretRef.env("NOPE")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("secret ${env:NOPE}: environment variable NOPE is not set");
    assertThatThrownBy(() -> r.resolve(SecretRef.env("EMPTY")))
        .hasMessage("secret ${env:EMPTY}: environment variable EMPTY is not set");
    assertThatThrownBy(() -> r.resolve(SecretRef.file("empty")))
        .hasMessage("secret ${file:empty}: file " + dir.resolve("empty") + " is empty");
    assertThatThrownBy(() -> r.resolve(SecretRef.file("absent")))
        .hasMessage("secret ${file:absent}: file " + dir.resolve("absent") + " not found");
    assertThatThrownBy(() -> r.resolve(SecretRef.file(".")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("secret ${file:.}: file " + dir.resolve(".") + " cannot be read");
  }
}
