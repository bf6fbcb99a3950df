package io.tandem.onprem.vip;

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
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AddressMover} for a virtual IP shared by the hosts of one site: {@code ip addr del} on the
 * hosts that carry it, {@code ip addr add} on the target, then gratuitous ARP ({@code arping -U})
 * so switches and neighbours learn the new MAC at once instead of after their ARP cache ages out.
 *
 * <p><b>Duplicate-address detection.</b> The epoch file below lives in each agent's own data
 * directory, so it cannot stop another agent; the network can. Before claiming the address the
 * target host probes for it as RFC 5227 §2.1.1 describes ({@link DuplicateProbe}). Any reply means
 * a machine outside Tandem's control still answers for it: the move is refused with a {@link
 * ConflictException} naming the MAC that answered, and nothing is added. {@link #observe} probes
 * too when no configured host carries the address, and reports such a machine as where the address
 * is attached.
 *
 * <p>The epoch is recorded in a small properties file ({@link VipStateFile}), written atomically
 * <em>before</em> the address is touched, so a mover of this agent acting under an older ticket
 * afterwards finds the newer epoch and refuses ({@link StaleEpochException}).
 *
 * <p><b>Speed.</b> The hosts are asked at once ({@link HostSurvey}: a dead one costs its connect
 * timeout once, and is not asked again to verify the move, nor waited for once the duplicate probe
 * heard nobody); the duplicate probe from this machine listens {@link
 * VipConfig#duplicateProbeWindow}, behind ssh {@code dadProbes} seconds; the gratuitous ARP's first
 * packet goes at once and, on a host whose commands this mover can stop, the move does not wait for
 * the repeats ({@link GratuitousArp}). A host behind ssh is reached over one kept-open connection
 * ({@link SshOptions}), opened before any fault by {@link #reach}, so its commands pay no
 * handshake.
 *
 * <p>If a host that still carries the address cannot be reached, the move goes on (that host is
 * usually the one that died) and logs a warning: the caller must have fenced it first (the {@code
 * Fencer} port), since gratuitous ARP only wins the neighbours over, it does not silence the old
 * host. IPv4 only. Thread-safe: moves are serialised on this object.
 */
public final class LinuxVipMover implements AddressMover {

  private static final Logger LOG = LoggerFactory.getLogger(LinuxVipMover.class);

  private final VipConfig config;
  private final VipStateFile state;
  private final HostSurvey survey;
  private final DuplicateProbe probe;
  private final GratuitousArp announcer;

  public LinuxVipMover(VipConfig config) {
    this.config = config;
    this.state = new VipStateFile(config.stateFile());
    this.survey = new HostSurvey(config);
    this.probe = new DuplicateProbe(config);
    this.announcer = new GratuitousArp(config);
  }

  /** How long a duplicate probe from this machine listens before the address is claimed. */
  public java.time.Duration duplicateProbeWindow() {
    return config.duplicateProbeWindow();
  }

  @Override
  public String provider() {
    return "linux-vip";
  }

  @Override
  public synchronized AddressBinding observe(String address) {
    // a host that cannot be asked (usually the one that died) is not reported as a carrier: the
    // runbook observes before every move, and the move must go on without that host
    requireOurs(address);
    // the duplicate probe from this machine's host runs beside the survey; its answer is used only
    // when no configured host carries the address
    Future<Optional<String>> early = probe.startFromThisMachine();
    HostSurvey.Result found;
    try {
      found = survey.ask(config.hosts().keySet(), true, early);
    } catch (RuntimeException e) {
      if (early != null) {
        early.cancel(true);
      }
      throw e;
    }
    List<String> carriers = found.carriers();
    VipStateFile.Recorded recorded = state.read();
    Optional<String> attached;
    if (!carriers.isEmpty()) {
      if (early != null) {
        early.cancel(true);
      }
      attached = Optional.of(String.join(",", carriers));
    } else {
      attached = probe.answer(early, found.answered()).map(LinuxVipMover::elsewhere);
    }
    return new AddressBinding(address, address, attached, recorded.epoch(), recorded.site());
  }

  @Override
  public synchronized AddressBinding move(String address, String target, FencingToken token) {
    requireOurs(address);
    VipHost to = config.hosts().get(target);
    if (to == null) {
      throw new ResourceNotFoundException(
          "vip: unknown host '" + target + "', expected one of " + config.hosts().keySet());
    }
    long recorded = state.read().epoch();
    if (!token.mayOverwrite(recorded)) {
      throw new StaleEpochException("vip " + address, token.epoch(), recorded);
    }
    announcer.stop(); // an announcement of an earlier move must not outlive this one
    HostSurvey.Result before = survey.ask(config.hosts().keySet(), true);
    List<String> carriers = before.carriers();
    if (carriers.equals(List.of(target)) && recorded == token.epoch()) {
      return observe(address); // idempotent: already there under this epoch
    }
    state.write(token, target, config.address());
    for (String host : carriers) {
      if (!host.equals(target)) {
        remove(host);
      }
    }
    if (!carriers.contains(target)) {
      // a probe that heard nobody moments ago, with nothing removed since, answers the question
      // already (the runbook observes right before it moves); otherwise probe now
      boolean fresh = carriers.isEmpty() && probe.recentlyClear();
      Optional<String> answering =
          fresh ? Optional.empty() : probe.from(target, config.dadProbes());
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
      CommandResult add =
          VipCommands.exec(
              config, to, List.of("ip", "addr", "add", cidr(), "dev", to.voipInterface()));
      if (!add.ok() && !add.stderr().contains("already assigned")) {
        throw VipCommands.failure(target, "ip addr add", add);
      }
    }
    // Announce even when the address was already there: neighbours may still point elsewhere.
    announcer.announce(target, to);
    // verified on the target and on every host that answered before the move (one that did not is
    // not asked again: a dead host would cost its connect timeout a second time)
    Set<String> ask = new TreeSet<>(before.answered());
    ask.add(target);
    List<String> now = survey.ask(ask, true).carriers();
    VipStateFile.Recorded recordedNow = state.read();
    AddressBinding after =
        new AddressBinding(
            address,
            address,
            now.isEmpty() ? Optional.empty() : Optional.of(String.join(",", now)),
            recordedNow.epoch(),
            recordedNow.site());
    if (!after.attachedTo().equals(Optional.of(target))) {
      throw new ProtocolException(
          "vip: after the move " + address + " is on " + after.attachedTo().orElse("no host"));
    }
    return after;
  }

  /**
   * The hosts this mover reaches over ssh (whose commands it cannot stop), in name order: the ones
   * a warm-up keeps connected.
   */
  public List<String> remoteHosts() {
    return config.hosts().entrySet().stream()
        .filter(e -> !e.getValue().command().stoppable())
        .map(java.util.Map.Entry::getKey)
        .sorted()
        .toList();
  }

  /**
   * Asks {@code host} for its IPv4 addresses on the VoIP interface, the survey's own read-only
   * command (so a forced command that allows the survey allows this): over ssh with connection
   * sharing this opens the host's master, or keeps it in use (issue 17.2: no call that could be
   * made before the fault is made after it). Not serialised with moves: a warm-up waiting for a
   * dead host never delays a move.
   *
   * @throws io.tandem.core.error.TransientException if the host cannot be reached
   */
  public void reach(String host) {
    VipHost h = config.hosts().get(host);
    if (h == null) {
      throw new ResourceNotFoundException(
          "vip: unknown host '" + host + "', expected one of " + config.hosts().keySet());
    }
    CommandResult r =
        VipCommands.exec(
            config, h, List.of("ip", "-o", "-4", "addr", "show", "dev", h.voipInterface()));
    if (!r.ok()) {
      throw VipCommands.failure(host, "ip addr show", r);
    }
  }

  private static String elsewhere(String mac) {
    return "unknown machine (answers ARP from MAC " + mac + ")";
  }

  private void remove(String host) {
    announcer.stop();
    VipHost h = config.hosts().get(host);
    try {
      CommandResult del =
          VipCommands.exec(
              config, h, List.of("ip", "addr", "del", cidr(), "dev", h.voipInterface()));
      if (!del.ok() && !del.stderr().contains("not found")) {
        throw VipCommands.failure(host, "ip addr del", del);
      }
    } catch (TransientException e) {
      LOG.warn(
          "vip: could not remove {} from {} ({}); it must be fenced", cidr(), host, e.getMessage());
    }
  }

  private String cidr() {
    return VipCommands.cidr(config);
  }

  private void requireOurs(String address) {
    // the cluster file (and so the runbook) names a VIP as address/prefix
    if (!config.address().equals(address) && !cidr().equals(address)) {
      throw new ResourceNotFoundException(
          "vip: this mover handles " + config.address() + ", not " + address);
    }
  }
}
