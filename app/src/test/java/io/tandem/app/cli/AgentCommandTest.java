package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  /** Issue 18.8: no console users is one line naming the variable, not a Spring stack trace. */
  @Test
  void withoutConsoleUsersTheAgentSaysWhichVariableToSetAndStartsNothing(@TempDir Path dir)
      throws Exception {
    java.nio.file.Files.writeString(dir.resolve("witness.secret"), "alpha-witness-secret-0123");
    java.nio.file.Files.writeString(dir.resolve("ami.secret"), "ami-pw");
    java.nio.file.Files.writeString(
        dir.resolve("tsig.secret"), "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=");
    Path config = dir.resolve("cluster.yaml");
    java.nio.file.Files.writeString(
        config,
        """
        cluster: users
        sites:
          - name: alpha
            kind: onprem
            priority: 1
            managementAddress: 127.0.0.1:9
            pbx: { type: asterisk, host: 127.0.0.1, port: 9, user: tandem, secret: "${file:ami.secret}" }
          - name: beta
            kind: onprem
            priority: 2
            managementAddress: 127.0.0.1:10
            pbx: { type: asterisk, host: 127.0.0.1, port: 10, user: tandem, secret: "${file:ami.secret}" }
        dns:
          - provider: rfc2136
            zone: users.test.
            name: sip.users.test.
            type: A
            ttl: 5
            values: { alpha: 127.0.0.11, beta: 127.0.0.12 }
            rfc2136:
              server: 127.0.0.1
              port: 12
              tsigKeyName: users
              tsigAlgorithm: hmac-sha256
              tsigSecret: "${file:tsig.secret}"
        witness:
          kind: builtin
          endpoints: [ "http://127.0.0.1:11" ]
          siteSecrets: { alpha: "${file:witness.secret}", beta: "${file:witness.secret}" }
        """);
    AgentCommand cmd = new AgentCommand();
    new CommandLine(cmd)
        .parseArgs("--config", config.toString(), "--site", "alpha", "--data-dir", dir.toString());
    var env = java.util.Map.of("TANDEM_PEER_SECRET", "peer-secret-0123456789abcdefghijklmnop");

    assertThatThrownBy(
            () ->
                cmd.start(
                    env,
                    io.tandem.app.agent.Providers.sdk(),
                    java.util.function.UnaryOperator.identity()))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("no console/API users: set TANDEM_ADMIN_PASSWORD")
        .hasMessageContaining("nothing started");
    assertThat(dir.resolve("audit.jsonl")).doesNotExist();
  }
}
