package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code tandem} command. */
@Command(
    name = "tandem",
    mixinStandardHelpOptions = true,
    // every subcommand takes --help (and --version) too, and --help wins over missing options
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = VersionCommand.Provider.class,
    description = "Disaster recovery for Asterisk and FreeSWITCH: witness, failover, runbooks.",
    subcommands = {
      AgentCommand.class,
      FenceGuardCommand.class,
      WitnessCommand.class,
      LabCommand.class,
      SimPbxCommand.class,
      StatusCommand.class,
      PlanCommand.class,
      FailoverCommand.class,
      SwitchoverCommand.class,
      DrillCommand.class,
      GateCommand.Approve.class,
      GateCommand.Deny.class,
      ForceAcquireCommand.class,
      ValidateCommand.class,
      AuditCommand.class,
      VersionCommand.class,
      AutoComplete.GenerateCompletion.class
    })
public final class TandemCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A configured command line: exit codes, no stack traces for user errors. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new TandemCommand());
    cl.setExecutionExceptionHandler(
        (ex, line, parsed) -> {
          line.getErr().println("tandem: " + ex.getMessage());
          return ex instanceof CliException ce ? ce.exitCode() : ExitCodes.INVALID;
        });
    cl.setExitCodeExceptionMapper(ex -> ExitCodes.INVALID);
    return cl;
  }
}
