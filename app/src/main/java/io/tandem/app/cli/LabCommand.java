package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code tandem lab}. */
@Command(name = "lab", description = "Run the lab: a full failover demo on loopback.")
public final class LabCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw new CliException("lab: not wired yet", ExitCodes.INVALID);
  }
}
