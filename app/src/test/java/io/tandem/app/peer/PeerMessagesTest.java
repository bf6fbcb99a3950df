package io.tandem.app.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.PeerReport;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** The peer report's wire format, as the peer link's controller and transport read and write it. */
class PeerMessagesTest {

  private final JsonMapper json = JsonMapper.shared();

  @Test
  void servingEpochAndActiveCallsCrossTheWire() {
    PeerReport sent =
        new PeerReport("a", AgentState.FENCING, false, 1, true, false, "b", 12, 3, 77_000L, 999);

    byte[] body = json.writeValueAsBytes(PeerMessages.Report.of(sent));
    PeerReport got = json.readValue(body, PeerMessages.Report.class).toCore();

    assertThat(new String(body, StandardCharsets.UTF_8))
        .contains("\"servingEpoch\":12")
        .contains("\"activeCalls\":3")
        .contains("\"promisesFreeAtNanos\":77000");
    // the receipt time is the receiver's to stamp, never the sender's
    assertThat(got).isEqualTo(sent.receivedAt(0));
    assertThat(got.serving()).isTrue();
  }

  @Test
  void aReportFromAnOlderAgentMeansNotServingAndCallsUnknown() {
    byte[] old =
        ("{\"site\":\"b\",\"state\":\"STANDBY\",\"healthy\":true,\"priority\":2,"
                + "\"witnessReachable\":true,\"promiseBound\":false,\"handingOverTo\":null}")
            .getBytes(StandardCharsets.UTF_8);

    PeerReport got = json.readValue(old, PeerMessages.Report.class).toCore();

    assertThat(got.servingEpoch()).isZero();
    assertThat(got.activeCalls()).isEqualTo(-1);
    // an older agent never says it needs no promise: a promise to it lasts its whole window
    assertThat(got.promisesFreeAtNanos()).isEqualTo(PeerReport.NEEDS_PROMISES);
    assertThat(got.frees(Long.MIN_VALUE + 1)).isFalse();
  }

  @Test
  void negativeValuesAreMalformed() {
    for (String bad : new String[] {"\"servingEpoch\":-1", "\"activeCalls\":-2"}) {
      byte[] body =
          ("{\"site\":\"b\",\"state\":\"ACTIVE\",\"healthy\":true,\"priority\":2,"
                  + "\"witnessReachable\":true,\"promiseBound\":false,"
                  + bad
                  + "}")
              .getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(() -> json.readValue(body, PeerMessages.Report.class))
          .as(bad)
          .isInstanceOf(JacksonException.class);
    }
  }

  @Test
  void theHealthLevelCrossesTheWireAndAnOlderAgentsIsReadFromHealthy() {
    PeerReport warn =
        new PeerReport(
            "a",
            AgentState.ACTIVE,
            true,
            io.tandem.core.health.HealthLevel.WARN,
            1,
            true,
            false,
            null,
            3,
            0,
            PeerReport.NEEDS_PROMISES,
            5);
    byte[] body = json.writeValueAsBytes(PeerMessages.Report.of(warn));
    assertThat(new String(body, StandardCharsets.UTF_8)).contains("\"healthLevel\":\"WARN\"");
    assertThat(json.readValue(body, PeerMessages.Report.class).toCore().healthLevel())
        .isEqualTo(io.tandem.core.health.HealthLevel.WARN);

    for (boolean healthy : new boolean[] {true, false}) {
      byte[] old =
          ("{\"site\":\"b\",\"state\":\"STANDBY\",\"healthy\":"
                  + healthy
                  + ",\"priority\":2,\"witnessReachable\":true,\"promiseBound\":false}")
              .getBytes(StandardCharsets.UTF_8);
      assertThat(json.readValue(old, PeerMessages.Report.class).toCore().healthLevel())
          .isEqualTo(
              healthy
                  ? io.tandem.core.health.HealthLevel.OK
                  : io.tandem.core.health.HealthLevel.FAIL);
    }
    // one verdict: an unhealthy report is FAIL whatever level it names
    assertThat(
            new PeerReport(
                    "a",
                    AgentState.STANDBY,
                    false,
                    io.tandem.core.health.HealthLevel.WARN,
                    1,
                    true,
                    false,
                    null,
                    0,
                    -1,
                    PeerReport.NEEDS_PROMISES,
                    0)
                .healthLevel())
        .isEqualTo(io.tandem.core.health.HealthLevel.FAIL);
  }
}
