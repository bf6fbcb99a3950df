package io.tandem.app.peer;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tandem.app.peer.PeerAuthentication.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The peer link's refusals in the log: one WARN per run of identical refusals, the rest at DEBUG,
 * and the next WARN after {@link PeerRefusalLog#QUIET} says how many were left out. {@code
 * HttpPeerLinkTest} checks the same through the controller over HTTP.
 */
class PeerRefusalLogTest {

  private final Logger logger = (Logger) LoggerFactory.getLogger("test.peer-refusals");
  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private Instant now = Instant.parse("2026-12-07T21:00:00Z");
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };
  private final PeerRefusalLog log = new PeerRefusalLog(logger, clock);

  @BeforeEach
  void capture() {
    captured.start();
    logger.addAppender(captured);
    logger.setLevel(Level.DEBUG);
  }

  @AfterEach
  void release() {
    logger.detachAppender(captured);
  }

  private List<String> lines() {
    return captured.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  @Test
  void aRunIsOneWarningAndTheNextWarningSaysHowManyWereLeftOut() {
    log.refused("report", "b", Verdict.STALE);
    now = now.plusSeconds(20);
    log.refused("report", "b", Verdict.STALE);
    now = now.plusSeconds(20);
    log.refused("report", "b", Verdict.STALE);
    log.refused("report", "b", Verdict.BAD_SIGNATURE); // another refusal: written at once
    now = now.plus(PeerRefusalLog.QUIET);
    log.refused("report", "b", Verdict.STALE);
    assertThat(lines())
        .containsExactly(
            "WARN peer link: refused a report claiming to be from 'b': STALE",
            "DEBUG peer link: refused a report claiming to be from 'b': STALE (again: 1 since the"
                + " last warning)",
            "DEBUG peer link: refused a report claiming to be from 'b': STALE (again: 2 since the"
                + " last warning)",
            "WARN peer link: refused a report claiming to be from 'b': BAD_SIGNATURE",
            "WARN peer link: refused a report claiming to be from 'b': STALE (2 more refused the"
                + " same way in the 640 s before, logged at DEBUG)");
  }

  @Test
  void sendersTheClusterDoesNotKnowShareOneRunWhateverTheyClaim() {
    for (int i = 0; i < 100; i++) {
      log.refused("report", "intruder-" + i, Verdict.UNKNOWN_SITE);
    }
    now = now.plus(Duration.ofSeconds(1));
    log.refused("report", "a", Verdict.STALE);
    assertThat(lines()).filteredOn(l -> l.startsWith("WARN")).hasSize(2);
  }
}
