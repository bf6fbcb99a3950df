package io.tandem.sim.peer;

/**
 * A peer binary the testkit needs is not installed. The message names the exact command that
 * installs it. Tests never skip on this: a missing peer is a failure, so CI cannot pass without
 * exercising the real thing.
 */
public final class PeerNotInstalledException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final String installCommand;

  public PeerNotInstalledException(String message, String installCommand) {
    super(message);
    this.installCommand = installCommand;
  }

  /** The shell command that installs the missing peer, e.g. {@code ./scripts/install-peers}. */
  public String installCommand() {
    return installCommand;
  }
}
