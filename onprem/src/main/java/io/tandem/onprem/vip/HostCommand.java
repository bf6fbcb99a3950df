package io.tandem.onprem.vip;

import java.time.Duration;
import java.util.List;

/**
 * Port: runs one command on one host of the site and returns its exit code and output.
 *
 * <p>Contract: {@link #run} never blocks longer than about {@code timeout}; a command that takes
 * longer is killed and reported as {@link io.tandem.core.error.TransientException}, as is a host
 * that cannot be reached. A non-zero exit code is an answer, not an exception. Arguments are passed
 * as a list (never through a shell), so addresses and interface names cannot inject commands.
 * Implementations are thread-safe.
 *
 * <p>{@link LocalHostCommand} runs on this machine, optionally behind a fixed prefix: {@code ip
 * netns exec <ns>} in tests, or {@code ssh -o BatchMode=yes [connection sharing] host-b --} ({@link
 * SshOptions}) to reach another site's host over the management network (key-based login, a forced
 * command or sudoers entry limited to {@code ip addr} and {@code arping}).
 */
public interface HostCommand {

  /** Name of the host for messages and {@code AddressBinding.attachedTo}. */
  String host();

  CommandResult run(List<String> argv, Duration timeout);

  /**
   * Whether a command this runs stops when {@link #run}'s thread is interrupted: true for a process
   * on this machine (it is killed), false behind ssh, where killing the client may leave the remote
   * command running. A mover only lets a command outlive its call on a host where it can stop it.
   */
  default boolean stoppable() {
    return false;
  }

  /**
   * Runs a command that listens for answers until its own deadline (e.g. {@code arping -D}) and
   * stops it once it has run for {@code listen}, counted from its start (not from this call: a
   * loaded host may take a while to start it): empty when it was stopped, its answer when it ended
   * first. The default runs it to its end: a command behind ssh cannot be stopped.
   */
  default java.util.Optional<CommandResult> runListening(
      List<String> argv, Duration listen, Duration timeout) {
    return java.util.Optional.of(run(argv, timeout));
  }

  /** What a command answered. Output is truncated to a few KiB. */
  record CommandResult(int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }
  }
}
