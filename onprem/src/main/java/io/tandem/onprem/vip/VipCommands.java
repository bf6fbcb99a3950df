package io.tandem.onprem.vip;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.TransientException;
import io.tandem.onprem.vip.HostCommand.CommandResult;
import io.tandem.onprem.vip.VipConfig.VipHost;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What the parts of {@link LinuxVipMover} share: how a command runs on a host, how a failed one is
 * categorised, and the threads that run probes and announcements beside a move.
 */
final class VipCommands {

  /**
   * Runs background probes and announcements, a virtual thread each; {@link
   * java.util.concurrent.Future#cancel cancel(true)} interrupts it, and {@link LocalHostCommand}
   * then kills its process.
   */
  static final ExecutorService BACKGROUND = Executors.newVirtualThreadPerTaskExecutor();

  private VipCommands() {}

  static CommandResult exec(VipConfig config, VipHost host, List<String> argv) {
    return host.command().run(argv, config.commandTimeout());
  }

  static String cidr(VipConfig config) {
    return config.address() + "/" + config.prefixLength();
  }

  /** A command's failure by category: permission, configuration (no such device), or transient. */
  static RuntimeException failure(String host, String what, CommandResult r) {
    String err = r.stderr().strip();
    if (err.contains("Operation not permitted") || err.contains("must be run as root")) {
      return new PermissionException(
          "vip: " + what + " on " + host + " needs CAP_NET_ADMIN/CAP_NET_RAW: " + err);
    }
    if (err.contains("Cannot find device") || err.contains("does not exist")) {
      return new ConfigException("vip: " + what + " on " + host + ": " + err);
    }
    return new TransientException(
        "vip: " + what + " on " + host + " failed (exit " + r.exitCode() + "): " + err);
  }
}
