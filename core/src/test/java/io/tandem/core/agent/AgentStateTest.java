package io.tandem.core.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentStateTest {

  private static final Map<AgentState, Set<AgentState>> TABLE =
      Map.of(
          AgentState.STARTING, EnumSet.of(AgentState.STANDBY, AgentState.MAINTENANCE),
          AgentState.STANDBY, EnumSet.of(AgentState.ACQUIRING, AgentState.MAINTENANCE),
          AgentState.ACQUIRING, EnumSet.of(AgentState.ACTIVE, AgentState.STANDBY),
          AgentState.ACTIVE, EnumSet.of(AgentState.FENCING),
          AgentState.FENCING, EnumSet.of(AgentState.FENCED),
          AgentState.FENCED, EnumSet.of(AgentState.STANDBY, AgentState.MAINTENANCE),
          AgentState.MAINTENANCE, EnumSet.of(AgentState.STANDBY));

  @Test
  void theTransitionTableIsClosed() {
    for (AgentState from : AgentState.values()) {
      for (AgentState to : AgentState.values()) {
        boolean allowed = TABLE.get(from).contains(to);
        assertThat(from.canMoveTo(to)).as(from + " -> " + to).isEqualTo(allowed);
        if (allowed || from == to) {
          assertThat(from.moveTo(to)).isEqualTo(to);
        } else {
          assertThatThrownBy(() -> from.moveTo(to))
              .isInstanceOf(IllegalStateException.class)
              .hasMessage("illegal move " + from + " -> " + to);
        }
      }
    }
  }

  @Test
  void onlyNonServingStatesMayPromise() {
    assertThat(EnumSet.allOf(AgentState.class).stream().filter(AgentState::mayPromise))
        .containsExactlyInAnyOrder(
            AgentState.STARTING, AgentState.STANDBY, AgentState.FENCED, AgentState.MAINTENANCE);
  }
}
