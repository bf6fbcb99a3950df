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
    tick(millis, AgentState.ACTIVE, to, a, r, words);
  }

  private void tick(
      long millis, AgentState from, AgentState to, Action a, ReasonCode r, String words) {
    log.accept(
        new TandemEvent.DecisionMade(
            "a", new Decision(a, r, words, from, to, 1, t0.plusMillis(millis))));
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

  /**
   * A standby on a lossy link cycles through the same verdicts several times a second (measured: 4
   * lines a second in a soak at 20 % loss): each is written once per {@link DecisionLog#QUIET}, the
   * rest counted, and a verdict that acts on the service is always written.
   */
  @Test
  void aStandbyCyclingThroughTheSameVerdictsIsWrittenOncePerQuietPeriod() {
    AgentState s = AgentState.STANDBY;
    AgentState q = AgentState.ACQUIRING;
    for (int cycle = 0; cycle < 10; cycle++) {
      long at = cycle * 1000L;
      tick(at, s, s, Action.NONE, ReasonCode.PEER_ACTIVE, "b is active");
      tick(at + 200, s, q, Action.ACQUIRE, ReasonCode.ACQUIRING, "acquiring");
      tick(at + 300, q, q, Action.NONE, ReasonCode.AWAITING_WITNESS, "waiting");
      tick(at + 400, q, s, Action.NONE, ReasonCode.TICKET_REFUSED, "refused");
    }
    tick(10_000, s, s, Action.FENCE, ReasonCode.FENCE_UNKNOWN, "fence again");
    tick(40_000, s, s, Action.NONE, ReasonCode.PEER_ACTIVE, "b is active");

    assertThat(lines()).hasSize(6);
    assertThat(lines().get(4))
        .startsWith("agent a: decision STANDBY FENCE FENCE_UNKNOWN epoch 1: fence again")
        .endsWith("; 36 changes to verdicts already logged in the last 30 s not logged)");
    assertThat(lines().get(5))
        .startsWith("agent a: decision STANDBY NONE PEER_ACTIVE epoch 1: b is active")
        .doesNotContain("not logged");
  }
}
