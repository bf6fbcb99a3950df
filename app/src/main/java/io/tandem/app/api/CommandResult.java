package io.tandem.app.api;

/**
 * The answer to an operator command.
 *
 * @param accepted whether the command was taken
 * @param message what happens next, or why it was refused
 * @param runId the run it started, if any
 */
public record CommandResult(boolean accepted, String message, String runId) {

  public static CommandResult accepted(String message, String runId) {
    return new CommandResult(true, message, runId);
  }

  public static CommandResult refused(String message) {
    return new CommandResult(false, message, null);
  }
}
