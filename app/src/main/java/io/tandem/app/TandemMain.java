package io.tandem.app;

import io.tandem.app.cli.TandemCommand;

/** Entry point of the {@code tandem} executable. */
public final class TandemMain {

  private TandemMain() {}

  public static void main(String[] args) {
    int code = TandemCommand.commandLine().execute(args);
    if (code != ExitCodes.RUNNING) {
      System.exit(code);
    }
  }
}
