package io.tandem.onprem.vip;

import io.tandem.core.error.TransientException;
import io.tandem.onprem.vip.HostCommand.CommandResult;
import io.tandem.onprem.vip.VipConfig.VipHost;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 5227 duplicate-address detection for the VIP ({@code arping -D}: ARP requests with sender
 * address 0.0.0.0, which update nobody's cache). Any reply means a machine outside Tandem's control
 * — a host that could not be reached to remove the address, an old agent, a misconfigured server —
 * still answers for it.
 *
 * <p><b>How long a probe from this machine listens</b> ({@link VipConfig#duplicateProbeWindow}).
 * iputils arping takes whole seconds ({@code -w 1}: "invalid argument: '0.3'" for less) and waits
 * them out when nobody answers, which cost a full second of every failover (issue 17:
 * bench-failover's site loss spent ~1 s of its ~3.3 s here). A machine that holds the address
 * answers from its kernel (no process needs to run) within milliseconds on one segment, and within
 * one round trip where a VoIP network is stretched between sites; so on a host whose commands this
 * mover can stop, the probe is stopped after the window and heard nobody (NetworkManager does the
 * same with its per-connection {@code ipv4.dad-timeout}, 200 ms by default). Behind ssh it runs its
 * whole second. Remembers when the latest probe heard nobody, so a move right after an observation
 * need not probe again ({@link #FRESH_PROBE}). Thread-safe.
 */
final class DuplicateProbe {

  private static final Logger LOG = LoggerFactory.getLogger(LinuxVipMover.class);
  private static final Pattern REPLY_MAC = Pattern.compile("reply from \\S+ \\[([0-9A-Fa-f:]+)\\]");

  /**
   * How recent a duplicate probe that heard nobody may be for a move to rely on it instead of
   * probing again (RFC 5227 asks for a probe before the address is used, not for two): the
   * runbook's address step observes (which probes when no host carries the address) and then moves,
   * so the move's own probe would cost a second more for the same answer.
   */
  static final Duration FRESH_PROBE = Duration.ofSeconds(2);

  private final VipConfig config;
  private volatile long lastClearProbe = Long.MIN_VALUE;

  DuplicateProbe(VipConfig config) {
    this.config = config;
  }

  /**
   * A probe of one packet from this machine's host (the first configured host whose commands can be
   * stopped), started in the background; null when no host is on this machine.
   */
  Future<Optional<String>> startFromThisMachine() {
    Optional<String> local =
        config.hosts().entrySet().stream()
            .filter(e -> e.getValue().command().stoppable())
            .map(Map.Entry::getKey)
            .sorted()
            .findFirst();
    return local.map(h -> VipCommands.BACKGROUND.submit(() -> from(h, 1))).orElse(null);
  }

  /**
   * Whether a probe heard nobody moments ago ({@link #FRESH_PROBE}): with nothing removed since, it
   * answers a move's question already.
   */
  boolean recentlyClear() {
    long clear = lastClearProbe;
    return clear != Long.MIN_VALUE && System.nanoTime() - clear < FRESH_PROBE.toNanos();
  }

  /**
   * Probes from {@code host}: {@code arping -D} exits 0 when nobody answered, 1 when a machine
   * answered (its MAC is in the reply line), 2 on an error.
   *
   * @return the MAC that answered, if any
   */
  Optional<String> from(String host, int probes) {
    VipHost h = config.hosts().get(host);
    long started = System.nanoTime();
    lastClearProbe = Long.MIN_VALUE; // only the latest probe counts, and only if it heard nobody
    List<String> argv =
        List.of(
            "arping",
            "-D",
            "-c",
            Integer.toString(probes),
            "-w",
            Integer.toString(probes),
            "-I",
            h.voipInterface(),
            config.address());
    CommandResult r;
    if (probes == 1 && h.command().stoppable()) {
      // arping -D quits at the first answer; stopped after the window (counted from the process's
      // start, so a slow start under load does not shorten its listening), it heard nobody
      Optional<CommandResult> ended =
          h.command().runListening(argv, config.duplicateProbeWindow(), config.commandTimeout());
      if (ended.isEmpty()) {
        lastClearProbe = started;
        return Optional.empty();
      }
      r = ended.get();
    } else {
      r = VipCommands.exec(config, h, argv);
    }
    if (r.exitCode() == 0) {
      lastClearProbe = started;
      return Optional.empty();
    }
    Matcher mac = REPLY_MAC.matcher(r.stdout());
    if (r.exitCode() == 1 && mac.find()) {
      return Optional.of(mac.group(1).toLowerCase(Locale.ROOT));
    }
    throw VipCommands.failure(host, "arping -D", r);
  }

  /**
   * The answer of {@code early} (a probe started beside a survey), or, without one or when it could
   * not run, a probe from the first host in {@code answered} that can run one (a host that did not
   * answer just now would cost its connect timeout again).
   */
  Optional<String> answer(Future<Optional<String>> early, Set<String> answered) {
    if (early != null) {
      try {
        return early.get();
      } catch (InterruptedException e) {
        early.cancel(true);
        Thread.currentThread().interrupt();
        throw new TransientException("vip: interrupted while probing", e);
      } catch (ExecutionException e) {
        LOG.warn(
            "vip: cannot probe for {}: {}", VipCommands.cidr(config), e.getCause().getMessage());
      }
    }
    for (String host : answered) {
      try {
        return from(host, 1);
      } catch (TransientException e) {
        LOG.warn(
            "vip: cannot probe for {} from {}: {}", VipCommands.cidr(config), host, e.getMessage());
      }
    }
    return Optional.empty();
  }
}
