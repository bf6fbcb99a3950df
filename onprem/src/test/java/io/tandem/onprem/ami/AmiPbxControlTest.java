package io.tandem.onprem.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TransientException;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorStatus;
import io.tandem.core.port.PbxStatus;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AmiPbxControlTest {

  private PbxModel model;
  private PbxFaults faults;
  private AmiServer server;
  private AmiSettings settings;
  private AmiPbxControl ami;

  @BeforeEach
  void start() {
    model =
        new PbxModel("20.5.0")
            .trunk("carrier-1", true)
            .trunk("carrier-2", false)
            .contact("1001", true)
            .contact("1002", true)
            .contact("1003", false)
            .contact("1004", true)
            .addChannel("PJSIP/1001-00000001")
            .addChannel("PJSIP/carrier-1-00000002");
    faults = new PbxFaults();
    server = new AmiServer(model, faults, "tandem", "s3cret");
    settings = AmiSettings.of(server.host(), server.port(), "tandem", "s3cret");
    ami = new AmiPbxControl(settings);
  }

  @AfterEach
  void stop() {
    ami.close();
    server.close();
  }

  @Test
  void statusReportsVersionCallsAndAcceptingFlag() {
    PbxStatus status = ami.status();

    assertThat(status.up()).isTrue();
    assertThat(status.version()).isEqualTo("Asterisk 20.5.0");
    assertThat(status.activeCalls()).isEqualTo(1);
    assertThat(status.acceptingCalls()).isTrue();
  }

  @Test
  void callDrainTogglesTheDialplanGlobal() {
    ami.stopNewCalls();
    ami.stopNewCalls(); // idempotent

    assertThat(model.global(AmiSettings.DEFAULT_ACCEPT_VARIABLE)).isEqualTo("0");
    assertThat(model.acceptingCalls()).isFalse();
    assertThat(ami.status().acceptingCalls()).isFalse();

    ami.acceptNewCalls();
    assertThat(ami.status().acceptingCalls()).isTrue();
  }

  @Test
  void registersAndUnregistersOutboundRegistrations() {
    ami.unregisterTrunk("carrier-1");
    ami.registerTrunk("carrier-2");

    assertThat(model.registrations()).containsEntry("carrier-1", false);
    assertThat(model.registrations()).containsEntry("carrier-2", true);
    assertThat(ami.outboundRegistrations())
        .containsEntry("carrier-1", "Unregistered")
        .containsEntry("carrier-2", "Registered");
    assertThatThrownBy(() -> ami.registerTrunk("nope"))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void reloadsAModuleAndStopsGracefully() {
    ami.reloadModule("res_pjsip.so");
    ami.gracefulStop();

    assertThat(model.reloadedModules()).containsExactly("res_pjsip.so");
    assertThat(model.gracefulStopRequested()).isTrue();
  }

  @Test
  void sensorsReadChannelsRegistrationsAndReachability() {
    AmiSensors sensors = new AmiSensors(ami, settings, Clock.systemUTC(), System::nanoTime);

    assertThat(sensors.login().read().status()).isEqualTo(SensorStatus.OK);
    assertThat(sensors.coreStatus().read().status()).isEqualTo(SensorStatus.OK);
    assertThat(sensors.activeChannels().read().value()).isEqualTo(2.0);
    assertThat(sensors.trunkRegistration("carrier-1").read().status()).isEqualTo(SensorStatus.OK);
    SensorReading down = sensors.trunkRegistration("carrier-2").read();
    assertThat(down.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(down.detail()).contains("Unregistered");
    SensorReading reach = sensors.endpointReachability(0.9, 0.5).read();
    assertThat(reach.value()).isEqualTo(75.0);
    assertThat(reach.status()).isEqualTo(SensorStatus.WARN);
  }

  @Test
  void wrongSecretIsAPermissionError() {
    AmiSettings wrong = AmiSettings.of(server.host(), server.port(), "tandem", "guess");
    try (AmiPbxControl bad = new AmiPbxControl(wrong)) {
      assertThatThrownBy(bad::status)
          .isInstanceOf(PermissionException.class)
          .hasMessageContaining("AMI login refused for user tandem")
          .hasMessageNotContaining("guess");
      SensorReading login =
          new AmiSensors(bad, wrong, Clock.systemUTC(), System::nanoTime).login().read();
      assertThat(login.status()).isEqualTo(SensorStatus.FAIL);
    }
  }

  @Test
  void slowAnswersTimeOutThenRecover() {
    AmiPbxControl quick = new AmiPbxControl(settings.withTimeout(Duration.ofMillis(300)));
    try (quick) {
      quick.connect();
      faults.answerDelay(Duration.ofMillis(1500));

      assertThatThrownBy(quick::activeChannels)
          .isInstanceOf(TransientException.class)
          .hasMessageContaining("did not answer");

      faults.reset();
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(() -> quick.activeChannels() == 2);
    }
  }

  @Test
  void droppedConnectionsAreTransientAndReconnect() {
    ami.connect();
    faults.dropNextRequest();
    assertThatThrownBy(ami::status).isInstanceOf(TransientException.class);

    server.dropConnections();
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(() -> ami.status().up() && server.logins() >= 2);
  }

  @Test
  void unreachablePbxIsTransient() {
    server.close();
    try (AmiPbxControl gone = new AmiPbxControl(settings.withTimeout(Duration.ofMillis(500)))) {
      assertThatThrownBy(gone::status).isInstanceOf(TransientException.class);
    }
  }
}
