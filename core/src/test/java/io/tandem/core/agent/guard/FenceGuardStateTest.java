package io.tandem.core.agent.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The fence guard's rules (the production process and the simulation both run them). */
class FenceGuardStateTest {

  private static final long S = 1_000_000_000L;

  @Test
  void withNoAgentAnUnknownPbxIsFencedAfterTheStartCover() {
    FenceGuardState g = new FenceGuardState(100 * S, 10 * S);
    assertThat(g.due(109 * S)).isFalse();
    assertThat(g.due(110 * S)).isTrue();
    assertThat(g.fenceStarted(110 * S))
        .isEqualTo(
            "fencing the PBX: no agent has spoken since the guard started, 0.0 s past its deadline");
    g.fenceEnded(true, 110 * S);
    assertThat(g.armed()).isFalse();
    assertThat(g.due(200 * S)).isFalse();
  }

  @Test
  void theLatestBeatWinsAndIdleDisarms() {
    FenceGuardState g = new FenceGuardState(0, 10 * S);
    g.onBeat(GuardBeat.serveUntil(20 * S, 4), 1 * S);
    assertThat(g.due(15 * S)).isFalse();
    g.onBeat(GuardBeat.serveUntil(16 * S, 4), 15 * S); // a later beat may shorten it
    assertThat(g.due(16 * S)).isTrue();
    assertThat(g.fenceStarted(17 * S))
        .isEqualTo(
            "fencing the PBX: no fresh beat from the agent (epoch 4), 1.0 s past its deadline");
    g.fenceEnded(false, 17 * S); // failed: retried on the next poll
    assertThat(g.due(17 * S)).isTrue();
    g.onBeat(GuardBeat.idleBeat(), 18 * S);
    assertThat(g.due(100 * S)).isFalse();
  }

  @Test
  void afterItsOwnFenceAFenceNowBeatChangesNothingUntilTheAgentActivatesAgain() {
    FenceGuardState g = new FenceGuardState(0, 10 * S);
    g.onBeat(GuardBeat.serveUntil(5 * S, 2), 1 * S);
    assertThat(g.reply()).isEqualTo(new GuardReply(0, GuardReply.NEVER));
    g.fenceStarted(5 * S);
    g.fenceEnded(true, 5 * S + 3_000_000);
    assertThat(g.reply()).isEqualTo(new GuardReply(1, 5 * S + 3_000_000));
    assertThat(g.reply().fencedSince(5 * S)).isTrue(); // an activation begun at 5 s: undone
    assertThat(g.reply().fencedSince(6 * S)).isFalse(); // one begun after the fence: it stands
    g.onBeat(GuardBeat.serveUntil(6 * S, 2), 6 * S); // the resumed agent: "fence now"
    assertThat(g.armed()).isFalse();
    assertThat(g.fences()).isEqualTo(1);
    g.onBeat(GuardBeat.serveUntil(30 * S, 3), 20 * S); // it activated again under epoch 3
    assertThat(g.armed()).isTrue();
    assertThat(g.due(29 * S)).isFalse();
    assertThat(g.due(30 * S)).isTrue();
  }

  @Test
  void repliesTravelAsOneLine() {
    assertThat(GuardReply.parse(new GuardReply(3, 42).wire())).isEqualTo(new GuardReply(3, 42));
    assertThat(new GuardReply(0, GuardReply.NEVER).wire()).isEqualTo("FENCES 0 -");
    assertThat(GuardReply.parse("FENCES 0 -")).isEqualTo(new GuardReply(0, GuardReply.NEVER));
    assertThat(new GuardReply(0, GuardReply.NEVER).fencedSince(Long.MIN_VALUE + 1)).isFalse();
    assertThatThrownBy(() -> GuardReply.parse("FENCES x -"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GuardReply.parse("OK")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void beatsTravelAsOneLine() {
    assertThat(GuardBeat.parse(GuardBeat.serveUntil(123, 7).wire()))
        .isEqualTo(GuardBeat.serveUntil(123, 7));
    assertThat(GuardBeat.parse("IDLE")).isEqualTo(GuardBeat.idleBeat());
    assertThatThrownBy(() -> GuardBeat.parse("SERVE soon 7"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a beat: SERVE soon 7");
    assertThatThrownBy(() -> GuardBeat.parse("SERVE 1 -1"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
