package io.tandem.onprem.pbx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.error.ConfigException;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.onprem.esl.EslPbxControl;
import io.tandem.onprem.esl.EslSettings;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.EslServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One sensor implementation over both products' telemetry, against the simulators. */
class PbxSensorsTest {

  private static SensorSpec spec(String kind) {
    // the configuration's defaults: interval 2 s, timeout 1 s
    return new SensorSpec(kind, kind, false, 1, Duration.ofSeconds(2), Duration.ofSeconds(1));
  }

  @Test
  void aReadingLeavesTheAdapterTimeToExplainItself() {
    assertThat(PbxSensors.budget(spec("pbx-ping"))).isEqualTo(Duration.ofMillis(800));
    SensorSpec quick =
        new SensorSpec("q", "pbx-ping", false, 1, Duration.ofSeconds(1), Duration.ofMillis(150));
    assertThat(PbxSensors.budget(quick)).isEqualTo(Duration.ofMillis(75));
  }

  @Test
  void productPrefixedKindsMustMatchThePbx() {
    assertThat(PbxSensors.problem("esl-ping", Map.of(), "Asterisk"))
        .hasValue(
            "a esl-ping sensor needs a FreeSWITCH PBX, and this site's PBX is Asterisk; use"
                + " pbx-ping");
    assertThat(PbxSensors.problem("ami-core-status", Map.of(), "Asterisk")).isEmpty();
    assertThat(PbxSensors.problem("trunk-registration", Map.of(), "Asterisk"))
        .hasValue("a trunk-registration sensor needs parameter 'trunk'");
    assertThat(PbxSensors.problem("endpoint-reachability", Map.of(), "FreeSWITCH"))
        .get()
        .asString()
        .contains("needs parameter 'expected'");
    assertThat(PbxSensors.problem("active-calls", Map.of("treshold", "3"), "Asterisk"))
        .get()
        .asString()
        .contains("unknown parameter 'treshold'");
  }

  @Nested
  class OnAsterisk {
    private final PbxModel model =
        new PbxModel("20.5.0")
            .trunk("carrier-1", true)
            .trunk("carrier-2", false)
            .contact("1001", true)
            .contact("1002", true)
            .contact("1003", false)
            .contact("1004", true)
            .contact("1005", PbxModel.ContactStatus.NON_QUALIFIED)
            .addCall("PJSIP/1001-00000001", "PJSIP/carrier-1-00000002");
    private final PbxFaults faults = new PbxFaults();
    private final AmiServer server = new AmiServer(model, faults, "tandem", "s3cret");
    private final AmiPbxControl ami =
        new AmiPbxControl(AmiSettings.of(server.host(), server.port(), "tandem", "s3cret"));
    private final PbxSensors sensors = new PbxSensors(ami, Clock.systemUTC());

    @AfterEach
    void stop() {
      ami.close();
      server.close();
    }

    private SensorReading read(String kind, Map<String, String> params) {
      HealthSensor s = sensors.create(spec(kind), params);
      // the first reading of a new session may find it still logging in
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> !s.read().detail().contains("could not start within"));
      return s.read();
    }

    @Test
    void everyKindReadsTheSimulatedAsterisk() {
      assertThat(read("ami-ping", Map.of()).status()).isEqualTo(SensorStatus.OK);
      assertThat(read("ami-login", Map.of()).status()).isEqualTo(SensorStatus.OK);
      SensorReading core = read("ami-core-status", Map.of());
      assertThat(core.status()).isEqualTo(SensorStatus.OK);
      assertThat(core.detail())
          .startsWith("Asterisk 20.5.0 up ")
          .contains("last reload ")
          .endsWith("1 call on 2 channels");
      assertThat(read("active-calls", Map.of()).value()).isEqualTo(1.0);
      assertThat(read("active-channels", Map.of("warn", "2")).status())
          .isEqualTo(SensorStatus.WARN);
      SensorReading uptime = read("pbx-uptime", Map.of());
      assertThat(uptime.status()).isEqualTo(SensorStatus.WARN);
      assertThat(uptime.detail()).contains("restarted recently");
      assertThat(read("trunk-registration", Map.of("trunk", "carrier-1")).status())
          .isEqualTo(SensorStatus.OK);
      SensorReading down = read("trunk-registration", Map.of("trunk", "carrier-2"));
      assertThat(down.status()).isEqualTo(SensorStatus.FAIL);
      assertThat(down.detail()).isEqualTo("trunk carrier-2: Unregistered");
      // 3 of 4 qualified contacts; the NonQualified one is not monitored
      SensorReading reach = read("endpoint-reachability", Map.of());
      assertThat(reach.value()).isEqualTo(75.0);
      assertThat(reach.status()).isEqualTo(SensorStatus.WARN);
      assertThat(reach.detail()).isEqualTo("3 of 4 user agents reachable (75%)");
    }

    /**
     * A ping waiting behind the site's own control request (a reload after a sync, which a big
     * module makes last seconds) is not evidence of a dead PBX while that request is within its own
     * budget: Pacemaker likewise runs no recurring monitor of a resource while another operation on
     * it is in flight, and the operation's own timeout decides. Past that budget the request fails
     * and so does the next ping. Under the fast sensor defaults (timeout 400 ms) a receiver
     * otherwise went unhealthy during every reload and refused the sync that caused it.
     */
    @Test
    void aPingBehindTheSitesOwnReloadWarnsWhileTheReloadIsWithinItsBudgetAndFailsAfter() {
      HealthSensor ping = sensors.create(spec("ami-ping"), Map.of());
      await().atMost(Duration.ofSeconds(5)).until(() -> ping.read().status() == SensorStatus.OK);
      faults.answerDelay(Duration.ofSeconds(30)); // longer than the reload's 3 s budget
      Thread reload =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      ami.reloadModule("res_pjsip.so");
                    } catch (RuntimeException expected) {
                      // no answer within its budget: the session drops the connection
                    }
                  });
      AtomicReference<SensorReading> during = new AtomicReference<>();
      await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> during.updateAndGet(r -> ping.read()).detail().contains("ModuleLoad"));
      assertThat(during.get().status()).isEqualTo(SensorStatus.WARN);
      assertThat(during.get().detail())
          .contains("a keep-alive not checked")
          .contains("busy running ModuleLoad");
      // the reload's own budget (AmiSettings' 3 s) decides: after it the ping no longer passes
      await().atMost(Duration.ofSeconds(10)).until(() -> !ping.read().status().good());
      faults.answerDelay(Duration.ZERO);
      await().atMost(Duration.ofSeconds(5)).until(() -> !reload.isAlive());
    }

    /**
     * Issue 17: silence is not an answer that the PBX is down. A ping the PBX does not answer
     * within the reading's budget is a TIMEOUT (the health monitor takes a sensor down on timeouts
     * only after a longer silence); a refused connection is a FAIL.
     */
    @Test
    void noAnswerInTimeIsATimeoutAndARefusedConnectionAFailure() {
      HealthSensor ping = sensors.create(spec("ami-ping"), Map.of());
      await().atMost(Duration.ofSeconds(5)).until(() -> ping.read().status() == SensorStatus.OK);
      faults.answerDelay(Duration.ofSeconds(2)); // past the 800 ms budget

      SensorReading slow = ping.read();

      assertThat(slow.status()).isEqualTo(SensorStatus.TIMEOUT);
      assertThat(slow.detail()).contains("did not answer");
      faults.answerDelay(Duration.ZERO);
      server.close(); // the PBX is gone: its port refuses
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> ping.read().detail().contains("Connection refused"));
      assertThat(ping.read().status()).isEqualTo(SensorStatus.FAIL);
    }

    @Test
    void refusingNewCallsIsAWarning() {
      ami.stopNewCalls();
      SensorReading core = read("pbx-core-status", Map.of());
      assertThat(core.status()).isEqualTo(SensorStatus.WARN);
      assertThat(core.detail()).endsWith(", refusing new calls");
    }

    @Test
    void noContactsIsNotAnErrorAndNoPjsipIsSaid() {
      PbxModel bare = new PbxModel("20.5.0");
      try (AmiServer s2 = new AmiServer(bare, new PbxFaults(), "tandem", "pw");
          AmiPbxControl c2 =
              new AmiPbxControl(AmiSettings.of(s2.host(), s2.port(), "tandem", "pw"))) {
        HealthSensor reach =
            new PbxSensors(c2, Clock.systemUTC()).create(spec("endpoint-reachability"), Map.of());
        // Asterisk answers "No Contacts found" as an error when there are none
        await()
            .atMost(Duration.ofSeconds(5))
            .untilAsserted(
                () ->
                    assertThat(reach.read().detail())
                        .isEqualTo("no user agents are monitored (enable qualify)"));
        bare.withoutPjsip();
        assertThat(reach.read().detail()).endsWith("cannot tell (res_pjsip is not loaded)");
        assertThat(reach.read().status()).isEqualTo(SensorStatus.WARN);
      }
    }

    @Test
    void aRefusedLoginSurfacesThroughTheSensorsInAsterisksWords() {
      try (AmiPbxControl bad =
          new AmiPbxControl(AmiSettings.of(server.host(), server.port(), "tandem", "guess"))) {
        PbxSensors badSensors = new PbxSensors(bad, Clock.systemUTC());
        HealthSensor login = badSensors.create(spec("ami-login"), Map.of());
        HealthSensor ping = badSensors.create(spec("ami-ping"), Map.of());

        // Asterisk answers a refused login after 1 s, later than this sensor's 800 ms budget:
        // the reading says so, and a later one reports the refusal
        SensorReading first = login.read();
        assertThat(first.status()).isEqualTo(SensorStatus.FAIL);
        assertThat(first.detail()).contains("not answered after 800 ms");
        await()
            .atMost(Duration.ofSeconds(5))
            .untilAsserted(
                () ->
                    assertThat(login.read().detail())
                        .contains("AMI login refused for user tandem")
                        .contains("\"Authentication failed\""));
        await()
            .atMost(Duration.ofSeconds(5))
            .untilAsserted(
                () ->
                    assertThat(ping.read().detail()).contains("AMI login refused for user tandem"));
        // the refusal is remembered: no further logins (fail2ban-safe)
        int refused = server.failedLogins();
        for (int i = 0; i < 3; i++) {
          login.read();
          ping.read();
        }
        assertThat(server.failedLogins()).isEqualTo(refused).isLessThanOrEqualTo(2);
      }
    }

    @Test
    void aLoginSensorReadRarelyStillReportsTheRefusalNotATimeout() {
      AmiSettings wrong =
          AmiSettings.of(
              AmiSettings.builder()
                  .host(server.host())
                  .port(server.port())
                  .user("tandem")
                  .secret("guess")
                  .timeout(Duration.ofMillis(1200))
                  .loginBackoff(Duration.ofMillis(100))
                  .build());
      try (AmiPbxControl bad = new AmiPbxControl(wrong)) {
        HealthSensor login =
            new PbxSensors(bad, Clock.systemUTC()).create(spec("ami-login"), Map.of());
        assertThat(login.read().detail()).contains("not answered after 800 ms");

        // the next reading comes long after (more than twice the access timeout, past the
        // back-off): the old answer is too old, a new login starts, and while Asterisk takes its
        // second to refuse it the reading reports the refusal it knows rather than a timeout
        await()
            .pollDelay(Duration.ofMillis(3600))
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(login.read().detail())
                        .contains("AMI login refused for user tandem")
                        .contains("a new login is under way"));
      }
    }

    @Test
    void aWrongKindForThePbxIsAConfigErrorNamingTheSensor() {
      assertThatThrownBy(() -> sensors.create(spec("esl-core-status"), Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(
              "sensor esl-core-status: a esl-core-status sensor needs a" + " FreeSWITCH PBX");
    }
  }

  @Nested
  class OnFreeSwitch {
    private final PbxModel model =
        new PbxModel("1.10.12")
            .trunk("carrier-1", true)
            .contact("1001", true)
            .contact("1002", true)
            .addCall("sofia/internal/1001", "sofia/external/carrier-1");
    private final EslServer server = new EslServer(model, new PbxFaults(), "ClueCon-not");
    private final EslPbxControl esl =
        new EslPbxControl(EslSettings.of(server.host(), server.port(), "ClueCon-not"));
    private final PbxSensors sensors = new PbxSensors(esl, Clock.systemUTC());

    @AfterEach
    void stop() {
      esl.close();
      server.close();
    }

    private SensorReading read(String kind, Map<String, String> params) {
      HealthSensor s = sensors.create(spec(kind), params);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> !s.read().detail().contains("could not start within"));
      return s.read();
    }

    @Test
    void theSameKindsReadTheSimulatedFreeSwitch() {
      assertThat(read("esl-ping", Map.of()).status()).isEqualTo(SensorStatus.OK);
      assertThat(read("esl-login", Map.of()).status()).isEqualTo(SensorStatus.OK);
      SensorReading core = read("esl-core-status", Map.of());
      assertThat(core.detail())
          .startsWith("FreeSWITCH 1.10.12 -release 64bit up ")
          .doesNotContain("last reload")
          .endsWith("1 call on 2 channels");
      assertThat(read("active-calls", Map.of()).value()).isEqualTo(1.0);
      assertThat(read("trunk-registration", Map.of("trunk", "carrier-1")).detail())
          .isEqualTo("trunk carrier-1: REGED");
      SensorReading reach = read("endpoint-reachability", Map.of("expected", "4"));
      assertThat(reach.value()).isEqualTo(50.0);
      assertThat(reach.status()).isEqualTo(SensorStatus.WARN);
    }
  }
}
