package io.tandem.core.runbook.standard;

import io.tandem.core.error.ConfigException;
import io.tandem.core.port.PbxControl;
import io.tandem.core.runbook.RunKind;
import io.tandem.core.runbook.Runbook;
import io.tandem.core.runbook.Stage;
import io.tandem.core.runbook.StageKind;
import io.tandem.core.runbook.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the standard failover and switchover runbooks from a {@link FailoverTopology}, so that no
 * site needs a hand-written runbook.
 *
 * <p>Failover: [approval] → [fencing approval] → fence old site (best effort, bounded by its
 * timeout) → [claim: record the new holder's epoch on its own machine] → move addresses ∥ update
 * DNS ∥ re-register trunks ∥ open the new PBX → verify from outside (probes ∥ authoritative DNS ∥
 * registrar contacts) → notify. Switchover: [approval] → drain calls on the old site → sync current
 * → then the failover stages, without fencing unless {@link RunbookOptions#fenceOnSwitchover()}
 * (the drained old site is healthy; drills come back to it). Activation (a cold cluster's first
 * active site): move → verify → notify, no gate, no fence, an INFO notice.
 *
 * <p>Whether a failover fences is decided before the runbook is built: the topology carries a fence
 * target only for a site seen serving under an older epoch.
 */
public final class StandardRunbooks {

  private StandardRunbooks() {}

  public static Runbook failover(FailoverTopology t, RunbookOptions o) {
    List<Stage> stages = new ArrayList<>();
    o.approval().ifPresent(g -> stages.add(Stage.gate(g)));
    addMoveStages(t, o, stages, "Failover", true);
    return new Runbook(
        "failover " + t.cluster() + ": " + t.fromSite() + " → " + t.toSite(),
        RunKind.FAILOVER,
        stages);
  }

  /**
   * The runbook of a first activation: nothing was serving, so nothing is fenced or drained (a
   * fence target in the topology is ignored) and the notice is INFO. {@code t.fromSite()} only
   * names whose trunk contacts are dropped.
   */
  public static Runbook activation(FailoverTopology t, RunbookOptions o) {
    List<Stage> stages = new ArrayList<>();
    addMoveStages(t, o, stages, "Activation", false);
    return new Runbook("activation " + t.cluster() + ": " + t.toSite(), RunKind.ACTIVATION, stages);
  }

  public static Runbook switchover(FailoverTopology t, RunbookOptions o) {
    PbxControl oldPbx =
        t.oldPbx()
            .orElseThrow(
                () ->
                    new ConfigException(
                        "switchover of "
                            + t.cluster()
                            + ": field 'oldPbx' is required to drain calls"));
    List<Stage> stages = new ArrayList<>();
    o.approval().ifPresent(g -> stages.add(Stage.gate(g)));
    stages.add(
        Stage.of(
            "drain",
            StageKind.DRAIN,
            List.of(
                new CheckSteps.Drain(
                    oldPbx,
                    t.fromSite(),
                    o.drainThreshold(),
                    !o.drainTimeoutAborts(),
                    o.drain()))));
    if (!t.syncJobs().isEmpty()) {
      stages.add(
          Stage.of(
              "sync",
              StageKind.SYNC_CHECK,
              t.syncJobs().stream()
                  .<Step>map(j -> new CheckSteps.Sync(j, o.maxSyncLag(), o.sync()))
                  .toList()));
    }
    addMoveStages(t, o, stages, "Switchover", o.fenceOnSwitchover());
    return new Runbook(
        "switchover " + t.cluster() + ": " + t.fromSite() + " → " + t.toSite(),
        RunKind.SWITCHOVER,
        stages);
  }

  private static void addMoveStages(
      FailoverTopology t, RunbookOptions o, List<Stage> stages, String what, boolean fence) {
    t.fence()
        .filter(f -> fence)
        .ifPresent(
            f -> {
              // policies.approvalGates: before-fencing waits right here, only when someone is
              // fenced
              o.fencingApproval().ifPresent(g -> stages.add(Stage.gate(g)));
              stages.add(
                  Stage.of(
                      "fence",
                      StageKind.FENCE,
                      List.of(new SwitchSteps.Fence(f, t.fromSite(), o.fence()))));
            });
    t.holder()
        .ifPresent(
            h ->
                stages.add(
                    Stage.of(
                        "claim",
                        StageKind.OTHER,
                        List.of(new SwitchSteps.RecordHolder(h, t.toSite(), o.change())))));
    List<Step> moves = new ArrayList<>();
    t.addresses().forEach(a -> moves.add(new SwitchSteps.Address(a, o.change())));
    t.dnsRecords().forEach(d -> moves.add(new SwitchSteps.Dns(d, o.change())));
    t.trunks().forEach(tr -> moves.add(new SwitchSteps.Trunk(tr, o.change())));
    t.newPbx().ifPresent(p -> moves.add(new SwitchSteps.AcceptCalls(p, t.toSite(), o.change())));
    stages.add(Stage.of("switch", StageKind.SWITCH, moves));
    List<Step> checks = new ArrayList<>();
    for (int i = 0; i < t.probes().size(); i++) {
      checks.add(new CheckSteps.ProbeCheck("probe:" + (i + 1), t.probes().get(i), o.verify()));
    }
    t.dnsRecords().forEach(d -> checks.add(new VerifySteps.DnsAnswer(d, o.verify())));
    t.trunks().forEach(tr -> checks.add(new VerifySteps.Registration(tr, o.verify())));
    if (!checks.isEmpty()) {
      stages.add(Stage.of("verify", StageKind.VERIFY, checks));
    }
    t.notifier()
        .ifPresent(
            n ->
                stages.add(
                    Stage.of(
                        "notify",
                        StageKind.NOTIFY,
                        List.of(
                            new CheckSteps.Notify(
                                n,
                                what + " of " + t.cluster() + " to site " + t.toSite() + " done",
                                o.notice())))));
  }
}
