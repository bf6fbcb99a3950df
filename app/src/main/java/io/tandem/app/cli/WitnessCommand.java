package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code tandem witness}. */
@Command(name = "witness", description = "Run the built-in witness server.")
public final class WitnessCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw new CliException("witness: not wired yet", ExitCodes.INVALID);
  }
}
