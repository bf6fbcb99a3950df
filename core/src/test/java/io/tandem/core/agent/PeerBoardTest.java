package io.tandem.core.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the board remembers of each peer beyond its latest report. */
class PeerBoardTest {

  private static PeerReport report(String site, long servingEpoch, boolean healthy) {
    return new PeerReport(
        site,
        servingEpoch > 0 ? AgentState.ACTIVE : AgentState.STANDBY,
        healthy,
        1,
        true,
        false,
        null,
        servingEpoch,
        -1,
        PeerReport.NEEDS_PROMISES,
        0);
  }

  @Test
  void remembersWhenAPeerWasLastHeardAndTheEpochItLastServedUnder() {
    PeerBoard board = new PeerBoard();
    board.onReport(report("a", 7, true), 100);
    board.onReport(report("a", 7, true), 200);
    board.onReport(report("b", 0, true), 250);

    PeerBoard.PeerMemory a = board.memory().get("a");
    assertThat(a.lastHeardNanos()).isEqualTo(200);
    assertThat(a.lastServingEpoch()).isEqualTo(7);
    assertThat(a.servingInLatest()).isTrue();
    assertThat(a.faultFirstSeenNanos()).isEqualTo(200);
    assertThat(board.lastServing()).map(PeerBoard.PeerMemory::site).contains("a");
    assertThat(board.memory().get("b").lastServingEpoch()).isZero();
    assertThat(board.anySeenServing()).isTrue();
  }

  @Test
  void theFaultShowsFromTheFirstFailingReportWhileServing() {
    PeerBoard board = new PeerBoard();
    board.onReport(report("a", 7, true), 100);
    board.onReport(report("a", 7, false), 200);
    board.onReport(report("a", 7, false), 300);

    assertThat(board.memory().get("a").faultFirstSeenNanos()).isEqualTo(200);
    assertThat(board.memory().get("a").lastHeardNanos()).isEqualTo(300);

    board.onReport(report("a", 7, true), 400);
    assertThat(board.memory().get("a").faultFirstSeenNanos()).isEqualTo(400);
  }

  @Test
  void aPeerThatStoppedServingIsRememberedButNotTakenOverFrom() {
    PeerBoard board = new PeerBoard();
    board.onReport(report("a", 7, true), 100);
    board.onReport(report("a", 0, true), 200);

    assertThat(board.memory().get("a").lastServingEpoch()).isEqualTo(7);
    assertThat(board.memory().get("a").lastServingHeardNanos()).isEqualTo(100);
    assertThat(board.lastServing()).isEmpty();
    assertThat(board.anySeenServing()).isTrue();

    board.clear();
    assertThat(board.memory()).isEmpty();
    assertThat(board.anySeenServing()).isFalse();
  }
}
