package io.tandem.onprem.esl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TransientException;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorStatus;
import io.tandem.core.port.PbxStatus;
import io.tandem.sim.pbx.EslServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
            .addChannel("sofia/internal/1001")
            .addChannel("sofia/external/carrier-1")
            .addChannel("sofia/internal/1002")
            .addChannel("sofia/external/carrier-1b");
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
  void statusParsesVersionCallsAndPauseState() {
    PbxStatus status = esl.status();

    assertThat(status.up()).isTrue();
    assertThat(status.version()).isEqualTo("FreeSWITCH 1.10.12 -release 64bit");
    assertThat(status.activeCalls()).isEqualTo(2);
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

  @Test
  void killgwAndRescanMoveTheGateway() {
    esl.unregisterTrunk("carrier-1");
    esl.unregisterTrunk("carrier-1"); // idempotent
    assertThat(model.registrations()).doesNotContainKey("carrier-1");
    assertThatThrownBy(() -> esl.gatewayState("carrier-1"))
        .isInstanceOf(ResourceNotFoundException.class);

    esl.registerTrunk("carrier-1");
    assertThat(esl.gatewayState("carrier-1")).isEqualTo("REGED");
    assertThat(esl.gatewayState("carrier-2")).isEqualTo("NOREG");
  }

  @Test
  void reloadAndGracefulStop() {
    esl.reloadModule("mod_sofia");
    esl.gracefulStop();

    assertThat(model.reloadedModules()).containsExactly("mod_sofia");
    assertThat(model.gracefulStopRequested()).isTrue();
  }

  @Test
  void namesThatWouldAddArgumentsAreRefused() {
    assertThatThrownBy(() -> esl.unregisterTrunk("carrier-1\n\napi fsctl shutdown"))
        .hasMessageContaining("not a FreeSWITCH object name");
    assertThat(model.gracefulStopRequested()).isFalse();
  }

  @Test
  void sensorsReadTheSimulatedSwitch() {
    EslSensors sensors = new EslSensors(esl, settings, Clock.systemUTC(), System::nanoTime);

    assertThat(sensors.login().read().status()).isEqualTo(SensorStatus.OK);
    assertThat(sensors.coreStatus().read().status()).isEqualTo(SensorStatus.OK);
    assertThat(sensors.activeChannels().read().value()).isEqualTo(4.0);
    assertThat(sensors.trunkRegistration("carrier-1").read().status()).isEqualTo(SensorStatus.OK);
    SensorReading down = sensors.trunkRegistration("carrier-2").read();
    assertThat(down.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(down.detail()).contains("NOREG");
    SensorReading ua = sensors.userAgentReachability(4, 0.9, 0.4).read();
    assertThat(ua.value()).isEqualTo(50.0);
    assertThat(ua.status()).isEqualTo(SensorStatus.WARN);
  }

  @Test
  void directoryUserLoginIsLimitedToItsAllowedApi() {
    server.withUser("tandem@default", "u-pw", java.util.Set.of("status", "show", "sofia"));
    EslSettings asUser =
        EslSettings.builder()
            .host(server.host())
            .port(server.port())
            .user("tandem@default")
            .password("u-pw")
            .build();
    try (EslPbxControl limited = new EslPbxControl(asUser)) {
      assertThat(limited.activeChannels()).isEqualTo(4);
      assertThatThrownBy(limited::stopNewCalls)
          .isInstanceOf(PermissionException.class)
          .hasMessageContaining("does not allow 'api fsctl pause inbound'");
      assertThat(model.acceptingCalls()).isTrue();
      assertThat(limited.activeChannels()).isEqualTo(4); // the session survives a refusal
    }
    EslSettings wrong =
        EslSettings.builder()
            .host(server.host())
            .port(server.port())
            .user("tandem@default")
            .password("nope")
            .build();
    try (EslPbxControl bad = new EslPbxControl(wrong)) {
      assertThatThrownBy(bad::status)
          .isInstanceOf(PermissionException.class)
          .hasMessageContaining("of tandem@default");
    }
  }

  @Test
  void wrongPasswordIsAPermissionError() {
    EslSettings wrong = EslSettings.of(server.host(), server.port(), "guess");
    try (EslPbxControl bad = new EslPbxControl(wrong)) {
      assertThatThrownBy(bad::status)
          .isInstanceOf(PermissionException.class)
          .hasMessageContaining("refused the password")
          .hasMessageNotContaining("guess");
      assertThat(
              new EslSensors(bad, wrong, Clock.systemUTC(), System::nanoTime)
                  .login()
                  .read()
                  .status())
          .isEqualTo(SensorStatus.FAIL);
    }
  }

  @Test
  void slowAnswersTimeOutThenTheNextCallReconnects() {
    try (EslPbxControl quick = new EslPbxControl(settings.withTimeout(Duration.ofMillis(300)))) {
      quick.connect();
      faults.answerDelay(Duration.ofMillis(1500));

      assertThatThrownBy(quick::activeChannels)
          .isInstanceOf(TransientException.class)
          .hasMessageContaining("no answer in time");

      faults.reset();
      assertThat(quick.activeChannels()).isEqualTo(4);
    }
  }

  @Test
  void droppedConnectionsAreTransientAndTheNextCallReconnects() {
    esl.connect();
    server.dropConnections();
    assertThatThrownBy(esl::activeChannels).isInstanceOf(TransientException.class);
    assertThat(esl.activeChannels()).isEqualTo(4);

    faults.dropNextRequest();
    assertThatThrownBy(esl::activeChannels).isInstanceOf(TransientException.class);
    assertThat(esl.activeChannels()).isEqualTo(4);
  }

  @Test
  void exitSendsByeAndClosesCleanly() {
    esl.connect();
    esl.close();
    esl.close();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> server.openConnections() == 0);
  }
}
