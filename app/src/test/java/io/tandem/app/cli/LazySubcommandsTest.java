package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 17.4: {@code tandem <command>} builds only that command's picocli model (reflecting over
 * all seventeen took a third of a witness's start from the jar), and behaves as with all of them:
 * the same help, the inherited {@code --help}/{@code --version}, the same errors. {@code tandem}
 * alone, {@code --help} and {@code generate-completion} still see every command.
 */
class LazySubcommandsTest {

  record Run(int code, String out, String err) {}

  static Run run(CommandLine cl, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void aSubcommandIsBuiltAloneAndAnswersAsWithAllOfThem() {
    assertThat(TandemCommand.commandLine("witness", "--config", "x").getSubcommands().keySet())
        .containsExactly("witness");
    assertThat(TandemCommand.commandLine("agent").getSubcommands().keySet())
        .containsExactly("agent");
    for (List<String> args :
        List.of(
            List.of("witness", "--help"),
            List.of("agent", "--help"),
            List.of("agent", "--version"),
            List.of("witness", "init", "--help"),
            List.of("validate", "--no-such-option"),
            List.of("status", "--help"))) {
      String[] a = args.toArray(String[]::new);
      Run lazy = run(TandemCommand.commandLine(a), a);
      Run full = run(TandemCommand.commandLine(), a);
      assertThat(lazy).as(String.join(" ", args)).isEqualTo(full);
    }
  }

  @Test
  void theTopLevelHelpAndCompletionSeeEveryCommand() {
    assertThat(TandemCommand.commandLine().getSubcommands().keySet())
        .containsExactlyElementsOf(TandemCommand.SUBCOMMANDS.keySet());
    for (String[] args :
        List.of(
            new String[] {},
            new String[] {"--help"},
            new String[] {"no-such-command"},
            new String[] {"generate-completion"})) {
      assertThat(TandemCommand.commandLine(args).getSubcommands().keySet())
          .as(String.join(" ", args))
          .containsExactlyElementsOf(TandemCommand.SUBCOMMANDS.keySet());
    }
    Run help = run(TandemCommand.commandLine("--help"), "--help");
    assertThat(help.code()).isEqualTo(ExitCodes.OK);
    assertThat(help.out()).contains("agent", "witness", "fence-guard", "generate-completion");
  }
}
