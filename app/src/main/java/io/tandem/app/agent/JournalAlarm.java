package io.tandem.app.agent;

import io.tandem.app.audit.AuditEntry;
import io.tandem.app.audit.AuditLog;
import io.tandem.core.runbook.Notice;
import io.tandem.core.runbook.Notifier;
import io.tandem.core.runbook.journal.JournalDirectory;
import java.nio.file.Path;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the agent does when a run journal is found damaged and moved to quarantine (issue 12.3): an
 * ALARM notice (an operator should look at the file and the run's resources), an entry in the audit
 * log next to the operators' commands, and an error in the log. Never throws: a journal problem
 * must not stop the activation that found it.
 */
final class JournalAlarm implements JournalDirectory.Listener {

  private static final Logger log = LoggerFactory.getLogger(JournalAlarm.class);

  private final String site;
  private final Notifier notifier;
  private final AuditLog audit;
  private final Clock clock;

  JournalAlarm(String site, Notifier notifier, Path dataDir, Clock clock) {
    this.site = site;
    this.notifier = notifier;
    this.audit = new AuditLog(dataDir.resolve("audit.jsonl"), JsonMapper.shared());
    this.clock = clock;
  }

  @Override
  public void quarantined(JournalDirectory.Quarantined q) {
    String words =
        "journal of run "
            + q.runId()
            + " could not be read and was moved to "
            + q.file()
            + ": "
            + q.cause()
            + ". The activation went on without it; check that run's resources by hand.";
    log.error("agent {}: {}", site, words);
    try {
      audit.append(
          new AuditEntry(
              clock.instant(), "agent:" + site, "journal-quarantine", q.runId(), "done", words));
    } catch (RuntimeException e) {
      log.error("agent {}: could not audit the quarantine: {}", site, e.toString());
    }
    try {
      notifier.send(
          new Notice(
              Notice.Severity.ALARM,
              "Damaged run journal quarantined on site " + site,
              words,
              false));
    } catch (RuntimeException e) {
      log.error("agent {}: could not send the quarantine alarm: {}", site, e.toString());
    }
  }
}
