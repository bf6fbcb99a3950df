package io.tandem.onprem.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.PbxStatus;
import io.tandem.onprem.pbx.LoginRefusedException;
import io.tandem.onprem.pbx.PbxStoppingException;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.ManagerUser;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The AMI adapter against the faithful AMI simulator (see {@link AmiServer} for its sources). */
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
            .addCall("PJSIP/1001-00000001", "PJSIP/carrier-1-00000002");
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
  void statusCountsABridgedCallOnceAndReportsItsChannels() {
    model.addChannel("PJSIP/1002-00000003"); // a caller alone in an IVR: a second call

    PbxStatus status = ami.status();

    // CoreCurrentCalls says 3 (channels); calls are channels grouped by Linkedid
    assertThat(status.activeCalls()).isEqualTo(2);
    assertThat(status.activeChannels()).isEqualTo(3);
    assertThat(status.up()).isTrue();
    assertThat(status.version()).isEqualTo("Asterisk 20.5.0");
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

  /**
   * Issue 17: the accept variable is a dialplan global, lost when Asterisk restarts. A site fenced
   * while its PBX crashed is released at once; if the process is restarted, the next login sets
   * "refuse" again, so the restarted PBX does not take calls because it forgot. A site that took
   * calls last is left as the restart finds it.
   */
  @Test
  void aRestartedAsteriskIsToldToRefuseAgainWhenThatWasTheLastWord() {
    ami.keepRefusingAcrossRestarts(); // the agent's control (not the fence guard's)
    ami.stopNewCalls();
    int port = server.port();
    server.close(); // the crash

    PbxModel restarted = new PbxModel("20.5.0"); // a new process: no globals
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(
            () -> {
              server =
                  new AmiServer(
                      restarted,
                      faults,
                      "tandem",
                      "s3cret",
                      new java.net.InetSocketAddress(
                          java.net.InetAddress.getLoopbackAddress(), port));
              return true;
            });
    assertThat(restarted.acceptingCalls()).as("a fresh Asterisk takes calls").isTrue();

    await().atMost(Duration.ofSeconds(10)).until(() -> !restarted.acceptingCalls());
    assertThat(restarted.global(AmiSettings.DEFAULT_ACCEPT_VARIABLE)).isEqualTo("0");

    ami.acceptNewCalls(); // taking calls is the last word now: a restart keeps its default
    assertThat(restarted.acceptingCalls()).isTrue();
  }

  @Test
  void registersAndUnregistersOutboundRegistrations() {
    ami.unregisterTrunk("carrier-1");
    ami.registerTrunk("carrier-2");

    assertThat(ami.outboundRegistrations())
        .containsEntry("carrier-1", "Unregistered")
        .containsEntry("carrier-2", "Registered");
    assertThatThrownBy(() -> ami.registerTrunk("nope"))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("no outbound registration named nope");
  }

  @Test
  void moduleReloadNeedsTheModuleFileAndAModuleThatReloads() {
    ami.reloadModule("res_pjsip.so");
    assertThat(model.reloadedModules()).containsExactly("res_pjsip.so");

    assertThatThrownBy(() -> ami.reloadModule("res_pjsip"))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("no module file res_pjsip in its modules directory");
    assertThatThrownBy(() -> ami.reloadModule("chan_pjsip.so"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("\"Module does not support reload action.\"");
  }

  @Test
  void gracefulStopWithACallUpReturnsOnceAsteriskIsStoppingAndTheSessionStaysUsable() {
    ami.connect();

    long t0 = System.nanoTime();
    ami.gracefulStop();

    // design bound: the ~1 s wait for an answer that never comes, plus a login (allowance 2 s)
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    assertThat(model.lifecycle()).isEqualTo(PbxModel.Lifecycle.SHUTTING_DOWN);
    // the shared session answers at once, in Asterisk's words, rather than timing out
    assertThatThrownBy(ami::status)
        .isInstanceOf(PbxStoppingException.class)
        .hasMessageContaining("\"Asterisk is shutting down\"");
    assertThat(ami.awaitStopped(Duration.ofMillis(300))).isFalse();

    model.hangupAll(); // the last call ends: Asterisk exits
    assertThat(ami.awaitStopped(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void gracefulStopWithoutCallsConfirmsTheExit() {
    model.hangupAll();

    ami.gracefulStop();

    assertThat(model.lifecycle()).isEqualTo(PbxModel.Lifecycle.STOPPED);
    assertThat(ami.awaitStopped(Duration.ofSeconds(1))).isTrue();
  }

  @Test
  void gracefulStopWithoutTheCommandClassIsAPermissionError() {
    server.user(ManagerUser.of("sensors", "pw", "system", "system,call,reporting"));
    try (AmiPbxControl limited =
        new AmiPbxControl(AmiSettings.of(server.host(), server.port(), "sensors", "pw"))) {
      assertThatThrownBy(limited::gracefulStop)
          .isInstanceOf(PermissionException.class)
          .hasMessageContaining("AMI user sensors may not run Command");
      assertThat(model.lifecycle()).isEqualTo(PbxModel.Lifecycle.RUNNING);
    }
  }

  @Test
  void aWrongSecretIsARefusalInAsterisksWordsAndIsNotRetriedForTheBackOff() {
    AmiSettings wrong = AmiSettings.of(server.host(), server.port(), "tandem", "guess");
    try (AmiPbxControl bad = new AmiPbxControl(wrong.withTimeout(Duration.ofSeconds(3)))) {
      // Asterisk answers a refused login after 1 s; the session learns it in the background
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThatThrownBy(() -> bad.ping(Duration.ofMillis(200)))
                      .isInstanceOf(LoginRefusedException.class)
                      .hasMessageContaining("AMI login refused for user tandem")
                      .hasMessageContaining("\"Authentication failed\"")
                      .hasMessageContaining("fail2ban")
                      .hasMessageNotContaining("guess"));
      for (int i = 0; i < 5; i++) {
        assertThatThrownBy(() -> bad.status()).isInstanceOf(LoginRefusedException.class);
      }
      assertThat(server.failedLogins()).isEqualTo(1);
    }
  }

  @Test
  void shuttingDownIsNotACredentialsProblem() {
    model.requestGracefulStop(); // a call is up: Asterisk is shutting down
    try (AmiPbxControl late = new AmiPbxControl(settings)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThatThrownBy(() -> late.ping(Duration.ofMillis(300)))
                      .isInstanceOf(PbxStoppingException.class)
                      .hasMessageContaining("\"Asterisk is shutting down\""));
    }
    assertThat(server.failedLogins()).isZero();
  }

  @Test
  void aConnectionClosedMidRequestIsReportedAsLostAndReplacedAtOnce() {
    ami.connect();
    int before = server.logins();
    faults.dropNextRequest();

    assertThatThrownBy(ami::status)
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("closed the connection")
        .hasMessageContaining("into CoreSettings")
        .hasMessageNotContaining("did not answer");
    await()
        .atMost(Duration.ofSeconds(5))
        .ignoreExceptions()
        .until(() -> ami.status().up() && server.logins() > before);
  }

  @Test
  void slowAnswersAreReportedWithTheBudgetThenRecover() {
    ami.connect();
    faults.answerDelay(Duration.ofMillis(1500));

    assertThatThrownBy(() -> ami.core(Duration.ofMillis(300)))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("did not answer CoreSettings within 300 ms");

    faults.reset();
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(() -> ami.core(Duration.ofMillis(500)).channels() == 2);
  }

  @Test
  void anUnreachablePbxSaysSo() {
    server.close();
    try (AmiPbxControl gone = new AmiPbxControl(settings.withTimeout(Duration.ofMillis(500)))) {
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThatThrownBy(gone::status)
                      .isInstanceOf(TransientException.class)
                      .hasMessageContaining("is not reachable"));
    }
  }
}
