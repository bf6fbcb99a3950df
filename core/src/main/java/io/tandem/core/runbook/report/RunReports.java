package io.tandem.core.runbook.report;

import io.tandem.core.runbook.Runbook;
import io.tandem.core.runbook.Stage;
import io.tandem.core.runbook.StageKind;
import io.tandem.core.runbook.Step;
import io.tandem.core.runbook.StepStatus;
import io.tandem.core.runbook.journal.JournalRecord;
import io.tandem.core.runbook.journal.RecordType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Builds {@link RunReport}s from journals and renders them as JSON. Stateless, thread-safe. */
public final class RunReports {

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private RunReports() {}

  /** Pretty JSON of a report. */
  public static String toJson(Object report) {
    return JSON.writeValueAsString(report);
  }

  /** Reads a report written by {@link #toJson}. */
  public static RunReport fromJson(String json) {
    return JSON.readValue(json, RunReport.class);
  }

  /**
   * Derives the report of a run from its journal and the runbook it ran.
   *
   * @param warnings extra warnings, e.g. the journal's recovery warning
   */
  public static RunReport from(
      Runbook runbook, List<JournalRecord> records, List<String> warnings) {
    if (records.isEmpty() || records.getFirst().type() != RecordType.RUN_STARTED) {
      throw new IllegalArgumentException("a journal starts with RUN_STARTED");
    }
    JournalRecord start = records.getFirst();
    Map<String, JournalRecord> intents = new HashMap<>();
    Map<String, JournalRecord> results = new HashMap<>();
    JournalRecord end = null;
    for (JournalRecord r : records) {
      switch (r.type()) {
        case STEP_INTENT -> intents.put(r.step(), r);
        case STEP_RESULT -> results.put(r.step(), r);
        case RUN_ENDED, RUN_HALTED -> end = r;
        default -> {}
      }
    }
    List<RunReport.StepReport> steps = new ArrayList<>();
    List<RunReport.Change> changes = new ArrayList<>();
    List<RunReport.Failure> failures = new ArrayList<>();
    List<RunReport.StageTime> stageTimes = new ArrayList<>();
    long verificationMillis = 0;
    Instant restoredAt = null;
    boolean verifiedAll = true;
    for (Stage stage : runbook.stages()) {
      Instant stageStart = null;
      Instant stageEnd = null;
      for (Step step : stage.steps()) {
        String id = step.spec().id();
        Optional<JournalRecord> res = Optional.ofNullable(results.get(id));
        Optional<JournalRecord> intent = Optional.ofNullable(intents.get(id));
        String status = res.map(r -> r.get("status")).orElse("SKIPPED");
        Instant started =
            res.flatMap(r -> r.field("startedAt"))
                .or(() -> intent.flatMap(i -> i.field("startedAt")))
                .map(Instant::parse)
                .orElse(null);
        Instant ended = res.map(JournalRecord::at).orElse(null);
        String before =
            intent.map(i -> i.get("before")).orElse(res.map(r -> r.get("before")).orElse(null));
        String after = res.flatMap(r -> r.field("after")).orElse(null);
        String resource =
            res.flatMap(r -> r.field("resource"))
                .or(() -> intent.flatMap(i -> i.field("resource")))
                .orElse(null);
        steps.add(
            new RunReport.StepReport(
                stage.name(),
                id,
                step.spec().title(),
                step.spec().provider(),
                status,
                started,
                ended,
                started != null && ended != null
                    ? Duration.between(started, ended).toMillis()
                    : null,
                resource,
                before,
                after,
                res.map(r -> r.get("detail")).orElse(null),
                res.flatMap(r -> r.field("applyAttempts")).map(Integer::valueOf).orElse(null)));
        if (intent.isPresent()) {
          changes.add(
              new RunReport.Change(
                  id,
                  resource,
                  before,
                  status.equals("VERIFIED") ? after : intent.get().get("after") + " (not verified)",
                  status));
        }
        if (!StepStatus.valueOf(status).succeeded()) {
          if (!status.equals("SKIPPED")) {
            failures.add(
                new RunReport.Failure(id, status, res.map(r -> r.get("detail")).orElse("")));
          }
          if (stage.kind() == StageKind.VERIFY) {
            verifiedAll = false;
          }
        }
        stageStart = min(stageStart, started);
        stageEnd = max(stageEnd, ended);
      }
      if (stageStart != null && stageEnd != null) {
        long ms = Duration.between(stageStart, stageEnd).toMillis();
        stageTimes.add(new RunReport.StageTime(stage.name(), stage.kind().name(), ms));
        if (stage.kind() == StageKind.VERIFY) {
          verificationMillis += ms;
          restoredAt = stageEnd;
        }
      }
    }
    String outcome = end != null ? end.get("outcome") : "UNFINISHED";
    String reason = end != null ? end.get("reason") : "the run has not ended";
    if (restoredAt == null || !verifiedAll) {
      restoredAt = null;
    }
    if (end != null && !outcome.equals("SUCCEEDED") && failures.isEmpty()) {
      failures.add(new RunReport.Failure("run", outcome, reason));
    }
    Optional<Instant> outage = instant(start, "outageStartedAt");
    Optional<Instant> detected = instant(start, "detectedAt");
    Optional<Instant> decided = instant(start, "decidedAt");
    Instant origin =
        Stream.of(outage, detected, decided)
            .flatMap(Optional::stream)
            .findFirst()
            .orElse(start.at());
    RunReport.Rto rto =
        new RunReport.Rto(
            between(outage, detected),
            between(detected, decided),
            between(decided, Optional.of(start.at())),
            stageTimes,
            verificationMillis,
            restoredAt == null ? null : Duration.between(origin, restoredAt).toMillis(),
            restoredAt);
    List<String> allWarnings = new ArrayList<>(warnings);
    records.stream()
        .filter(r -> r.type() == RecordType.RUN_RESUMED)
        .forEach(r -> r.field("recoveryWarning").ifPresent(allWarnings::add));
    return new RunReport(
        start.get("runId"),
        runbook.name(),
        start.get("kind"),
        Boolean.parseBoolean(start.get("drill")),
        start.get("cluster"),
        start.get("site"),
        Long.parseLong(start.get("epoch")),
        start.at(),
        end != null ? end.at() : records.getLast().at(),
        outcome,
        reason,
        notes(start, records),
        rto,
        steps,
        changes,
        failures,
        records.stream()
            .map(r -> new RunReport.TimelineEntry(r.at(), Timeline.describe(r)))
            .toList(),
        allWarnings);
  }

  /**
   * Derives the report of a run from its journal alone, when the runbook it ran is not at hand (a
   * superseded run of an older configuration): one stage holding the journaled step ids in order,
   * titled by id.
   */
  public static RunReport fromJournal(List<JournalRecord> records, List<String> warnings) {
    if (records.isEmpty() || records.getFirst().type() != RecordType.RUN_STARTED) {
      throw new IllegalArgumentException("a journal starts with RUN_STARTED");
    }
    JournalRecord start = records.getFirst();
    List<Step> steps = new ArrayList<>();
    for (String id : start.get("steps").split(",")) {
      if (!id.isBlank()) {
        steps.add(new Recorded(id));
      }
    }
    if (steps.isEmpty()) {
      steps.add(new Recorded("(none)"));
    }
    Runbook runbook =
        new Runbook(
            start.get("runbook"),
            io.tandem.core.runbook.RunKind.valueOf(start.get("kind")),
            List.of(Stage.of("recorded", StageKind.OTHER, steps)));
    return from(runbook, records, warnings);
  }

  /** A step known only by its id from a journal; never run. */
  private record Recorded(String id) implements Step {
    @Override
    public io.tandem.core.runbook.StepSpec spec() {
      return io.tandem.core.runbook.StepSpec.of(
          id, id, "journal", io.tandem.core.runbook.StepPolicy.defaults());
    }

    @Override
    public io.tandem.core.runbook.Observation observe(io.tandem.core.runbook.StepContext c) {
      throw new UnsupportedOperationException("a recorded step is only reported");
    }

    @Override
    public String apply(
        io.tandem.core.runbook.Observation o, io.tandem.core.runbook.StepContext c) {
      throw new UnsupportedOperationException("a recorded step is only reported");
    }

    @Override
    public io.tandem.core.runbook.Verification verify(io.tandem.core.runbook.StepContext c) {
      throw new UnsupportedOperationException("a recorded step is only reported");
    }
  }

  private static List<RunReport.Note> notes(JournalRecord start, List<JournalRecord> records) {
    List<RunReport.Note> out = new ArrayList<>(notes(start));
    // what operators' hook programs did at stage boundaries (issue 18.4)
    records.stream()
        .filter(r -> r.type() == RecordType.HOOK_RAN)
        .forEach(
            r ->
                out.add(
                    new RunReport.Note(
                        "hook " + r.get("when") + " " + r.get("stage"), r.get("words"))));
    return out;
  }

  private static List<RunReport.Note> notes(JournalRecord start) {
    // fields are sorted by key; the two-digit position keeps the notes in the request's order
    List<RunReport.Note> out = new ArrayList<>();
    start
        .fields()
        .forEach(
            (k, v) -> {
              if (k.startsWith(NOTE) && k.length() > NOTE.length() + 3) {
                out.add(new RunReport.Note(k.substring(NOTE.length() + 3), v));
              }
            });
    return out;
  }

  /** Prefix of the run-started fields that carry the request's notes. */
  private static final String NOTE = "note.";

  /** The run-started fields for a request's notes: {@code note.<nn>.<label>}, in order. */
  public static Map<String, String> noteFields(Map<String, String> notes) {
    Map<String, String> f = new java.util.LinkedHashMap<>();
    int i = 0;
    for (Map.Entry<String, String> e : notes.entrySet()) {
      f.put(String.format(java.util.Locale.ROOT, "%s%02d.%s", NOTE, ++i, e.getKey()), e.getValue());
    }
    return f;
  }

  private static Optional<Instant> instant(JournalRecord r, String key) {
    return r.field(key).filter(s -> !s.isEmpty()).map(Instant::parse);
  }

  private static Long between(Optional<Instant> a, Optional<Instant> b) {
    return a.isPresent() && b.isPresent() ? Duration.between(a.get(), b.get()).toMillis() : null;
  }

  private static Instant min(Instant a, Instant b) {
    return a == null ? b : b == null || a.isBefore(b) ? a : b;
  }

  private static Instant max(Instant a, Instant b) {
    return a == null ? b : b == null || a.isAfter(b) ? a : b;
  }
}
