package io.tandem.core.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class DecisionHistoryTest {

  private static Decision d(int i) {
    return new Decision(
        Action.NONE,
        ReasonCode.HOLDING_TICKET,
        "tick " + i,
        AgentState.ACTIVE,
        AgentState.ACTIVE,
        1,
        Instant.EPOCH.plusSeconds(i));
  }

  @Test
  void keepsTheLatestDecisionsOldestFirst() {
    DecisionHistory h = new DecisionHistory(3);
    assertThat(h.recent()).isEmpty();
    assertThat(h.latest()).isNull();
    for (int i = 1; i <= 5; i++) {
      h.record(d(i));
    }
    assertThat(h.recent())
        .extracting(Decision::words)
        .containsExactly("tick 3", "tick 4", "tick 5");
    assertThat(h.latest().words()).isEqualTo("tick 5");
    assertThat(h.recorded()).isEqualTo(5);
  }
}
