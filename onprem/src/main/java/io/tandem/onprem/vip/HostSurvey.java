package io.tandem.onprem.vip;

import io.tandem.core.error.TransientException;
import io.tandem.onprem.vip.HostCommand.CommandResult;
import io.tandem.onprem.vip.VipConfig.VipHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the configured hosts whether their VoIP interface carries the address ({@code ip -o -4 addr
 * show}), all at once: a host that died costs its connect timeout once, not once per host in a row.
 * Remembers a host that did not answer for {@link #UNREACHABLE_MEMORY}. Thread-safe.
 */
final class HostSurvey {

  private static final Logger LOG = LoggerFactory.getLogger(LinuxVipMover.class);

  /**
   * How long a host that did not answer is not asked again by an observation or a move that
   * tolerates unreachable hosts: the runbook observes, moves and verifies within seconds, and a
   * dead host would cost its connect timeout each time. Such a host is treated exactly as one whose
   * ask failed (not reported as carrying the address; the move goes on and relies on the duplicate
   * probe and the fence), so skipping it changes how long the answer takes, not the answer.
   */
  static final Duration UNREACHABLE_MEMORY = Duration.ofSeconds(3);

  /**
   * What the hosts answered.
   *
   * @param carriers the hosts that carry the address, sorted
   * @param answered the hosts that answered at all
   */
  record Result(List<String> carriers, Set<String> answered) {}

  private final VipConfig config;
  private final Map<String, Long> unreachableUntil = new ConcurrentHashMap<>();

  HostSurvey(VipConfig config) {
    this.config = config;
  }

  Result ask(Collection<String> hosts, boolean tolerateUnreachable) {
    return ask(hosts, tolerateUnreachable, null);
  }

  /**
   * As above; with {@code probe} (a duplicate probe from this machine, running beside the survey) a
   * host behind ssh that has not answered by the time the probe heard nobody is not waited for: had
   * it carried the address on the VoIP network it would have answered the probe. It is treated as a
   * host that did not answer (not asked again for {@link #UNREACHABLE_MEMORY}). A dead host then
   * costs the probe's window, not its connect timeout (issue 17: site loss).
   */
  Result ask(
      Collection<String> hosts, boolean tolerateUnreachable, Future<Optional<String>> probe) {
    Pattern inet = Pattern.compile("\\sinet " + Pattern.quote(config.address()) + "/");
    Map<String, Future<CommandResult>> asked = new TreeMap<>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      long now = System.nanoTime();
      for (String name : hosts) {
        VipHost h = config.hosts().get(name);
        Long until = unreachableUntil.get(name);
        if (tolerateUnreachable && until != null && now - until < 0) {
          continue; // did not answer moments ago: as if it failed again, without the wait
        }
        asked.put(
            name,
            pool.submit(
                () -> {
                  CommandResult r =
                      VipCommands.exec(
                          config,
                          h,
                          List.of("ip", "-o", "-4", "addr", "show", "dev", h.voipInterface()));
                  if (!r.ok()) {
                    // ssh: exit 255 when unreachable
                    throw VipCommands.failure(name, "ip addr show", r);
                  }
                  return r;
                }));
      }
      List<String> out = new ArrayList<>();
      Set<String> answered = new TreeSet<>();
      for (Map.Entry<String, Future<CommandResult>> e : asked.entrySet()) {
        CommandResult r;
        try {
          if (tolerateUnreachable
              && probe != null
              && !config.hosts().get(e.getKey()).command().stoppable()
              && !answersBeforeAClearProbe(e.getValue(), probe)) {
            e.getValue().cancel(true); // the pool's close would wait for it
            unreachableUntil.put(e.getKey(), System.nanoTime() + UNREACHABLE_MEMORY.toNanos());
            LOG.warn(
                "vip: not waiting for {} to say whether it carries {}: the duplicate probe heard"
                    + " nobody",
                e.getKey(),
                VipCommands.cidr(config));
            continue;
          }
          r = e.getValue().get();
        } catch (ExecutionException ex) {
          if (!(ex.getCause() instanceof TransientException t)) {
            throw ex.getCause() instanceof RuntimeException re
                ? re
                : new IllegalStateException(ex.getCause());
          }
          unreachableUntil.put(e.getKey(), System.nanoTime() + UNREACHABLE_MEMORY.toNanos());
          if (!tolerateUnreachable) {
            throw t;
          }
          LOG.warn(
              "vip: cannot ask {} whether it carries {}: {}",
              e.getKey(),
              VipCommands.cidr(config),
              t.getMessage());
          continue;
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          asked.values().forEach(f -> f.cancel(true));
          throw new TransientException("vip: interrupted while asking the hosts", ex);
        }
        unreachableUntil.remove(e.getKey());
        answered.add(e.getKey());
        if (inet.matcher(r.stdout()).find()) {
          out.add(e.getKey());
        }
      }
      return new Result(List.copyOf(out), answered);
    }
  }

  /**
   * Waits for {@code ask} until it answers (true) or {@code probe} ended having heard nobody
   * (false, the ask still running: the pool's close interrupts it). A probe that heard someone, or
   * could not run, leaves the ask to be waited for.
   */
  private static boolean answersBeforeAClearProbe(
      Future<CommandResult> ask, Future<Optional<String>> probe) throws InterruptedException {
    CompletableFuture<Object> first =
        CompletableFuture.anyOf(
            CompletableFuture.runAsync(() -> awaitQuietly(ask), VipCommands.BACKGROUND),
            CompletableFuture.runAsync(() -> awaitQuietly(probe), VipCommands.BACKGROUND));
    try {
      first.get();
    } catch (ExecutionException e) {
      return true; // cannot tell: wait for the ask as before
    }
    if (ask.isDone()) {
      return true;
    }
    try {
      return !(probe.isDone() && !probe.isCancelled() && probe.get().isEmpty());
    } catch (ExecutionException e) {
      return true;
    }
  }

  private static void awaitQuietly(Future<?> f) {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | CancellationException e) {
      // done either way
    }
  }
}
