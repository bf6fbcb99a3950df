package io.tandem.onprem.vip;

import io.tandem.core.error.TransientException;
import io.tandem.onprem.vip.HostCommand.CommandResult;
import io.tandem.onprem.vip.VipConfig.VipHost;
import java.util.List;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gratuitous ARP after a move ({@code arping -U -c garpCount}, one packet a second: iputils arping
 * takes whole seconds), so switches and neighbours learn the new MAC at once instead of after their
 * ARP cache ages out. The first packet goes at once. On a host whose commands can be stopped (this
 * machine) the move does not wait for the repeats: they go on in the background and are stopped
 * before any later move or removal ({@link #stop}), so they never announce an address the host no
 * longer carries. Behind ssh the move waits for them. Thread-safe.
 */
final class GratuitousArp {

  private static final Logger LOG = LoggerFactory.getLogger(LinuxVipMover.class);

  private final VipConfig config;
  private Future<?> announcing; // guarded by this

  GratuitousArp(VipConfig config) {
    this.config = config;
  }

  synchronized void announce(String target, VipHost to) {
    List<String> argv =
        List.of(
            "arping",
            "-q",
            "-U",
            "-c",
            Integer.toString(config.garpCount()),
            "-I",
            to.voipInterface(),
            config.address());
    if (!to.command().stoppable()) {
      CommandResult garp = VipCommands.exec(config, to, argv);
      if (!garp.ok()) {
        throw VipCommands.failure(target, "arping -U", garp);
      }
      return;
    }
    announcing =
        VipCommands.BACKGROUND.submit(
            () -> {
              try {
                CommandResult garp = VipCommands.exec(config, to, argv);
                if (!garp.ok()) {
                  LOG.warn("vip: {}", VipCommands.failure(target, "arping -U", garp).getMessage());
                }
              } catch (TransientException e) {
                LOG.debug("vip: announcement from {} stopped: {}", target, e.getMessage());
              }
            });
  }

  /** Stops the background announcement of the last move, if it still runs (kills its arping). */
  synchronized void stop() {
    Future<?> a = announcing;
    if (a != null && !a.isDone()) {
      a.cancel(true);
    }
    announcing = null;
  }
}
