package io.tandem.app.agent;

import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.effects.Activation;
import io.tandem.core.agent.effects.ActivationCause;
import io.tandem.core.runbook.RunRequest;
import io.tandem.core.runbook.Runbook;
import io.tandem.core.runbook.standard.RunbookOptions;
import io.tandem.core.runbook.standard.StandardRunbooks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Why a site activates decides what runs (design brief, "Runbooks"; issue 12.1, 12.2): this turns
 * an {@link Activation} into the runbook and the request that carry it out, with the reasons in the
 * run's notes. The same builder serves {@code tandem plan}, so a plan shows exactly the runbook
 * that would run.
 *
 * <ul>
 *   <li>{@link ActivationCause.FirstActivation}: the activation runbook; fences and pages nobody.
 *   <li>{@link ActivationCause.Outage} and {@link ActivationCause.Forced}: the failover runbook,
 *       fencing only a site seen serving under an older epoch — named by peer reports, or, when no
 *       report names one, the site the shared service resources (DNS, addresses, trunk contacts)
 *       still point at. A forced run is marked as forced.
 *   <li>{@link ActivationCause.PlannedHandover} and {@link ActivationCause.Drill}: the switchover
 *       runbook — wait for the old site's calls to drain, check sync, move — without fencing the
 *       cooperating old site; a drill is marked as a drill.
 * </ul>
 *
 * <p>Thread-safe (stateless apart from its collaborators).
 */
final class ActivationPlans {

  /**
   * What an activation runs.
   *
   * @param runbook the runbook
   * @param request the run request (id, token, timings, notes)
   * @param from the old site in the topology
   * @param fenced the site the runbook fences, if any
   */
  record Planned(Runbook runbook, RunRequest request, String from, Optional<String> fenced) {}

  /** Whom an outage fences, and why, in words. */
  record FenceDecision(Optional<String> site, String words) {}

  private final String site;
  private final FailoverTopologies topologies;
  private final RunbookOptions failoverOptions;
  private final RunbookOptions plannedOptions;
  private final Function<String, HandoverPbx> handoverPbx;
  private final Supplier<List<Decision>> history;
  private final Duration evidenceTimeout;

  /**
   * @param options the cluster's runbook options (an approval gate applies to failovers only)
   * @param handoverPbx how this site watches another site's PBX drain
   * @param history the decision loop's recent decisions (for the detection time)
   * @param evidenceTimeout bound on reading the service resources for a fence decision
   */
  ActivationPlans(
      String site,
      FailoverTopologies topologies,
      RunbookOptions options,
      Function<String, HandoverPbx> handoverPbx,
      Supplier<List<Decision>> history,
      Duration evidenceTimeout) {
    this.site = site;
    this.topologies = topologies;
    this.failoverOptions = options;
    this.plannedOptions = options.withoutApproval();
    this.handoverPbx = handoverPbx;
    this.history = history;
    this.evidenceTimeout = evidenceTimeout;
  }

  Planned plan(Activation a) {
    long epoch = a.token().epoch();
    String stamp = epoch + "-" + a.decidedAt().toEpochMilli();
    return switch (a.cause()) {
      case ActivationCause.FirstActivation f -> {
        String from = preferredOther();
        RunRequest r =
            request("activation-" + stamp, a, Optional.empty())
                .withNote(
                    "cause",
                    "first activation: no site was seen serving and the witness names no earlier"
                        + " holder")
                .withNote("fence", "nobody fenced: nothing was serving before this site");
        yield new Planned(
            StandardRunbooks.activation(topologies.between(from, site, false), plannedOptions),
            r,
            from,
            Optional.empty());
      }
      case ActivationCause.Outage o -> {
        FenceDecision fd = decideFence(o.lastServing(), o.lastServingEpoch(), epoch);
        String from =
            fd.site()
                .or(() -> o.lastServing().filter(s -> !s.equals(site)))
                .orElseGet(this::preferredOther);
        RunRequest r =
            request("failover-" + stamp, a, Optional.of(o.faultFirstSeen()))
                .withNote(
                    "cause",
                    "outage: "
                        + o.lastServing()
                            .map(
                                s ->
                                    s
                                        + " was last seen serving"
                                        + (o.lastServingEpoch() > 0
                                            ? " under epoch " + o.lastServingEpoch()
                                            : ""))
                            .orElse("no site was seen serving")
                        + "; the fault was first seen at "
                        + o.faultFirstSeen())
                .withNote("fence", fd.words());
        yield failover(from, fd, r);
      }
      case ActivationCause.Forced f -> {
        FenceDecision fd = decideFence(f.lastServing(), f.lastServingEpoch(), epoch);
        String from =
            fd.site()
                .or(() -> f.lastServing().filter(s -> !s.equals(site)))
                .orElseGet(this::preferredOther);
        RunRequest r =
            request("forced-" + stamp, a, Optional.empty())
                .withNote(
                    "cause",
                    "forced: an operator forced the acquire and acknowledged that another site"
                        + " may still be serving")
                .withNote("forced", "yes")
                .withNote("fence", fd.words());
        yield failover(from, fd, r);
      }
      case ActivationCause.PlannedHandover h -> {
        RunRequest r =
            request("switchover-" + stamp, a, Optional.empty())
                .withNote(
                    "cause",
                    "planned handover from "
                        + h.from()
                        + " (epoch "
                        + h.fromEpoch()
                        + "): it stopped taking new calls and released the ticket to this site")
                .withNote("fence", handoverFenceWords(h.from()));
        yield handover(h.from(), r);
      }
      case ActivationCause.Drill d -> {
        RunRequest r =
            request("drill-" + stamp, a, Optional.empty())
                .asDrill()
                .withNote("cause", "drill: a switchover from " + d.from() + " marked as a drill")
                .withNote("fence", handoverFenceWords(d.from()));
        yield handover(d.from(), r);
      }
    };
  }

  /**
   * The runbook {@code tandem plan} shows for a move of the service from {@code from} to {@code
   * to}: the switchover runbook (as a planned handover runs it) or the failover runbook (fencing
   * {@code from}, as an outage in which it was seen serving runs it).
   */
  Runbook preview(String from, String to, boolean switchover) {
    HandoverPbx old = handoverPbx.apply(from);
    if (switchover) {
      return StandardRunbooks.switchover(
          topologies.preview(from, to, plannedOptions.fenceOnSwitchover(), old), plannedOptions);
    }
    return StandardRunbooks.failover(topologies.preview(from, to, true, old), failoverOptions);
  }

  private Planned failover(String from, FenceDecision fd, RunRequest r) {
    boolean fence = fd.site().filter(from::equals).isPresent();
    return new Planned(
        StandardRunbooks.failover(topologies.between(from, site, fence), failoverOptions),
        r,
        from,
        fence && topologies.fenceable(from) ? fd.site() : Optional.empty());
  }

  private Planned handover(String from, RunRequest r) {
    boolean fence = plannedOptions.fenceOnSwitchover();
    return new Planned(
        StandardRunbooks.switchover(
            topologies.handover(from, site, fence, handoverPbx.apply(from)), plannedOptions),
        r,
        from,
        fence ? Optional.of(from) : Optional.empty());
  }

  private String handoverFenceWords(String from) {
    return plannedOptions.fenceOnSwitchover()
        ? "fence " + from + " after its calls drained: fenceOnSwitchover is set"
        : "not fenced: "
            + from
            + " handed over, drains its calls and cooperates (planned switchover)";
  }

  /**
   * Whom an outage (or a forced acquire) fences: only a site seen serving under an older epoch.
   * Peer reports name it when they can; otherwise the shared service resources are read, and a site
   * they still point at is fenced. Nobody else is.
   */
  FenceDecision decideFence(Optional<String> lastServing, long lastServingEpoch, long epoch) {
    if (lastServing.filter(site::equals).isPresent()) {
      return new FenceDecision(
          Optional.empty(),
          "nobody fenced: this site itself was the last one seen serving (epoch "
              + lastServingEpoch
              + ")");
    }
    if (lastServing.isPresent() && lastServingEpoch > 0) {
      String l = lastServing.get();
      if (lastServingEpoch >= epoch) {
        return new FenceDecision(
            Optional.empty(),
            "not fenced: "
                + l
                + " was reported serving under epoch "
                + lastServingEpoch
                + ", not older than this site's epoch "
                + epoch
                + "; every change checks the epoch instead");
      }
      return fenceable(
          l,
          "fence "
              + l
              + ": it was seen serving under epoch "
              + lastServingEpoch
              + " (peer reports) and this site now holds epoch "
              + epoch);
    }
    FailoverTopologies.ServiceHolders holders = topologies.serviceHolders(evidenceTimeout);
    String unread =
        holders.unreadable().isEmpty()
            ? ""
            : "; could not read: " + String.join("; ", holders.unreadable());
    Optional<String> pointedAt =
        topologies.others(site).stream().filter(holders.bySite()::containsKey).findFirst();
    if (pointedAt.isPresent()) {
      String r = pointedAt.get();
      return fenceable(
          r,
          "fence "
              + r
              + ": no peer report names a serving site"
              + lastServing.map(l -> " under a known epoch (" + l + " was named)").orElse("")
              + ", but the service still points at "
              + r
              + " ("
              + String.join("; ", holders.bySite().get(r))
              + ")"
              + unread);
    }
    List<String> mine = holders.bySite().getOrDefault(site, List.of());
    return new FenceDecision(
        Optional.empty(),
        "nobody fenced: no other site was seen serving (no peer report names one, and "
            + (mine.isEmpty()
                ? "the DNS records, addresses and trunk contacts point at no other site"
                : "the service already points at this site: " + String.join("; ", mine))
            + ")"
            + unread);
  }

  private FenceDecision fenceable(String s, String words) {
    return topologies.fenceable(s)
        ? new FenceDecision(Optional.of(s), words)
        : new FenceDecision(
            Optional.of(s),
            words
                + "; "
                + s
                + " has no fencer configured: it stops serving at its own ticket deadline");
  }

  private String preferredOther() {
    return topologies.others(site).getFirst();
  }

  /** The run request: id, token, the RTO's marks (fault first seen, acting, decided). */
  private RunRequest request(String runId, Activation a, Optional<Instant> faultFirstSeen) {
    Optional<Instant> acting =
        history.get().stream()
            .filter(d -> d.to() == AgentState.ACQUIRING && d.from() != AgentState.ACQUIRING)
            .map(Decision::at)
            .filter(t -> !t.isAfter(a.decidedAt()))
            .reduce((x, y) -> y.isAfter(x) ? y : x)
            .map(t -> faultFirstSeen.filter(f -> f.isAfter(t)).orElse(t));
    return new RunRequest(
        runId,
        a.token(),
        false,
        faultFirstSeen,
        faultFirstSeen.isPresent() ? acting : Optional.empty(),
        Optional.of(a.decidedAt()),
        Map.of());
  }
}
