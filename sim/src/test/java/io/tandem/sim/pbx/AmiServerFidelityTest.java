package io.tandem.sim.pbx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The AMI simulator refuses what Asterisk refuses, when Asterisk refuses it; each test names the
 * Asterisk function it follows (see {@link AmiServer}). Read with a plain socket: no client library
 * in between.
 */
class AmiServerFidelityTest {

  private static final String LOGIN =
      "Action: Login\r\nActionID: L\r\nUsername: tandem\r\nSecret: pw\r\nEvents: off\r\n\r\n";

  private final PbxModel model = new PbxModel("20.5.0");
  private final AmiServer server = new AmiServer(model, new PbxFaults(), "tandem", "pw");

  @AfterEach
  void stop() {
    server.close();
  }

  private WireClient loggedIn(String login) throws IOException {
    WireClient c = new WireClient(server.host(), server.port());
    assertThat(c.line()).isEqualTo("Asterisk Call Manager/13.0.0");
    c.send(login);
    assertThat(c.response()).contains("Message: Authentication accepted");
    return c;
  }

  @Test
  void bannerIsAmi13AndNothingRunsBeforeLogin() throws IOException {
    try (WireClient c = new WireClient(server.host(), server.port())) {
      assertThat(c.line()).isEqualTo("Asterisk Call Manager/13.0.0");
      c.send("Action: CoreStatus\r\nActionID: 1\r\n\r\n");
      // process_message: not authenticated and not Login/Logoff/Challenge
      assertThat(c.packet())
          .containsExactly("Response: Error", "ActionID: 1", "Message: Permission denied");
      c.send("ActionID: 2\r\n\r\n");
      assertThat(c.packet()).contains("Message: Missing action in request");
    }
  }

  @Test
  void aLoginSendsFullyBootedUnlessEventsAreOff() throws IOException {
    try (WireClient c =
        loggedIn("Action: Login\r\nActionID: L\r\nUsername: tandem\r\nSecret: pw\r\n\r\n")) {
      List<String> booted = c.packet();
      assertThat(booted).contains("Event: FullyBooted", "Status: Fully Booted");
      assertThat(booted).anyMatch(l -> l.startsWith("Uptime: "));
      c.send(LOGIN);
      assertThat(c.packet()).contains("Response: Success", "Message: Already authenticated");
    }
    try (WireClient c = loggedIn(LOGIN)) {
      c.send("Action: Ping\r\nActionID: P\r\n\r\n");
      assertThat(c.packet()).contains("Response: Success", "ActionID: P", "Ping: Pong");
    }
  }

  @Test
  void aFailedLoginIsAnsweredAfterOneSecondAndTheConnectionClosed() throws IOException {
    try (WireClient c = new WireClient(server.host(), server.port())) {
      c.line();
      long t0 = System.nanoTime();
      c.send("Action: Login\r\nActionID: 7\r\nUsername: tandem\r\nSecret: nope\r\n\r\n");
      assertThat(c.packet())
          .containsExactly("Response: Error", "ActionID: 7", "Message: Authentication failed");
      // action_login: sleep(1) before the error (design bound 1 s, allowance 100 ms for timers)
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(900));
      assertThat(c.line()).isNull();
    }
    assertThat(server.failedLogins()).isEqualTo(1);
  }

  @Test
  void coreStatusCountsChannelsAndProcessedCalls() throws IOException {
    model.addCall("PJSIP/1001-00000001", "PJSIP/carrier-00000002");
    try (WireClient c = loggedIn(LOGIN)) {
      c.send("Action: CoreStatus\r\nActionID: 3\r\n\r\n");
      // action_corestatus: CoreCurrentCalls is ast_active_channels()
      assertThat(c.packet()).contains("CoreCurrentCalls: 2", "CoreProcessedCalls: 1");
      c.send("Action: CoreShowChannels\r\nActionID: 4\r\n\r\n");
      assertThat(c.packet()).contains("EventList: start", "Message: Channels will follow");
      List<String> first = c.packet();
      List<String> second = c.packet();
      String linked = first.stream().filter(l -> l.startsWith("Linkedid: ")).findFirst().get();
      assertThat(second).contains(linked);
      assertThat(first).anyMatch(l -> l.startsWith("BridgeId: bridge-"));
      assertThat(c.packet()).contains("Event: CoreShowChannelsComplete", "ListItems: 2");
    }
  }

  @Test
  void moduleReloadAnswersAsTheLoaderDoes() throws IOException {
    try (WireClient c = loggedIn(LOGIN)) {
      c.send("Action: ModuleLoad\r\nActionID: 1\r\nModule: res_pjsip\r\nLoadType: reload\r\n\r\n");
      // manager_moduleload: the name must be a file in the modules directory
      assertThat(c.packet()).contains("Response: Error", "Message: Module not found.");
      c.send(
          "Action: ModuleLoad\r\nActionID: 2\r\nModule: chan_pjsip.so\r\nLoadType: reload\r\n\r\n");
      assertThat(c.packet())
          .contains("Response: Error", "Message: Module does not support reload action.");
      c.send(
          "Action: ModuleLoad\r\nActionID: 3\r\nModule: res_pjsip.so\r\nLoadType: reload\r\n\r\n");
      assertThat(c.packet()).contains("Response: Success", "Message: Module reloaded.");
    }
    assertThat(model.reloadedModules()).containsExactly("res_pjsip.so");
  }

  @Test
  void writeClassesOfManagerConfAreEnforced() throws IOException {
    server.user(ManagerUser.of("sensors", "pw2", "system,reporting", "system,reporting"));
    try (WireClient c =
        loggedIn(
            "Action: Login\r\nActionID: L\r\nUsername: sensors\r\nSecret: pw2\r\n"
                + "Events: off\r\n\r\n")) {
      c.send("Action: CoreStatus\r\nActionID: 1\r\n\r\n");
      assertThat(c.packet()).contains("Response: Success");
      c.send("Action: Setvar\r\nActionID: 2\r\nVariable: TANDEM_ACCEPT_CALLS\r\nValue: 0\r\n\r\n");
      assertThat(c.packet()).contains("Response: Error", "Message: Permission denied");
      c.send("Action: Command\r\nActionID: 3\r\nCommand: core show version\r\n\r\n");
      assertThat(c.packet()).contains("Message: Permission denied");
      c.send("Action: Frobnicate\r\nActionID: 4\r\n\r\n");
      assertThat(c.packet())
          .contains(
              "Message: Invalid/unknown command: Frobnicate. Use Action: ListCommands to show"
                  + " available commands.");
    }
    assertThat(model.acceptingCalls()).isTrue();
  }

  @Test
  void gracefulStopNeverAnswersAndRefusesEverythingUntilTheLastCallEnds() throws IOException {
    model.addCall("PJSIP/1001-00000001", "PJSIP/carrier-00000002");
    try (WireClient stopper = loggedIn(LOGIN);
        WireClient other = loggedIn(LOGIN)) {
      stopper.send("Action: Command\r\nActionID: S\r\nCommand: core stop gracefully\r\n\r\n");
      // handle_stop_gracefully waits in the session for the channels: no reply comes
      assertThat(stopper.silentFor(300)).isTrue();

      // process_message: ast_shutting_down() refuses every action, Login included
      other.send("Action: Ping\r\nActionID: P\r\n\r\n");
      assertThat(other.packet()).contains("Response: Error", "Message: Asterisk is shutting down");
      other.send("Action: Originate\r\nActionID: O\r\nChannel: PJSIP/1002\r\n\r\n");
      assertThat(other.packet()).contains("Message: Asterisk is shutting down");
      try (WireClient late = new WireClient(server.host(), server.port())) {
        late.line();
        late.send(LOGIN);
        assertThat(late.packet()).contains("Message: Asterisk is shutting down");
      }
      assertThat(model.channels()).hasSize(2);

      model.hangupAll(); // the last call ends: the process exits
      assertThat(stopper.closedByServer()).isTrue();
      assertThat(other.closedByServer()).isTrue();
    }
    assertThatThrownBy(() -> new Socket(server.host(), server.port()).close())
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void gracefulStopWithoutCallsExitsAtOnceWithoutAnswer() throws IOException {
    try (WireClient c = loggedIn(LOGIN)) {
      c.send("Action: Command\r\nActionID: S\r\nCommand: core stop gracefully\r\n\r\n");
      assertThat(c.packet()).isEmpty(); // closed, no Response
    }
    assertThat(model.lifecycle()).isEqualTo(PbxModel.Lifecycle.STOPPED);
  }

  @Test
  void unsolicitedEventsArriveBetweenResponses() throws IOException {
    try (WireClient c =
        loggedIn(
            "Action: Login\r\nActionID: L\r\nUsername: tandem\r\nSecret: pw\r\n"
                + "Events: call\r\n\r\n")) {
      model.addCall("PJSIP/1001-00000003", "PJSIP/carrier-00000004");
      c.send("Action: Ping\r\nActionID: P\r\n\r\n");
      List<String> first = c.packet();
      assertThat(first).contains("Event: Newchannel", "Privilege: call,all");
      assertThat(first).noneMatch(l -> l.startsWith("ActionID"));
      assertThat(c.packet()).contains("Event: Newchannel");
      assertThat(c.packet()).contains("Response: Success", "ActionID: P");
    }
  }

  @Test
  void pjsipListsAnswerAsResPjsipDoes() throws IOException {
    try (WireClient c = loggedIn(LOGIN)) {
      c.send("Action: PJSIPShowContacts\r\nActionID: 1\r\n\r\n");
      // ami_show_contacts: no contacts is an error, not an empty list
      assertThat(c.packet()).contains("Response: Error", "Message: No Contacts found");
      c.send("Action: PJSIPRegister\r\nActionID: 2\r\nRegistration: nope\r\n\r\n");
      assertThat(c.packet()).contains("Message: Unable to retrieve registration entry");
    }
    model.withoutPjsip();
    try (WireClient c = loggedIn(LOGIN)) {
      c.send("Action: PJSIPShowContacts\r\nActionID: 3\r\n\r\n");
      assertThat(c.packet())
          .contains(
              "Message: Invalid/unknown command: PJSIPShowContacts. Use Action: ListCommands to"
                  + " show available commands.");
    }
  }
}
