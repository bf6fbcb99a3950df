package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code tandem agent}. */
@Command(
    name = "agent",
    description = "Run the agent of one site: sensors, decision loop, runbooks, API.")
public final class AgentCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw new CliException("agent: not wired yet", ExitCodes.INVALID);
  }
}
