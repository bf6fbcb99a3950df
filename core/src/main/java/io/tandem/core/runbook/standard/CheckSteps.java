package io.tandem.core.runbook.standard;

import io.tandem.core.port.PbxControl;
import io.tandem.core.port.PbxStatus;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.SyncStatus;
import io.tandem.core.runbook.Notice;
import io.tandem.core.runbook.Notifier;
import io.tandem.core.runbook.Observation;
import io.tandem.core.runbook.Probe;
import io.tandem.core.runbook.ProbeResult;
import io.tandem.core.runbook.RunKind;
import io.tandem.core.runbook.Step;
import io.tandem.core.runbook.StepContext;
import io.tandem.core.runbook.StepPolicy;
import io.tandem.core.runbook.StepSpec;
import io.tandem.core.runbook.Verification;
import java.time.Duration;

/** Drain, sync, outside verification and notification steps. */
final class CheckSteps {

  private CheckSteps() {}

  /** Stops new calls on the old site and waits until its active calls fall to a threshold. */
  record Drain(PbxControl pbx, String site, int threshold, boolean bestEffort, StepPolicy policy)
      implements Step {
    @Override
    public StepSpec spec() {
      return new StepSpec(
          "drain:" + site,
          "Drain calls on site " + site + " (stop new calls, wait for ≤ " + threshold + " active)",
          "pbx-" + site,
          true,
          bestEffort,
          policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      PbxStatus s = pbx.status();
      return new Observation(
          "PBX of site " + site,
          show(s),
          "refusing new calls, ≤ " + threshold + " active",
          s.acceptingCalls() || s.activeCalls() > threshold);
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      pbx.stopNewCalls();
      return show(pbx.status());
    }

    @Override
    public Verification verify(StepContext ctx) {
      PbxStatus s = pbx.status();
      // the version says who answered: the PBX itself, or its agent's report (a handover)
      return new Verification(
          !s.acceptingCalls() && s.activeCalls() <= threshold, show(s) + " — " + s.version());
    }

    private static String show(PbxStatus s) {
      return (s.acceptingCalls() ? "accepting" : "refusing")
          + " new calls, "
          + s.activeCalls()
          + " active";
    }
  }

  /**
   * Makes sure a sync job is current: runs it once more if its lag is too high. A job the old
   * active already made current or had accepted as stale ({@link SyncJob#checkedBeforeHandover()})
   * is only recorded: its freshness goes into the run's report, and the run neither waits for it
   * nor fails on it.
   */
  record Sync(SyncJob job, Duration maxLag, StepPolicy policy) implements Step {
    @Override
    public StepSpec spec() {
      return StepSpec.of(
          "sync:" + job.name(),
          job.checkedBeforeHandover()
              ? "Record sync " + job.name() + " (checked by the old active before the handover)"
              : "Check sync " + job.name() + " is current",
          "sync-" + job.name(),
          policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      SyncStatus s = job.status();
      if (job.checkedBeforeHandover()) {
        return Observation.check("sync " + job.name(), show(s));
      }
      return new Observation(
          "sync " + job.name(), show(s), "lag ≤ " + seconds(maxLag), !current(s));
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      return show(job.runOnce());
    }

    @Override
    public Verification verify(StepContext ctx) {
      SyncStatus s = job.status();
      if (job.checkedBeforeHandover()) {
        return new Verification(
            true,
            show(s)
                + (current(s) ? "" : "; not current here, made current or accepted as stale")
                + " on the old active before the handover");
      }
      return new Verification(current(s), show(s));
    }

    private boolean current(SyncStatus s) {
      return s.lastSuccess().isPresent() && s.lagSeconds() <= maxLag.toMillis() / 1000.0;
    }

    private static String show(SyncStatus s) {
      return "lag " + s.lagSeconds() + " s" + (s.detail().isEmpty() ? "" : " (" + s.detail() + ")");
    }

    private static String seconds(Duration d) {
      return d.toSeconds() + " s";
    }
  }

  /** An outside probe; a pure check polled until it passes or times out. */
  record ProbeCheck(String id, Probe probe, StepPolicy policy) implements Step {
    @Override
    public StepSpec spec() {
      return StepSpec.of(id, "Check " + probe.expectation(), probe.provider(), policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      return Observation.check(probe.expectation(), "checked after the switch");
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      throw new IllegalStateException("a check has nothing to apply");
    }

    @Override
    public Verification verify(StepContext ctx) {
      ProbeResult r = probe.check();
      return new Verification(r.ok(), r.observed());
    }
  }

  /** Sends the final notice; drills never page. */
  record Notify(Notifier notifier, String subject, StepPolicy policy) implements Step {
    @Override
    public StepSpec spec() {
      return new StepSpec("notify", "Notify: " + subject, "notifier", true, true, policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      return new Observation("notice", "not sent", "sent (" + severity(ctx) + ")", true);
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      Notice.Severity sev = severity(ctx);
      notifier.send(
          new Notice(
              sev,
              (ctx.drill() ? "[drill] " : "") + subject,
              "run " + ctx.runId() + " completed its changes as " + ctx.token(),
              ctx.drill()));
      return "sent (" + sev + ")";
    }

    @Override
    public Verification verify(StepContext ctx) {
      return Verification.ok("notice handed to the notifier");
    }

    static Notice.Severity severity(StepContext ctx) {
      if (ctx.drill()) {
        return Notice.Severity.INFO;
      }
      return ctx.kind() == RunKind.FAILOVER ? Notice.Severity.ALARM : Notice.Severity.INFO;
    }
  }
}
