package io.tandem.app.agent;

import io.tandem.core.health.HealthLevel;
import io.tandem.core.health.HealthListener;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.runbook.Notice;
import io.tandem.core.runbook.Notifier;

/**
 * The warning level of two-level health (issue 18.5): when this site's health enters {@link
 * HealthLevel#WARN} (the score fell below {@code policies.warningHealthPercent} while still at or
 * above {@code minimumHealthPercent}) operators get a WARNING notice and the {@code health-warn}
 * hooks run (through {@link io.tandem.app.hooks.Hooks}); when it is back to OK they are told so.
 * Nothing fails over on a warning: the decision loop reads only the {@code healthy} verdict. Runs
 * on the monitor's listener thread, never the decision loop's.
 */
final class HealthLevelNotices implements HealthListener {

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(HealthLevelNotices.class);

  private final String site;
  private final Notifier notifier;

  HealthLevelNotices(String site, Notifier notifier) {
    this.site = site;
    this.notifier = notifier;
  }

  @Override
  public void changed(SiteHealth previous, SiteHealth current) {
    if (previous.level() == current.level()) {
      return;
    }
    log.info(
        "health of {}: {} -> {}: {}", site, previous.level(), current.level(), current.summary());
    Notice notice =
        switch (current.level()) {
          case WARN ->
              new Notice(
                  Notice.Severity.WARNING,
                  "Site " + site + " degraded (warning level, no failover)",
                  "Health of "
                      + site
                      + ": "
                      + current.summary()
                      + ".\nScore "
                      + current.score()
                      + "%: below the warning level, at or above the failing level; nothing"
                      + " fails over.",
                  false);
          case OK ->
              previous.level() == HealthLevel.WARN
                  ? new Notice(
                      Notice.Severity.INFO,
                      "Site " + site + " no longer degraded",
                      "Health of " + site + ": " + current.summary() + ".",
                      false)
                  : null;
          case FAIL -> null; // the decision loop and its runbooks say what a failing site does
        };
    if (notice != null) {
      try {
        notifier.send(notice);
      } catch (RuntimeException e) {
        log.warn("health notice for {} not delivered: {}", site, e.toString());
      }
    }
  }
}
