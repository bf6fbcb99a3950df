package io.tandem.onprem.esl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.PbxStatus;
import io.tandem.onprem.pbx.LoginRefusedException;
import io.tandem.sim.pbx.EslServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The event-socket adapter against the faithful ESL simulator (see {@link EslServer}). */
class EslPbxControlTest {

  private PbxModel model;
  private PbxFaults faults;
  private EslServer server;
  private EslSettings settings;
  private EslPbxControl esl;

  @BeforeEach
  void start() {
    model =
        new PbxModel("1.10.12")
            .trunk("carrier-1", true)
            .trunk("carrier-2", false)
            .contact("1001", true)
            .contact("1002", true)
            .contact("1003", false)
            .addCall("sofia/internal/1001", "sofia/external/carrier-1")
            .addCall("sofia/internal/1002", "sofia/external/carrier-1b")
            .addChannel("sofia/internal/1003");
    faults = new PbxFaults();
    server = new EslServer(model, faults, "ClueCon-not");
    settings = EslSettings.of(server.host(), server.port(), "ClueCon-not");
    esl = new EslPbxControl(settings);
  }

  @AfterEach
  void stop() {
    esl.close();
    server.close();
  }

  @Test
  void statusCountsCallsAndChannelsSeparately() {
    PbxStatus status = esl.status();

    assertThat(status.up()).isTrue();
    assertThat(status.version()).isEqualTo("FreeSWITCH 1.10.12 -release 64bit");
    assertThat(status.activeCalls()).isEqualTo(3); // show calls count
    assertThat(status.activeChannels()).isEqualTo(5); // show channels count
    assertThat(status.acceptingCalls()).isTrue();
  }

  @Test
  void callDrainPausesInboundSessions() {
    esl.stopNewCalls();
    esl.stopNewCalls();
    assertThat(model.acceptingCalls()).isFalse();
    assertThat(esl.status().acceptingCalls()).isFalse();

    esl.acceptNewCalls();
    assertThat(esl.acceptingCalls()).isTrue();
  }

  /** As for Asterisk: a restarted FreeSWITCH is told to pause inbound calls again. */
  @Test
  void aRestartedFreeSwitchIsToldToPauseAgainWhenThatWasTheLastWord() {
    esl.keepRefusingAcrossRestarts(); // the agent's control (not the fence guard's)
    esl.stopNewCalls();
    int port = server.port();
    server.close(); // the crash

    PbxModel restarted = new PbxModel("1.10.11"); // a new process: inbound calls taken
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(
            () -> {
              server =
                  new EslServer(
                      restarted,
                      faults,
                      "ClueCon-not",
                      new java.net.InetSocketAddress(
                          java.net.InetAddress.getLoopbackAddress(), port));
              return true;
            });
    assertThat(restarted.acceptingCalls()).isTrue();

    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> !restarted.acceptingCalls());
  }

  @Test
  void killgwAndRescanMoveTheGateway() {
    esl.unregisterTrunk("carrier-1");
    esl.unregisterTrunk("carrier-1"); // idempotent
    assertThat(model.registrations()).doesNotContainKey("carrier-1");
    assertThatThrownBy(() -> esl.gatewayState("carrier-1"))
        .isInstanceOf(ResourceNotFoundException.class);

    esl.registerTrunk("carrier-1");
    assertThat(esl.gatewayState("carrier-1")).isEqualTo("REGED");
    assertThat(esl.trunks(Duration.ofSeconds(1)).get("carrier-2").registered()).isFalse();
  }

  @Test
  void gracefulStopWithCallsUpReturnsOnceFreeSwitchIsStopping() {
    esl.reloadModule("mod_sofia");
    assertThat(model.reloadedModules()).containsExactly("mod_sofia");

    long t0 = System.nanoTime();
    esl.gracefulStop();

    // design bound: two round trips (allowance 2 s); over 'api' it would not answer at all
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    assertThat(model.gracefulStopRequested()).isTrue();
    assertThat(esl.status().activeChannels()).isEqualTo(5); // the shared session stays usable

    model.hangupAll();
    assertThat(esl.awaitStopped(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void gracefulStopWithoutCallsConfirmsTheExit() {
    model.hangupAll();

    esl.gracefulStop();

    assertThat(esl.awaitStopped(Duration.ofSeconds(2))).isTrue();
  }

  @Test
  void namesThatWouldAddArgumentsAreRefused() {
    assertThatThrownBy(() -> esl.unregisterTrunk("carrier-1\n\napi fsctl shutdown"))
        .hasMessageContaining("not a FreeSWITCH object name");
    assertThat(model.gracefulStopRequested()).isFalse();
  }

  @Test
  void directoryUserLoginIsLimitedToItsAllowedApi() {
    server.withUser("tandem@default", "u-pw", Set.of("status", "show", "sofia"));
    EslSettings asUser =
        EslSettings.of(
            EslSettings.builder()
                .host(server.host())
                .port(server.port())
                .user("tandem@default")
                .secret("u-pw")
                .build());
    try (EslPbxControl limited = new EslPbxControl(asUser)) {
      assertThat(limited.activeChannels()).isEqualTo(5);
      assertThatThrownBy(limited::stopNewCalls)
          .isInstanceOf(PermissionException.class)
          .hasMessageContaining("does not allow 'api fsctl pause inbound'");
      assertThat(model.acceptingCalls()).isTrue();
      assertThat(limited.activeChannels()).isEqualTo(5); // the session survives a refusal
    }
  }

  @Test
  void aRefusedPasswordIsReportedInFreeSwitchsWords() {
    EslSettings wrong = EslSettings.of(server.host(), server.port(), "guess");
    try (EslPbxControl bad = new EslPbxControl(wrong)) {
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThatThrownBy(bad::status)
                      .isInstanceOf(LoginRefusedException.class)
                      .hasMessageContaining("event socket login refused")
                      .hasMessageContaining("\"-ERR invalid\"")
                      .hasMessageNotContaining("guess"));
    }
  }

  @Test
  void slowAnswersAreReportedWithTheBudgetThenRecover() {
    esl.connect();
    faults.answerDelay(Duration.ofMillis(1500));

    assertThatThrownBy(() -> esl.core(Duration.ofMillis(300)))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("did not answer 'status' within 300 ms");

    faults.reset();
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(() -> esl.core(Duration.ofMillis(500)).channels() == 5);
  }

  @Test
  void droppedConnectionsAreReportedAsLostAndReplacedAtOnce() {
    esl.connect();
    faults.dropNextRequest();
    assertThatThrownBy(esl::activeChannels)
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("closed the connection");
    await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> esl.activeChannels() == 5);
  }

  @Test
  void closeSendsExit() {
    esl.connect();
    esl.close();
    esl.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
  }
}
