package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tandem.core.agent.Action;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.ReasonCode;
import io.tandem.core.event.TandemEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The agent's log keeps every change of the decision loop's verdict, with how long the one before
 * held: a false failover found in a soak half an hour later had no record of its ticks (the API's
 * history holds under a minute at the shipped tick). {@code TwoAgentColdStartTest} checks the line
 * through the assembly.
 */
class DecisionLogTest {

  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(DecisionLog.class);
  private final DecisionLog log = new DecisionLog();
  private final Instant t0 = Instant.parse("2026-12-07T15:07:00Z");

  @BeforeEach
  void capture() {
    captured.start();
    logger.addAppender(captured);
  }

  @AfterEach
  void release() {
    logger.detachAppender(captured);
  }

  private void tick(long millis, AgentState to, Action a, ReasonCode r, String words) {
    log.accept(
        new TandemEvent.DecisionMade(
            "a", new Decision(a, r, words, AgentState.ACTIVE, to, 1, t0.plusMillis(millis))));
  }

  private List<String> lines() {
    return captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void repeatsAreOneLineAndAChangeSaysWhatHeldBeforeAndForHowLong() {
    for (int i = 0; i < 30; i++) {
      tick(i * 100, AgentState.ACTIVE, Action.NONE, ReasonCode.HOLDING_TICKET, "holding " + i);
    }
    tick(3000, AgentState.ACTIVE, Action.NONE, ReasonCode.WITNESS_UNREACHABLE, "witness silent");
    tick(3100, AgentState.ACTIVE, Action.NONE, ReasonCode.WITNESS_UNREACHABLE, "witness silent");
    tick(3200, AgentState.STANDBY, Action.FENCE, ReasonCode.FAILSAFE_CONFIRMATION_MISSING, "fence");

    assertThat(lines())
        .containsExactly(
            "agent a: decision ACTIVE NONE HOLDING_TICKET epoch 1: holding 0",
            "agent a: decision ACTIVE NONE WITNESS_UNREACHABLE epoch 1: witness silent"
                + " (before: HOLDING_TICKET ACTIVE for 3000 ms, 30 ticks)",
            "agent a: decision ACTIVE->STANDBY FENCE FAILSAFE_CONFIRMATION_MISSING epoch 1: fence"
                + " (before: WITNESS_UNREACHABLE ACTIVE for 200 ms, 2 ticks)");
  }
}
