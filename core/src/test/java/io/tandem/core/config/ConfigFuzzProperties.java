package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.error.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing the config loader (issue 16.9; jqwik generators, Jazzer is not served here): arbitrary
 * bytes, and YAML made of the loader's own keys, anchors, aliases, tags, flow collections and
 * documents, either load or give located problems ({@link InvalidConfigException}), never another
 * exception, and every problem line is free of control and bidirectional-override characters.
 * {@link LoaderRobustnessProperties} edits real files; this throws things at the parser.
 */
class ConfigFuzzProperties {

  private static Path dir;

  @BeforeContainer
  static void tempDir() throws Exception {
    dir = Files.createTempDirectory("tandem-config-fuzz-");
  }

  @AfterContainer
  static void removeTempDir() throws Exception {
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir);
  }

  private final ClusterConfigLoader loader = new ClusterConfigLoader();

  @Provide
  Arbitrary<String> yamlish() {
    Arbitrary<String> token =
        Arbitraries.oneOf(
            Arbitraries.of(
                "cluster",
                "sites",
                "witness",
                "timings",
                "kind",
                "name",
                "pbx",
                "tick",
                "ticketTtl",
                "endpoints",
                "siteSecrets",
                "&a",
                "*a",
                "&b",
                "*b",
                "<<",
                "!!str",
                "!!binary",
                "!tag",
                "---",
                "...",
                "${env:X}",
                "500ms",
                "1e9",
                "-1",
                "~",
                "null",
                "yes",
                "\u202E",
                "\uFEFF",
                "\t",
                "'",
                "\""),
            Arbitraries.strings().ofMaxLength(8));
    Arbitrary<String> sep =
        Arbitraries.of(": ", "\n", "\n  ", "\n- ", ", ", " ", "[", "]", "{", "}");
    return Combinators.combine(token, sep)
        .as((t, s) -> t + s)
        .list()
        .ofMaxSize(40)
        .map(l -> String.join("", l));
  }

  @Property(tries = 800)
  void yamlMadeOfTheLoadersOwnWordsLoadsOrIsLocated(@ForAll("yamlish") String yaml) {
    assertLoadsOrLocated(yaml.getBytes(StandardCharsets.UTF_8));
  }

  @Property(tries = 300)
  void arbitraryBytesLoadOrAreLocated(@ForAll byte[] bytes) {
    assertLoadsOrLocated(bytes);
  }

  /** Regression inputs kept from the fuzzing: an alias before its anchor, a bare merge key. */
  @Example
  void regressionInputs() {
    for (String yaml :
        List.of(
            "cluster: *a\nx: &a y\n",
            "<<: *a\n",
            "sites: &a [*a]\n",
            "cluster: x\n--- \n...\n",
            "\uFEFFcluster: demo\n",
            "cluster: \u202Ex\n")) {
      assertLoadsOrLocated(yaml.getBytes(StandardCharsets.UTF_8));
    }
  }

  private void assertLoadsOrLocated(byte[] bytes) {
    try {
      Path f = Files.write(dir.resolve("cluster.yaml"), bytes);
      loader.load(f);
    } catch (InvalidConfigException e) {
      assertThat(e.problems()).isNotEmpty();
      for (ConfigProblem p : e.problems()) {
        String line = p.format();
        assertThat(line).startsWith(dir.resolve("cluster.yaml").toString());
        assertThat(line.chars().noneMatch(c -> SafeText.needsEscape((char) c))).as(line).isTrue();
      }
    } catch (ConfigException e) {
      throw new AssertionError("a ConfigException without a location: " + e.getMessage(), e);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
