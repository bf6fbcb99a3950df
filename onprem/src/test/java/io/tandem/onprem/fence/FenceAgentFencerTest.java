package io.tandem.onprem.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.FencedException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.FenceState;
import io.tandem.core.runbook.TicketGuard;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.peer.RealPeers;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fence-agent fencer against a real IPMI BMC: OpenIPMI's {@code ipmi_sim} on a loopback UDP
 * port, driven by Debian's {@code fence_ipmilan} (which runs {@code ipmitool} over RMCP+), with the
 * chassis power read back from the simulator (18.6).
 */
class FenceAgentFencerTest {

  private static final String USER = "tandem";
  private static final String PASSWORD = "Pw-7f3kq9Zx";
  private static final FencingToken TOKEN = new FencingToken("pbx", "b", 7);
  private static final TicketGuard HOLDS = token -> token.epoch() == 7;

  private static RealPeers.RunningIpmiBmc bmc;

  @BeforeAll
  static void start() {
    bmc = RealPeers.startIpmiSim(USER, PASSWORD);
  }

  @AfterAll
  static void stop() {
    if (bmc != null) {
      bmc.close();
    }
  }

  @BeforeEach
  void powerOn() {
    bmc.thaw();
    bmc.power(true);
  }

  private static FenceAgentFencer fencer(String password, Duration timeout, TicketGuard guard) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("username", USER);
    options.put("lanplus", "1");
    // ipmitool -C 3: a named cipher suite, as for most BMCs; without it ipmitool first asks for the
    // channel's cipher suites, which ipmi_sim does not implement (each call then waits ~10 s)
    options.put("cipher", "3");
    return new FenceAgentFencer(
        new FenceAgentSettings(
            FenceAgentSettings.agent("fence_ipmilan"),
            options,
            "password",
            Optional.of(password),
            timeout),
        guard);
  }

  private static String target() {
    return bmc.host() + ":" + bmc.port();
  }

  @Test
  void powersTheMachineOffAndConfirmsItWithTheDevicesStatus() {
    FenceAgentFencer fencer = fencer(PASSWORD, Duration.ofSeconds(30), HOLDS);
    assertThat(fencer.observe(target()).fenced()).isFalse();

    FenceState state = fencer.fence(target(), TOKEN);

    assertThat(state.fenced()).as(state.detail()).isTrue();
    assertThat(state.detail()).contains("status confirms OFF");
    assertThat(bmc.poweredOn()).as("chassis power read back from the BMC").isFalse();
    assertThat(bmc.chassisRequests()).contains("set power 0");
    assertThat(fencer.observe(target()).fenced()).isTrue();
    assertThat(fencer.recordHolder(target(), TOKEN)).startsWith("nothing recorded");
  }

  @Test
  void aMachineAlreadyOffIsFencedWithoutAnotherPowerCommand() {
    bmc.power(false);
    int before = bmc.chassisRequests().size();

    FenceState state = fencer(PASSWORD, Duration.ofSeconds(30), HOLDS).fence(target(), TOKEN);

    assertThat(state.fenced()).isTrue();
    assertThat(bmc.chassisRequests().subList(before, bmc.chassisRequests().size()))
        .isNotEmpty()
        .allMatch(r -> r.startsWith("get"));
  }

  @Test
  void wrongCredentialsAreAPermissionErrorInTheDevicesWordsAndNothingIsPoweredOff() {
    String wrong = "Wr0ng-Pw-q81";
    FenceAgentFencer fencer = fencer(wrong, Duration.ofSeconds(40), HOLDS);

    assertThatThrownBy(() -> fencer.fence(target(), TOKEN))
        .isInstanceOf(PermissionException.class)
        .hasMessageContaining("RAKP 2 HMAC is invalid") // ipmitool's words for the BMC's refusal
        .hasMessageNotContaining(wrong);
    assertThat(bmc.poweredOn()).isTrue();
    assertThat(bmc.chassisRequests()).doesNotContain("set power 0");
  }

  @Test
  void aDeviceThatDoesNotAnswerLeavesTheFenceUnknownAndTheMachineOn() {
    bmc.freeze();
    long t0 = System.nanoTime();
    try {
      assertThatThrownBy(
              () -> fencer(PASSWORD, Duration.ofSeconds(6), HOLDS).fence(target(), TOKEN))
          .isInstanceOf(TransientException.class)
          .hasMessageContaining("UNKNOWN");
    } finally {
      bmc.thaw();
    }
    // design bound: the configured 6 s; allowance 10 s for the agent's exit on a loaded machine
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(16));
    assertThat(bmc.poweredOn()).isTrue();
  }

  @Test
  void theTicketsTimeLeftBoundsTheRunNotTheConfiguredTimeout() {
    TicketGuard shortTicket =
        new TicketGuard() {
          @Override
          public boolean holds(FencingToken token) {
            return true;
          }

          @Override
          public Optional<Duration> timeLeft(FencingToken token) {
            return Optional.of(Duration.ofSeconds(3));
          }
        };
    bmc.freeze();
    long t0 = System.nanoTime();
    try {
      assertThatThrownBy(
              () -> fencer(PASSWORD, Duration.ofSeconds(60), shortTicket).fence(target(), TOKEN))
          .isInstanceOf(TransientException.class)
          .hasMessageContaining("UNKNOWN");
    } finally {
      bmc.thaw();
    }
    // design bound: the ticket's 3 s, far below the configured 60 s; allowance 10 s
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(13));
    assertThat(bmc.poweredOn()).isTrue();
  }

  @Test
  void aSiteThatNoLongerHoldsTheTicketPowersNothingOff() {
    int before = bmc.chassisRequests().size();
    FenceAgentFencer stale = fencer(PASSWORD, Duration.ofSeconds(30), token -> false);

    assertThatThrownBy(() -> stale.fence(target(), TOKEN))
        .isInstanceOf(FencedException.class)
        .hasMessageContaining("epoch 7");
    assertThat(bmc.chassisRequests()).hasSize(before);
    assertThat(bmc.poweredOn()).isTrue();
  }

  @Test
  void secretsStayOutOfTheOptionsAndOffTheAgentsCommandLine() {
    assertThatThrownBy(
            () ->
                new FenceAgentSettings(
                    FenceAgentSettings.agent("fence_ipmilan"),
                    Map.of("password", PASSWORD),
                    "password",
                    Optional.empty(),
                    Duration.ofSeconds(5)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("fencing.secret");
    assertThatThrownBy(
            () ->
                new FenceAgentSettings(
                    FenceAgentSettings.agent("fence_ipmilan"),
                    Map.of("username", "x\naction=on"),
                    "password",
                    Optional.empty(),
                    Duration.ofSeconds(5)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("single line");
    assertThat(fencer(PASSWORD, Duration.ofSeconds(5), HOLDS).toString())
        .doesNotContain(PASSWORD)
        .contains("****");
  }
}
