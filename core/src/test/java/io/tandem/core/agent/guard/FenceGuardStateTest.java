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

  /**
   * Session 9 (extended chaos seed -7244215483245508966): a guard disarmed by its own confirmed
   * fence gets a beat of a newer epoch whose deadline has passed (the agent activated after the
   * fence and was paused before the beat reached the guard). The PBX may serve under that epoch:
   * the beat arms the guard, which fences at once. A "fence now" for the epoch the fence covered
   * still changes nothing.
   */
  @Test
  void aPastDeadlineBeatOfAnEpochNewerThanItsFenceArmsIt() {
    FenceGuardState g = new FenceGuardState(0, 10 * S);
    g.onBeat(GuardBeat.serveUntil(5 * S, 2), 1 * S);
    g.fenceStarted(5 * S);
    g.fenceEnded(true, 5 * S + 3_000_000);
    g.onBeat(GuardBeat.serveUntil(6 * S, 2), 7 * S); // "fence now" under the fenced epoch
    assertThat(g.armed()).isFalse();
    g.onBeat(GuardBeat.serveUntil(8 * S, 3), 9 * S); // epoch 3, activated after the fence
    assertThat(g.armed()).isTrue();
    assertThat(g.due(9 * S)).isTrue();
    assertThat(g.fenceStarted(9 * S))
        .isEqualTo(
            "fencing the PBX: the agent asked for a fence (epoch 3), 1.0 s past its deadline");
    g.fenceEnded(true, 9 * S + 3_000_000);
    g.onBeat(GuardBeat.serveUntil(9 * S, 3), 10 * S); // "fence now" under epoch 3: covered
    assertThat(g.armed()).isFalse();
    assertThat(g.fences()).isEqualTo(2);
  }

  /**
   * The seed's own case: the guard was disarmed by idle beats (the agent confirmed its start-up
   * fence), then the first beat of the activation under epoch 2 reached it after its deadline (the
   * sender thread was paused with the agent). Before session 9 the guard ignored it and never
   * fenced a PBX that took calls.
   */
  @Test
  void afterIdleBeatsAPastDeadlineBeatOfAnActivationArmsIt() {
    FenceGuardState g = new FenceGuardState(0, 10 * S);
    g.onBeat(GuardBeat.serveUntil(1 * S, 0), 1 * S); // the start-up fence: "fence now"
    g.fenceStarted(1 * S);
    g.fenceEnded(true, 1 * S + 3_000_000);
    g.onBeat(GuardBeat.idleBeat(), 2 * S);
    g.onBeat(GuardBeat.serveUntil(3 * S, 0), 4 * S); // "fence now" with nothing activated
    assertThat(g.armed()).isFalse();
    g.onBeat(GuardBeat.serveUntil(36 * S, 2), 37 * S); // activated under epoch 2, beat held
    assertThat(g.armed()).isTrue();
    assertThat(g.due(37 * S)).isTrue();
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
