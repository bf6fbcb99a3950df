package io.tandem.core.runbook.drill;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.runbook.report.RunReports;

/**
 * Outcome of a drill: the switchover to the standby and the switchover back.
 *
 * @param drillId id; the legs run as {@code <drillId>-forward} and {@code <drillId>-back}
 * @param outcome {@code PASSED} when both legs succeeded, otherwise {@code FAILED}
 * @param summary one sentence
 * @param forward report of the switchover to the standby
 * @param back report of the switchover back, or null if it was not run
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DrillReport(
    String drillId, String outcome, String summary, RunReport forward, RunReport back) {

  public boolean passed() {
    return outcome.equals("PASSED");
  }

  public String toJson() {
    return RunReports.toJson(this);
  }

  public String toText() {
    StringBuilder out = new StringBuilder();
    out.append("Drill ").append(drillId).append(": ").append(outcome).append(" — ").append(summary);
    out.append("\n\n=== leg 1: to the standby ===\n").append(ReportText.render(forward));
    if (back != null) {
      out.append("\n=== leg 2: back ===\n").append(ReportText.render(back));
    }
    return out.toString();
  }
}
