package io.tandem.onprem.vip;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.AddressBinding;
import io.tandem.core.port.AddressMover;
import io.tandem.core.witness.FencingToken;
import io.tandem.onprem.vip.HostCommand.CommandResult;
import io.tandem.onprem.vip.VipConfig.VipHost;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AddressMover} for a virtual IP shared by the hosts of one site: {@code ip addr del} on the
 * hosts that carry it, {@code ip addr add} on the target, then gratuitous ARP ({@code arping -U})
 * so switches and neighbours learn the new MAC at once instead of after their ARP cache ages out.
 *
 * <p><b>Duplicate-address detection.</b> The epoch file below lives in each agent's own data
 * directory, so it cannot stop another agent; the network can. Before claiming the address the
 * target host probes for it as RFC 5227 §2.1.1 describes ({@code arping -D}: ARP requests with
 * sender address 0.0.0.0, which update nobody's cache). Any reply means a machine outside Tandem's
 * control — a host that could not be reached to remove the address, an old agent, a misconfigured
 * server — still answers for it: the move is refused with a {@link ConflictException} naming the
 * MAC that answered, and nothing is added. {@link #observe} probes too when no configured host
 * carries the address, and reports such a machine as where the address is attached.
 *
 * <p>The epoch is recorded in a small properties file ({@code epoch}, {@code site}, {@code host}),
 * written atomically <em>before</em> the address is touched, so a mover of this agent acting under
 * an older ticket afterwards finds the newer epoch and refuses ({@link StaleEpochException}).
 *
 * <p><b>Speed.</b> The hosts are asked at once (a dead one costs its connect timeout once, and is
 * not asked again to verify the move, nor waited for once the duplicate probe heard nobody); the
 * duplicate probe from this machine listens {@link #DAD_WINDOW}, behind ssh {@code dadProbes}
 * seconds; the gratuitous ARP's first packet goes at once and, on a host whose commands this mover
 * can stop, the move does not wait for the repeats (see {@link #announce}).
 *
 * <p>If a host that still carries the address cannot be reached, the move goes on (that host is
 * usually the one that died) and logs a warning: the caller must have fenced it first (the {@code
 * Fencer} port), since gratuitous ARP only wins the neighbours over, it does not silence the old
 * host. IPv4 only. Thread-safe: moves are serialised on this object.
 */
public final class LinuxVipMover implements AddressMover {

  private static final Logger LOG = LoggerFactory.getLogger(LinuxVipMover.class);
  private static final Pattern REPLY_MAC = Pattern.compile("reply from \\S+ \\[([0-9A-Fa-f:]+)\\]");

  /**
   * Runs background announcements, a virtual thread each; {@link java.util.concurrent.Future#cancel
   * cancel(true)} interrupts it, and {@link LocalHostCommand} then kills its arping.
   */
  private static final java.util.concurrent.ExecutorService ANNOUNCER =
      java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

  /**
   * How long a host that did not answer is not asked again by an observation or a move that
   * tolerates unreachable hosts: the runbook observes, moves and verifies within seconds, and a
   * dead host would cost its connect timeout each time. Such a host is treated exactly as one whose
   * ask failed (not reported as carrying the address; the move goes on and relies on the duplicate
   * probe and the fence), so skipping it changes how long the answer takes, not the answer.
   */
  static final java.time.Duration UNREACHABLE_MEMORY = java.time.Duration.ofSeconds(3);

  private final Map<String, Long> unreachableUntil = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * How recent a duplicate probe that heard nobody may be for a move to rely on it instead of
   * probing again (RFC 5227 asks for a probe before the address is used, not for two): the
   * runbook's address step observes (which probes when no host carries the address) and then moves,
   * so the move's own probe would cost a second more for the same answer.
   */
  static final java.time.Duration FRESH_PROBE = java.time.Duration.ofSeconds(2);

  private volatile long lastClearProbe = Long.MIN_VALUE;

  /**
   * How long a single duplicate probe from this machine listens for an answer. iputils arping takes
   * whole seconds ({@code -w 1}: "invalid argument: '0.3'" for less) and waits them out when nobody
   * answers, which cost a full second of every failover (issue 17: bench-failover's site loss spent
   * ~1 s of its ~3.3 s here). A machine that holds the address answers from its kernel (no process
   * needs to run) within milliseconds on one segment, and within one round trip where a VoIP
   * network is stretched between sites; so on a host whose commands this mover can stop, the probe
   * is stopped after this window and heard nobody. Behind ssh it runs its whole second.
   */
  static final java.time.Duration DAD_WINDOW = java.time.Duration.ofMillis(300);

  private final VipConfig config;
  private java.util.concurrent.Future<?> announcing; // guarded by this

  public LinuxVipMover(VipConfig config) {
    this.config = config;
  }

  @Override
  public String provider() {
    return "linux-vip";
  }

  @Override
  public synchronized AddressBinding observe(String address) {
    // a host that cannot be asked (usually the one that died) is not reported as a carrier: the
    // runbook observes before every move, and the move must go on without that host
    return observe(address, true);
  }

  private AddressBinding observe(String address, boolean tolerateUnreachable) {
    requireOurs(address);
    // the duplicate probe (a second) from this machine's host runs beside the survey; its answer
    // is used only when no configured host carries the address
    Optional<String> local =
        config.hosts().entrySet().stream()
            .filter(e -> e.getValue().command().stoppable())
            .map(Map.Entry::getKey)
            .sorted()
            .findFirst();
    java.util.concurrent.Future<Optional<String>> early =
        local.map(h -> ANNOUNCER.submit(() -> duplicate(h, 1))).orElse(null);
    Survey survey;
    try {
      survey = survey(config.hosts().keySet(), tolerateUnreachable, early);
    } catch (RuntimeException e) {
      if (early != null) {
        early.cancel(true);
      }
      throw e;
    }
    List<String> carriers = survey.carriers();
    Properties state = readState();
    Optional<String> attached;
    if (!carriers.isEmpty()) {
      if (early != null) {
        early.cancel(true);
      }
      attached = Optional.of(String.join(",", carriers));
    } else {
      attached = probed(early, survey.answered()).map(LinuxVipMover::elsewhere);
    }
    return new AddressBinding(
        address,
        address,
        attached,
        recordedEpoch(state),
        Optional.ofNullable(state.getProperty("site")));
  }

  @Override
  public synchronized AddressBinding move(String address, String target, FencingToken token) {
    requireOurs(address);
    VipHost to = config.hosts().get(target);
    if (to == null) {
      throw new ResourceNotFoundException(
          "vip: unknown host '" + target + "', expected one of " + config.hosts().keySet());
    }
    Properties state = readState();
    long recorded = recordedEpoch(state);
    if (!token.mayOverwrite(recorded)) {
      throw new StaleEpochException("vip " + address, token.epoch(), recorded);
    }
    stopAnnouncing(); // an announcement of an earlier move must not outlive this one
    Survey before = survey(config.hosts().keySet(), true);
    List<String> carriers = before.carriers();
    if (carriers.equals(List.of(target)) && recorded == token.epoch()) {
      return observe(address); // idempotent: already there under this epoch
    }
    writeState(token, target);
    for (String host : carriers) {
      if (!host.equals(target)) {
        remove(host);
      }
    }
    if (!carriers.contains(target)) {
      // a probe that heard nobody moments ago, with nothing removed since, answers the question
      // already (the runbook observes right before it moves); otherwise probe now
      long clear = lastClearProbe;
      boolean fresh =
          carriers.isEmpty()
              && clear != Long.MIN_VALUE
              && System.nanoTime() - clear < FRESH_PROBE.toNanos();
      Optional<String> answering = fresh ? Optional.empty() : duplicate(target, config.dadProbes());
      if (answering.isPresent()) {
        throw new ConflictException(
            "vip: "
                + address
                + " still answers ARP from MAC "
                + answering.get()
                + " on the VoIP network of "
                + target
                + ", a machine that is none of the configured hosts "
                + config.hosts().keySet()
                + " or one that could not be reached to remove it: not claiming it (RFC 5227"
                + " duplicate-address detection); fence or reconfigure that machine");
      }
      CommandResult add = exec(to, List.of("ip", "addr", "add", cidr(), "dev", to.voipInterface()));
      if (!add.ok() && !add.stderr().contains("already assigned")) {
        throw failure(target, "ip addr add", add);
      }
    }
    // Announce even when the address was already there: neighbours may still point elsewhere.
    announce(target, to);
    // verified on the target and on every host that answered before the move (one that did not is
    // not asked again: a dead host would cost its connect timeout a second time)
    java.util.Set<String> ask = new java.util.TreeSet<>(before.answered());
    ask.add(target);
    List<String> now = survey(ask, true).carriers();
    Properties recordedNow = readState();
    AddressBinding after =
        new AddressBinding(
            address,
            address,
            now.isEmpty() ? Optional.empty() : Optional.of(String.join(",", now)),
            recordedEpoch(recordedNow),
            Optional.ofNullable(recordedNow.getProperty("site")));
    if (!after.attachedTo().equals(Optional.of(target))) {
      throw new ProtocolException(
          "vip: after the move " + address + " is on " + after.attachedTo().orElse("no host"));
    }
    return after;
  }

  /**
   * RFC 5227 probe from {@code host}: {@code arping -D} exits 0 when nobody answered, 1 when a
   * machine answered (its MAC is in the reply line), 2 on an error.
   *
   * @return the MAC that answered, if any
   */
  private Optional<String> duplicate(String host, int probes) {
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
          h.command().runListening(argv, DAD_WINDOW, config.commandTimeout());
      if (ended.isEmpty()) {
        lastClearProbe = started;
        return Optional.empty();
      }
      r = ended.get();
    } else {
      r = exec(h, argv);
    }
    if (r.exitCode() == 0) {
      lastClearProbe = started;
      return Optional.empty();
    }
    Matcher mac = REPLY_MAC.matcher(r.stdout());
    if (r.exitCode() == 1 && mac.find()) {
      return Optional.of(mac.group(1).toLowerCase(java.util.Locale.ROOT));
    }
    throw failure(host, "arping -D", r);
  }

  /** The duplicate-address probe from the first host that can be reached (a dead one cannot). */
  /** The early probe's answer, or a probe from a host that answered if it had none. */
  private Optional<String> probed(
      java.util.concurrent.Future<Optional<String>> early, java.util.Set<String> answered) {
    if (early != null) {
      try {
        return early.get();
      } catch (InterruptedException e) {
        early.cancel(true);
        Thread.currentThread().interrupt();
        throw new TransientException("vip: interrupted while probing", e);
      } catch (java.util.concurrent.ExecutionException e) {
        LOG.warn("vip: cannot probe for {}: {}", cidr(), e.getCause().getMessage());
      }
    }
    return probeFromAReachableHost(answered);
  }

  private Optional<String> probeFromAReachableHost(java.util.Set<String> answered) {
    // a host that did not answer just now would cost its connect timeout again
    for (String host : answered) {
      try {
        return duplicate(host, 1);
      } catch (TransientException e) {
        LOG.warn("vip: cannot probe for {} from {}: {}", cidr(), host, e.getMessage());
      }
    }
    return Optional.empty();
  }

  private static String elsewhere(String mac) {
    return "unknown machine (answers ARP from MAC " + mac + ")";
  }

  /**
   * Gratuitous ARP from {@code target}: {@code arping -U -c garpCount}, one packet a second
   * (iputils arping takes whole seconds), the first at once. On a host whose commands this mover
   * can stop (this machine) the move does not wait for the repeats: they go on in the background
   * and are stopped before any later move or removal by this mover ({@link #stopAnnouncing}), so
   * they never announce an address this host no longer carries. Behind ssh the move waits for them.
   */
  private void announce(String target, VipHost to) {
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
      CommandResult garp = exec(to, argv);
      if (!garp.ok()) {
        throw failure(target, "arping -U", garp);
      }
      return;
    }
    announcing =
        ANNOUNCER.submit(
            () -> {
              try {
                CommandResult garp = exec(to, argv);
                if (!garp.ok()) {
                  LOG.warn("vip: {}", failure(target, "arping -U", garp).getMessage());
                }
              } catch (TransientException e) {
                LOG.debug("vip: announcement from {} stopped: {}", target, e.getMessage());
              }
            });
  }

  /** Stops the background announcement of the last move, if it still runs (kills its arping). */
  private void stopAnnouncing() {
    java.util.concurrent.Future<?> a = announcing;
    if (a != null && !a.isDone()) {
      a.cancel(true);
    }
    announcing = null;
  }

  private void remove(String host) {
    stopAnnouncing();
    VipHost h = config.hosts().get(host);
    try {
      CommandResult del = exec(h, List.of("ip", "addr", "del", cidr(), "dev", h.voipInterface()));
      if (!del.ok() && !del.stderr().contains("not found")) {
        throw failure(host, "ip addr del", del);
      }
    } catch (TransientException e) {
      LOG.warn(
          "vip: could not remove {} from {} ({}); it must be fenced", cidr(), host, e.getMessage());
    }
  }

  /** Hosts whose VoIP interface carries the address now. */
  private List<String> carriers(boolean tolerateUnreachable) {
    return survey(config.hosts().keySet(), tolerateUnreachable).carriers();
  }

  /**
   * What {@code hosts} answered when asked whether they carry the address, asked all at once (a
   * host that died costs its connect timeout once, not once per host in a row).
   *
   * @param carriers the hosts that carry it, sorted
   * @param answered the hosts that answered at all
   */
  private record Survey(List<String> carriers, java.util.Set<String> answered) {}

  private Survey survey(java.util.Collection<String> hosts, boolean tolerateUnreachable) {
    return survey(hosts, tolerateUnreachable, null);
  }

  /**
   * As above; with {@code probe} (a duplicate probe from this machine, running beside the survey) a
   * host behind ssh that has not answered by the time the probe heard nobody is not waited for: had
   * it carried the address on the VoIP network it would have answered the probe. It is treated as a
   * host that did not answer (not asked again for {@link #UNREACHABLE_MEMORY}). A dead host then
   * costs the probe's window, not its connect timeout (issue 17: site loss).
   */
  private Survey survey(
      java.util.Collection<String> hosts,
      boolean tolerateUnreachable,
      java.util.concurrent.Future<Optional<String>> probe) {
    Pattern inet = Pattern.compile("\\sinet " + Pattern.quote(config.address()) + "/");
    Map<String, java.util.concurrent.Future<CommandResult>> asked = new java.util.TreeMap<>();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
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
                      exec(h, List.of("ip", "-o", "-4", "addr", "show", "dev", h.voipInterface()));
                  if (!r.ok()) {
                    throw failure(name, "ip addr show", r); // ssh: exit 255 when unreachable
                  }
                  return r;
                }));
      }
      List<String> out = new ArrayList<>();
      java.util.Set<String> answered = new java.util.TreeSet<>();
      for (Map.Entry<String, java.util.concurrent.Future<CommandResult>> e : asked.entrySet()) {
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
                cidr());
            continue;
          }
          r = e.getValue().get();
        } catch (java.util.concurrent.ExecutionException ex) {
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
              "vip: cannot ask {} whether it carries {}: {}", e.getKey(), cidr(), t.getMessage());
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
      return new Survey(List.copyOf(out), answered);
    }
  }

  /**
   * Waits for {@code ask} until it answers (true) or {@code probe} ended having heard nobody
   * (false, the ask still running: the pool's close interrupts it). A probe that heard someone, or
   * could not run, leaves the ask to be waited for.
   */
  private static boolean answersBeforeAClearProbe(
      java.util.concurrent.Future<CommandResult> ask,
      java.util.concurrent.Future<Optional<String>> probe)
      throws InterruptedException {
    java.util.concurrent.CompletableFuture<Object> first =
        java.util.concurrent.CompletableFuture.anyOf(
            java.util.concurrent.CompletableFuture.runAsync(() -> awaitQuietly(ask), ANNOUNCER),
            java.util.concurrent.CompletableFuture.runAsync(() -> awaitQuietly(probe), ANNOUNCER));
    try {
      first.get();
    } catch (java.util.concurrent.ExecutionException e) {
      return true; // cannot tell: wait for the ask as before
    }
    if (ask.isDone()) {
      return true;
    }
    try {
      return !(probe.isDone() && !probe.isCancelled() && probe.get().isEmpty());
    } catch (java.util.concurrent.ExecutionException e) {
      return true;
    }
  }

  private static void awaitQuietly(java.util.concurrent.Future<?> f) {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException
        | java.util.concurrent.CancellationException e) {
      // done either way
    }
  }

  private CommandResult exec(VipHost host, List<String> argv) {
    return host.command().run(argv, config.commandTimeout());
  }

  private String cidr() {
    return config.address() + "/" + config.prefixLength();
  }

  private void requireOurs(String address) {
    // the cluster file (and so the runbook) names a VIP as address/prefix
    if (!config.address().equals(address) && !cidr().equals(address)) {
      throw new ResourceNotFoundException(
          "vip: this mover handles " + config.address() + ", not " + address);
    }
  }

  private static RuntimeException failure(String host, String what, CommandResult r) {
    String err = r.stderr().strip();
    if (err.contains("Operation not permitted") || err.contains("must be run as root")) {
      return new io.tandem.core.error.PermissionException(
          "vip: " + what + " on " + host + " needs CAP_NET_ADMIN/CAP_NET_RAW: " + err);
    }
    if (err.contains("Cannot find device") || err.contains("does not exist")) {
      return new ConfigException("vip: " + what + " on " + host + ": " + err);
    }
    return new TransientException(
        "vip: " + what + " on " + host + " failed (exit " + r.exitCode() + "): " + err);
  }

  private long recordedEpoch(Properties state) {
    try {
      return Long.parseLong(state.getProperty("epoch", "0").strip());
    } catch (NumberFormatException e) {
      throw new ConfigException("vip: state file " + config.stateFile() + " has a bad epoch");
    }
  }

  private Properties readState() {
    Properties p = new Properties();
    Path file = config.stateFile();
    if (Files.exists(file)) {
      try (Reader in = Files.newBufferedReader(file)) {
        p.load(in);
      } catch (IOException e) {
        throw new ConfigException("vip: cannot read state file " + file + ": " + e.getMessage(), e);
      }
    }
    return p;
  }

  private void writeState(FencingToken token, String host) {
    Path file = config.stateFile();
    Properties p = new Properties();
    p.setProperty("epoch", Long.toString(token.epoch()));
    p.setProperty("site", token.site());
    p.setProperty("cluster", token.cluster());
    p.setProperty("host", host);
    p.setProperty("address", config.address());
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      try (Writer out = Files.newBufferedWriter(tmp)) {
        p.store(out, "Tandem VIP state: the epoch of the last move");
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new ConfigException("vip: cannot write state file " + file + ": " + e.getMessage(), e);
    }
  }
}
