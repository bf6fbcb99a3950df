package io.tandem.onprem.vip;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A host of another site reached over ssh ({@link SshOptions#command}): each command runs as its
 * own {@code ssh} process with {@link SshOptions#prefix(String, Duration, boolean)}, its {@code
 * ConnectTimeout} derived from that command's timeout unless the operator's {@code ssh_config} sets
 * one. Whether it does is asked once ({@code ssh -G}, a few milliseconds, no network) at the first
 * command — the agent's warm-up, before any fault — and remembered. Not {@linkplain #stoppable()
 * stoppable}: killing the client may leave the remote command running. Thread-safe.
 */
final class SshHostCommand implements HostCommand {

  private final SshOptions options;
  private final String host;
  private volatile Boolean operatorConnectTimeout;

  SshHostCommand(SshOptions options, String host) {
    this.options = options;
    this.host = host;
  }

  @Override
  public String host() {
    return host;
  }

  /** As the contract says: within about {@code timeout}, the first command's question included. */
  @Override
  public CommandResult run(List<String> argv, Duration timeout) {
    long start = System.nanoTime();
    List<String> prefix = options.prefix(host, timeout, operatorConnectTimeout(timeout));
    Duration left = timeout.minusNanos(System.nanoTime() - start);
    return new LocalHostCommand(host, prefix).run(argv, left.isNegative() ? Duration.ZERO : left);
  }

  private boolean operatorConnectTimeout(Duration timeout) {
    Boolean known = operatorConnectTimeout;
    if (known == null) {
      // a few milliseconds normally; a quarter of the command's time at most
      Optional<Boolean> asked = options.operatorSetsConnectTimeout(host, timeout.dividedBy(4));
      if (asked.isEmpty()) {
        return false; // ssh could not say (bad config, no ssh): the command fails in its words
      }
      known = asked.get();
      operatorConnectTimeout = known;
    }
    return known;
  }
}
