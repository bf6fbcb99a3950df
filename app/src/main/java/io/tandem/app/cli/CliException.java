package io.tandem.app.cli;

/** A user-facing CLI failure with its exit code; printed without a stack trace. */
public class CliException extends RuntimeException {

  private final int exitCode;

  public CliException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
