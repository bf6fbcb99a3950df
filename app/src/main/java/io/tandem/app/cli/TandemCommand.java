package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
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
    description = "Disaster recovery for Asterisk and FreeSWITCH: witness, failover, runbooks.")
public final class TandemCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * The subcommands by name, in the order {@code tandem --help} lists them. Not in the {@code
   * Command} annotation: picocli reflects over every subcommand it is given (their fields, methods
   * and the types these name), which took a third of a witness's start from the jar (issue 17.4);
   * {@link #commandLine(String...)} gives it only the one to run.
   */
  static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

  private static Map<String, Class<?>> subcommands() {
    Map<String, Class<?>> m = new LinkedHashMap<>();
    m.put("agent", AgentCommand.class);
    m.put("fence-guard", FenceGuardCommand.class);
    m.put("witness", WitnessCommand.class);
    m.put("lab", LabCommand.class);
    m.put("sim-pbx", SimPbxCommand.class);
    m.put("status", StatusCommand.class);
    m.put("plan", PlanCommand.class);
    m.put("failover", FailoverCommand.class);
    m.put("switchover", SwitchoverCommand.class);
    m.put("drill", DrillCommand.class);
    m.put("approve", GateCommand.Approve.class);
    m.put("deny", GateCommand.Deny.class);
    m.put("force-acquire", ForceAcquireCommand.class);
    m.put("validate", ValidateCommand.class);
    m.put("audit", AuditCommand.class);
    m.put("version", VersionCommand.class);
    m.put("generate-completion", AutoComplete.GenerateCompletion.class);
    return Collections.unmodifiableMap(m);
  }

  /**
   * The command line for {@code args} as {@code tandem} runs it: when the first argument names a
   * subcommand, with that subcommand only (its help, options and errors are the same); otherwise
   * (no argument, {@code --help}, an unknown name, {@code generate-completion}, which lists them
   * all) with every subcommand.
   */
  public static CommandLine commandLine(String... args) {
    if (args.length > 0
        && SUBCOMMANDS.containsKey(args[0])
        && !args[0].equals("generate-completion")) {
      return configure(
          new CommandLine(new TandemCommand()).addSubcommand(SUBCOMMANDS.get(args[0])));
    }
    return commandLine();
  }

  /**
   * A configured command line with every subcommand: exit codes, no stack traces for user errors.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new TandemCommand());
    SUBCOMMANDS.values().forEach(cl::addSubcommand);
    return configure(cl);
  }

  private static CommandLine configure(CommandLine cl) {
    cl.setExecutionExceptionHandler(
        (ex, line, parsed) -> {
          line.getErr().println("tandem: " + ex.getMessage());
          return ex instanceof CliException ce ? ce.exitCode() : ExitCodes.INVALID;
        });
    cl.setExitCodeExceptionMapper(ex -> ExitCodes.INVALID);
    return cl;
  }
}
