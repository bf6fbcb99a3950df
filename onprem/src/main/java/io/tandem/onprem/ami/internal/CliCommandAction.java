package io.tandem.onprem.ami.internal;

import org.asteriskjava.manager.action.AbstractManagerAction;

/**
 * {@code Action: Command} answered as a plain response. asterisk-java's own {@code CommandAction}
 * maps the answer to a {@code CommandResponse}, whose builder fails on a command without output
 * lines (such as {@code core stop gracefully}) and tears the connection down; Tandem needs only
 * Success/Error here.
 */
public final class CliCommandAction extends AbstractManagerAction {

  private static final long serialVersionUID = 1L;

  private final String command;

  public CliCommandAction(String command) {
    this.command = command;
  }

  @Override
  public String getAction() {
    return "Command";
  }

  public String getCommand() {
    return command;
  }
}
