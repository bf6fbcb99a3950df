package io.tandem.core.runbook.report;

import java.util.Locale;

/** Renders a {@link RunReport} for people. */
public final class ReportText {

  private ReportText() {}

  public static String render(RunReport r) {
    StringBuilder out = new StringBuilder();
    out.append(r.drill() ? "[DRILL] " : "").append("Run ").append(r.runId()).append(": ");
    out.append(r.runbook()).append('\n');
    out.append("Outcome: ").append(r.outcome()).append(" — ").append(r.reason()).append('\n');
    out.append("Acting as: ").append(r.cluster()).append('/').append(r.site());
    out.append(" epoch ").append(r.epoch()).append('\n');
    out.append("Started ")
        .append(r.startedAt())
        .append(", ended ")
        .append(r.endedAt())
        .append("\n");

    if (r.notes() != null && !r.notes().isEmpty()) {
      out.append("\nWhy\n");
      for (RunReport.Note n : r.notes()) {
        out.append("  ").append(n.label()).append(": ").append(n.words()).append('\n');
      }
    }

    RunReport.Rto rto = r.rto();
    out.append("\nRTO\n");
    line(out, "detection (fault first seen → acting)", rto.detectionMillis());
    line(out, "ticket wait (acting → ticket granted)", rto.ticketWaitMillis());
    line(out, "decision (decided → run started)", rto.decisionMillis());
    for (RunReport.StageTime s : rto.stages()) {
      line(out, "stage " + s.stage() + " [" + s.kind() + "]", s.millis());
    }
    line(out, "verification", rto.verificationMillis());
    line(out, "TOTAL (to service verified)", rto.totalMillis());

    out.append("\nSteps\n");
    for (RunReport.StepReport s : r.steps()) {
      out.append(
          String.format(
              Locale.ROOT, "  %-20s %-34s %s", s.status(), s.id(), ms(s.durationMillis())));
      out.append('\n');
      if (s.detail() != null && !s.detail().isEmpty()) {
        out.append("      ").append(s.detail()).append('\n');
      }
    }
    out.append("\nChanges (before → after)\n");
    if (r.changes().isEmpty()) {
      out.append("  none\n");
    }
    for (RunReport.Change c : r.changes()) {
      out.append("  ").append(c.resource()).append(": ").append(c.before()).append(" → ");
      out.append(c.after())
          .append("  [")
          .append(c.step())
          .append(", ")
          .append(c.status())
          .append("]\n");
    }
    out.append("\nFailures\n");
    if (r.failures().isEmpty()) {
      out.append("  none\n");
    }
    for (RunReport.Failure f : r.failures()) {
      out.append("  ").append(f.step()).append(" ").append(f.status()).append(": ");
      out.append(f.reason()).append('\n');
    }
    if (!r.warnings().isEmpty()) {
      out.append("\nWarnings\n");
      r.warnings().forEach(w -> out.append("  ").append(w).append('\n'));
    }
    out.append("\nTimeline\n");
    for (RunReport.TimelineEntry e : r.timeline()) {
      out.append("  ").append(e.at()).append("  ").append(e.event()).append('\n');
    }
    return out.toString();
  }

  private static void line(StringBuilder out, String label, Long millis) {
    out.append(String.format(Locale.ROOT, "  %-40s %s%n", label, ms(millis)));
  }

  private static String ms(Long millis) {
    return millis == null ? "n/a" : millis + " ms";
  }
}
