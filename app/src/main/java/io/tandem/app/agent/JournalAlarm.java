package io.tandem.app.agent;

import io.tandem.app.audit.AuditEntry;
import io.tandem.app.audit.AuditLog;
import io.tandem.core.runbook.Notice;
import io.tandem.core.runbook.Notifier;
import io.tandem.core.runbook.journal.JournalDirectory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent does when a run journal is found damaged and moved to quarantine (issue 12.3): an
 * ALARM notice (an operator should look at the file and the run's resources), an entry in the audit
 * log next to the operators' commands, and an error in the log. Never throws: a journal problem
 * must not stop the activation that found it.
 */
final class JournalAlarm implements JournalDirectory.Listener {

  private static final Logger log = LoggerFactory.getLogger(JournalAlarm.class);

  static final int PENDING = 100;

  private final String site;
  private final Notifier notifier;
  private final Clock clock;
  private final List<AuditEntry> pending = new ArrayList<>();
  private AuditLog audit;

  JournalAlarm(String site, Notifier notifier, Clock clock) {
    this.site = site;
    this.notifier = notifier;
    this.clock = clock;
  }

  /** Writes to the agent server's audit log from now on (and what was found before). */
  synchronized void auditTo(AuditLog log) {
    this.audit = log;
    List<AuditEntry> queued = List.copyOf(pending);
    pending.clear();
    queued.forEach(this::write);
  }

  private synchronized void audit(AuditEntry e) {
    if (audit == null) {
      if (pending.size() < PENDING) {
        pending.add(e);
      }
      return;
    }
    write(e);
  }

  private void write(AuditEntry e) {
    try {
      audit.append(e);
    } catch (RuntimeException ex) {
      log.error("agent {}: could not audit the quarantine: {}", site, ex.toString());
    }
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
    audit(
        AuditEntry.of(
            clock.instant(), "agent:" + site, "journal-quarantine", q.runId(), "error", words));
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
