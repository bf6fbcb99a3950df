package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever an operator's editor does to a config file, the loader answers with a config or with
 * located problems, never with another exception (which would reach the operator as a stack trace),
 * and never echoes a secret typed inline.
 */
class LoaderRobustnessProperties {

  private static final List<String> EXAMPLES = examples();

  private static List<String> examples() {
    List<String> texts = new ArrayList<>();
    try (var files = Files.list(ExampleConfigsTest.EXAMPLES)) {
      for (Path p : files.sorted().toList()) {
        texts.add(Files.readString(p));
      }
      texts.add(Files.readString(BrokenConfigsTest.DIR.resolve("valid-minimal.yaml")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return texts;
  }

  /** One edit: delete, duplicate or swap lines, overwrite a character, or cut the file short. */
  record Edit(int kind, int at, int other, char c) {
    String apply(String text) {
      if (text.isEmpty()) {
        return text;
      }
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      int i = Math.floorMod(at, lines.size());
      int j = Math.floorMod(other, lines.size());
      switch (kind) {
        case 0 -> lines.remove(i);
        case 1 -> lines.add(i, lines.get(j));
        case 2 -> {
          String t = lines.get(i);
          lines.set(i, lines.get(j));
          lines.set(j, t);
        }
        case 3 -> {
          String l = lines.get(i);
          if (!l.isEmpty()) {
            int k = Math.floorMod(other, l.length());
            lines.set(i, l.substring(0, k) + c + l.substring(k + 1));
          }
        }
        default -> {
          return text.substring(0, Math.floorMod(at, text.length()));
        }
      }
      return String.join("\n", lines);
    }
  }

  @Provide
  Arbitrary<List<Edit>> edits() {
    Arbitrary<Edit> edit =
        Combinators.combine(
                Arbitraries.integers().between(0, 4),
                Arbitraries.integers(),
                Arbitraries.integers(),
                Arbitraries.of(' ', ':', '-', '{', '}', '[', ']', '"', 'x', '7', '\t', '$', '#'))
            .as(Edit::new);
    return edit.list().ofMinSize(1).ofMaxSize(4);
  }

  @Property(tries = 400)
  void editedFilesLoadOrFailWithLocatedProblemsOnly(
      @ForAll("edits") List<Edit> edits, @ForAll("exampleIndex") int example) {
    String text = EXAMPLES.get(example);
    for (Edit e : edits) {
      text = e.apply(text);
    }
    try {
      assertThat(new ClusterConfigLoader().parse(text, "edited.yaml").sites())
          .hasSizeGreaterThan(1);
    } catch (InvalidConfigException e) {
      assertThat(e.problems()).isNotEmpty();
      assertThat(e.problems())
          .allSatisfy(
              p -> {
                assertThat(p.file()).isEqualTo("edited.yaml");
                assertThat(p.line()).isGreaterThanOrEqualTo(0);
                assertThat(p.expected()).isNotBlank();
              });
    }
  }

  @Provide
  Arbitrary<Integer> exampleIndex() {
    return Arbitraries.integers().between(0, EXAMPLES.size() - 1);
  }

  @Property(tries = 100)
  void anInlineSecretIsNeverEchoed(@ForAll("secrets") String secret) {
    String text =
        EXAMPLES
            .get(EXAMPLES.size() - 1)
            .replaceFirst("secret: \\$\\{env:AMI_SECRET}", "secret: \"" + secret + "\"");
    try {
      new ClusterConfigLoader().parse(text, "inline.yaml");
      throw new AssertionError("an inline secret was accepted");
    } catch (InvalidConfigException e) {
      assertThat(e.getMessage()).doesNotContain(secret);
    }
  }

  @Provide
  Arbitrary<String> secrets() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .numeric()
        .ofMinLength(8)
        .ofMaxLength(24)
        .map(s -> "pw-" + s);
  }
}
