package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tandem agent} refuses bad input before starting anything, without a stack trace. */
class AgentCommandTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  record Run(int code, String err) {}

  static Run agent(String... args) {
    CommandLine cl = TandemCommand.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));
    String[] all = new String[args.length + 1];
    all[0] = "agent";
    System.arraycopy(args, 0, all, 1, args.length);
    return new Run(cl.execute(all), err.toString());
  }

  @Test
  void anInvalidConfigurationIsListedAndNothingStarts(@TempDir Path dir) {
    Path broken = ROOT.resolve("core/src/test/resources/config/broken/wrong-type.yaml");

    Run r = agent("--config", broken.toString(), "--site", "alpha", "--data-dir", dir.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err())
        .contains(broken + ":15:15: sites[1].priority: expected a whole number")
        .contains("nothing started")
        .doesNotContain("Exception", "\tat ");
  }

  @Test
  void anUnsetSecretIsNamedByItsReferenceBeforeAnythingStarts(@TempDir Path dir) {
    // loopback.yaml references ${env:AMI_SECRET}, ${env:TANDEM_TSIG_SECRET}, ... none set here
    Path example = ROOT.resolve("docs/examples/loopback.yaml");

    Run r = agent("--config", example.toString(), "--site", "alpha", "--data-dir", dir.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err())
        .contains("sites[0].pbx.secret: secret ${env:AMI_SECRET}: environment variable")
        .contains("nothing started");
  }

  @Test
  void aRemoteWitnessOverPlainHttpIsRefusedBeforeTheSecretIsSent(@TempDir Path dir)
      throws Exception {
    String yaml =
        java.nio.file.Files.readString(ROOT.resolve("docs/examples/loopback.yaml"))
            .replace("http://127.0.0.1:7443", "http://192.0.2.7:7443");
    Path config = dir.resolve("cluster.yaml");
    java.nio.file.Files.writeString(config, yaml);

    Run r = agent("--config", config.toString(), "--site", "alpha", "--data-dir", dir.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err())
        .contains(
            "witness.endpoints[0]: expected an https:// URL beyond loopback, was"
                + " http://192.0.2.7:7443")
        .contains("nothing started");
  }
}
