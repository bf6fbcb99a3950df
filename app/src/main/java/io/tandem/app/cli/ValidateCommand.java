package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code tandem validate}. */
@Command(name = "validate", description = "Validate a cluster configuration file.")
public final class ValidateCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw new CliException("validate: not wired yet", ExitCodes.INVALID);
  }
}
