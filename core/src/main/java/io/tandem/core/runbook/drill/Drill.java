package io.tandem.core.runbook.drill;

import io.tandem.core.runbook.RunRequest;
import io.tandem.core.runbook.Runbook;
import io.tandem.core.runbook.RunbookEngine;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.witness.FencingToken;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A drill: a planned switchover to the standby and back, both legs run as drills (notices are
 * labelled and never page), with one combined report.
 *
 * <p>The back leg runs whenever it is safe to touch the resources again, so a half-done forward leg
 * is rolled back; it is skipped only if the forward leg lost the ticket or needs manual
 * intervention. Each leg asks {@code tokens} for the token to act under, so the agent can hand the
 * ticket over between the legs.
 *
 * @param engine the engine that runs both legs
 */
public record Drill(RunbookEngine engine) {

  public Drill {
    Objects.requireNonNull(engine, "engine");
  }

  /**
   * Runs the drill now (on demand, or when a {@link DrillSchedule} says it is due).
   *
   * @param forward switchover to the standby
   * @param back switchover back to the original site
   * @param forwardToken token for the first leg, asked just before it starts
   * @param backToken token for the second leg, asked just before it starts
   */
  public DrillReport run(
      String drillId,
      Runbook forward,
      Runbook back,
      Supplier<FencingToken> forwardToken,
      Supplier<FencingToken> backToken) {
    RunReport there =
        engine.run(forward, RunRequest.planned(drillId + "-forward", forwardToken.get()).asDrill());
    if (there.outcome().equals("FENCED") || there.outcome().equals("NEEDS_MANUAL_INTERVENTION")) {
      return new DrillReport(
          drillId,
          "FAILED",
          "the switchover to the standby ended " + there.outcome() + "; the way back was not tried",
          there,
          null);
    }
    RunReport home =
        engine.run(back, RunRequest.planned(drillId + "-back", backToken.get()).asDrill());
    boolean passed = there.outcome().equals("SUCCEEDED") && home.outcome().equals("SUCCEEDED");
    String summary =
        passed
            ? "switched to the standby and back; both legs verified"
            : "to the standby: " + there.outcome() + "; back: " + home.outcome();
    return new DrillReport(drillId, passed ? "PASSED" : "FAILED", summary, there, home);
  }
}
