package io.tandem.onprem.pbx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.error.TransientException;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.onprem.esl.EslPbxControl;
import io.tandem.onprem.esl.EslSettings;
import io.tandem.sim.net.TcpFaultProxy;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.EslServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The supervised session drops a silently dead connection and reconnects at once: a relay that
 * stops forwarding the old connection without closing it (a firewall or NAT that dropped the flow)
 * while new connections work.
 */
class PbxSessionTest {

  private static final Duration KEEP_ALIVE = Duration.ofMillis(300);
  private static final Duration TIMEOUT = Duration.ofMillis(500);

  private static AmiSettings quick(TcpFaultProxy proxy) {
    return AmiSettings.of(
        AmiSettings.builder()
            .host(proxy.host())
            .port(proxy.port())
            .user("tandem")
            .secret("pw")
            .timeout(TIMEOUT)
            .keepAlive(KEEP_ALIVE)
            .build());
  }

  @Test
  void aBlackholedAmiSessionIsReplacedWhileFreshLoginsWork() {
    PbxModel model = new PbxModel("20.5.0").addCall("PJSIP/a-1", "PJSIP/b-2");
    try (AmiServer server = new AmiServer(model, new PbxFaults(), "tandem", "pw");
        TcpFaultProxy proxy = new TcpFaultProxy(server.host(), server.port());
        AmiPbxControl ami = new AmiPbxControl(quick(proxy))) {
      ami.connect();
      assertThat(server.logins()).isEqualTo(1);

      proxy.blackholeOpenConnections();
      long t0 = System.nanoTime();

      // design bound: one keep-alive period plus one unanswered ping, then a login at once
      // (allowance 3 s for a loaded machine) — not asterisk-java's 5 s cycle, and not never
      await().atMost(Duration.ofSeconds(10)).until(() -> server.logins() >= 2);
      assertThat(Duration.ofNanos(System.nanoTime() - t0))
          .isLessThan(KEEP_ALIVE.plus(TIMEOUT).plus(Duration.ofSeconds(3)));
      assertThat(ami.status().activeCalls()).isEqualTo(1);
    }
  }

  /**
   * A runbook step cut off while its AMI call waits for the answer (the engine interrupts the
   * step's virtual thread when the ticket's time left runs out) leaves the shared session open: the
   * fence that follows at once runs on the same connection, without waiting for a new login. (On a
   * virtual thread an interrupt closes the {@code java.net.Socket} it waits on: "Closed by
   * interrupt"; at the {@code fast} timings the reconnect took ~165 ms of a 100 ms fence budget.)
   */
  @Test
  void aCallCutOffByAnInterruptLeavesTheSessionOpenForTheFence() throws Exception {
    PbxModel model = new PbxModel("20.5.0");
    PbxFaults faults = new PbxFaults();
    try (AmiServer server = new AmiServer(model, faults, "tandem", "pw");
        AmiPbxControl ami =
            new AmiPbxControl(
                AmiSettings.of(
                    AmiSettings.builder()
                        .host(server.host())
                        .port(server.port())
                        .user("tandem")
                        .secret("pw")
                        .timeout(Duration.ofSeconds(2))
                        .keepAlive(Duration.ofSeconds(30))
                        .build()))) {
      ami.connect();
      assertThat(server.logins()).isEqualTo(1);
      faults.answerDelay(Duration.ofMillis(500));
      AtomicReference<RuntimeException> stepError = new AtomicReference<>();
      AtomicBoolean flagKept = new AtomicBoolean();
      Thread step =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      ami.acceptNewCalls();
                    } catch (RuntimeException e) {
                      stepError.set(e);
                      flagKept.set(Thread.currentThread().isInterrupted());
                    }
                  });
      // the step waits for the slow answer: cut it off there, as the runbook engine does
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  step.getState() == Thread.State.WAITING
                      || step.getState() == Thread.State.TIMED_WAITING);
      step.interrupt();
      assertThat(step.join(Duration.ofSeconds(5))).as("the step returned").isTrue();
      assertThat(stepError.get())
          .isInstanceOf(TransientException.class)
          .hasMessageContaining("interrupt");
      assertThat(flagKept).as("the interrupt flag is restored").isTrue();

      faults.reset();
      ami.stopNewCalls(); // the fence, at once
      assertThat(server.logins()).as("logins: the session stayed open").isEqualTo(1);
      assertThat(model.global(ami.settings().acceptVariable())).isEqualTo("0");
    }
  }

  @Test
  void aBlackholedEventSocketIsReplacedToo() {
    PbxModel model = new PbxModel("1.10.12");
    try (EslServer server = new EslServer(model, new PbxFaults(), "pw");
        TcpFaultProxy proxy = new TcpFaultProxy(server.host(), server.port());
        EslPbxControl esl =
            new EslPbxControl(
                EslSettings.of(
                    EslSettings.builder()
                        .host(proxy.host())
                        .port(proxy.port())
                        .secret("pw")
                        .timeout(TIMEOUT)
                        .keepAlive(KEEP_ALIVE)
                        .build()))) {
      esl.connect();
      int before = proxy.accepted();

      proxy.blackholeOpenConnections();

      await().atMost(Duration.ofSeconds(10)).until(() -> proxy.accepted() > before);
      await()
          .atMost(Duration.ofSeconds(5))
          .ignoreExceptions()
          .until(() -> esl.status().activeChannels() == 0);
    }
  }

  @Test
  void whileEverythingIsBlackholedReadingsSayWhatHappened() {
    PbxModel model = new PbxModel("20.5.0");
    try (AmiServer server = new AmiServer(model, new PbxFaults(), "tandem", "pw");
        TcpFaultProxy proxy = new TcpFaultProxy(server.host(), server.port());
        AmiPbxControl ami = new AmiPbxControl(quick(proxy))) {
      ami.connect();
      proxy.blackhole(true);

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThatThrownBy(() -> ami.ping(Duration.ofMillis(200)))
                      .isInstanceOf(TransientException.class)
                      .hasMessageContaining("did not answer"));

      proxy.blackhole(false);
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> ami.status().up());
    }
  }
}
