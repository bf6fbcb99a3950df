package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.guard.FenceGuard;
import io.tandem.app.guard.FenceGuardClient;
import io.tandem.core.config.Timings;
import io.tandem.core.witness.FencingToken;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session-6 soak's silent outage (docs/benchmarks.md, 16:25:24) through the assembly {@code
 * tandem agent} builds, at the shipped timings, with the fence guard {@code tandem fence-guard}
 * builds ({@link FenceGuard} over its own AMI session, the timings of {@code FenceGuardCommand}) on
 * a real Unix socket: the agent's beats stop reaching the guard for a while (its sender thread
 * starved on a loaded host, as in the soak, where the beat came after the guard's deadline), the
 * guard fences the PBX at the last beat's "serve until", and the agent goes on renewing its ticket
 * under the same epoch. Once the beats flow again the guard's reply tells the agent it fenced, and
 * the agent, still ACTIVE with a valid ticket, activates again: the PBX takes calls again under the
 * same epoch. Before, the PBX kept refusing new calls while the agent said it served.
 */
@Bind9
class GuardFenceUnderValidTicketTest {

  @TempDir Path dir;
  LoopbackCluster cluster;
  Map<String, String> tsig;
  FenceGuard guard;
  AmiPbxControl guardPbx;
  BeatRelay relay;

  @BeforeEach
  void setUp(Bind9Peer bind) throws Exception {
    cluster = new LoopbackCluster(dir, "race", List.of("alpha", "beta"));
    cluster.writeConfig(LoopbackCluster.twoAsteriskSites("race", bind, cluster.witnessPort()));
    tsig = Map.of("TSIG_SECRET", bind.tsigSecret());
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
    if (relay != null) {
      relay.close();
    }
    if (guard != null) {
      guard.close();
    }
    if (guardPbx != null) {
      guardPbx.close();
    }
  }

  @Test
  void anAgentWhosePbxItsGuardFencedUnderAValidTicketActivatesItAgain() throws Exception {
    // the guard as FenceGuardCommand builds it, on a socket of its own; the relay sits where the
    // agent looks for the guard (its data directory) and passes every line both ways
    Timings t = Timings.defaults();
    Path guardSocket = dir.resolve("guard").resolve(FenceGuardClient.SOCKET);
    guardPbx =
        new AmiPbxControl(
            AmiSettings.of(
                "127.0.0.1",
                cluster.ami.get("alpha").port(),
                "tandem",
                LoopbackCluster.AMI_PASSWORD));
    guard =
        new FenceGuard(
            guardSocket,
            guardPbx,
            t.startupHold(),
            t.fenceLead().plus(t.witnessGrace()),
            System::nanoTime);
    guard.start();
    relay = new BeatRelay(dir.resolve("alpha").resolve(FenceGuardClient.SOCKET), guardSocket);

    AgentAssembly alpha = cluster.start("alpha", tsig);
    var pbx = cluster.pbx.get("alpha");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                "alpha".equals(alpha.runtime().status().activeSite())
                    && alpha.runtime().runs().stream().anyMatch(r -> r.endedAt() != null)
                    && pbx.acceptingCalls()
                    && guard.armed());
    FencingToken token = alpha.driver().holder().token().orElseThrow();
    long fencesBefore = guard.fences();

    relay.hold(true); // the agent's beats stop reaching the guard; renewals go on
    await()
        .alias("the guard fences at the last beat's deadline")
        .atMost(Duration.ofSeconds(10))
        .until(() -> guard.fences() > fencesBefore && !pbx.acceptingCalls());
    assertThat(alpha.driver().holder().token()).as("the agent still holds").contains(token);
    assertThat(alpha.driver().core().state()).hasToString("ACTIVE");

    relay.hold(false);
    // design bound: the next beat (one tick), its reply, one decision and the activation's "accept
    // new calls" (one AMI command); allowance for a loaded host: 10 s
    await()
        .alias("the agent learns of the guard's fence and activates again under its ticket")
        .atMost(Duration.ofSeconds(10))
        .until(pbx::acceptingCalls);
    assertThat(alpha.driver().holder().token()).as("under the same epoch").contains(token);
    assertThat(alpha.runtime().status().activeSite()).isEqualTo("alpha");
    // the decision says what happened, under its own code (not a failed activation's retry)
    var decisions = alpha.runtime().decisions(500);
    assertThat(decisions)
        .filteredOn(d -> d.reasonCode().equals("REACTIVATING_AFTER_GUARD_FENCE"))
        .as("the re-activation's decision")
        .singleElement()
        .satisfies(
            d ->
                assertThat(d.words())
                    .matches(
                        "the fence guard stopped the PBX [0-9.]+ s after the activation under"
                            + " epoch "
                            + token.epoch()
                            + " began \\(its fence [0-9]+ since it started\\); activating it"
                            + " again under epoch "
                            + token.epoch()));
    assertThat(decisions).extracting(d -> d.reasonCode()).doesNotContain("ACTIVATION_FAILED");
    await().atMost(Duration.ofSeconds(5)).until(guard::armed); // and the guard covers it again
  }

  /**
   * A Unix-socket relay between the agent and its guard that can hold the agent's lines back (its
   * sender thread starved): while held it keeps every line and sends them all, in order, on
   * release. It drops none: a socket never drops a line the client wrote (the client's own "newest
   * beat only" happens before it writes), and the guard answers every line it reads, in order, so
   * the agent pairs each reply with the beat it answers by their order ({@code GuardLink}); a relay
   * that dropped lines would pair replies with the wrong beats. The guard's replies pass at once.
   */
  static final class BeatRelay implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path target;
    private final Object lock = new Object();
    private boolean held;
    private final java.util.List<String> pending = new java.util.ArrayList<>();
    private OutputStream toGuard;

    BeatRelay(Path listen, Path target) throws IOException {
      this.target = target;
      Files.createDirectories(listen.getParent());
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(listen));
      Thread.ofVirtual().start(this::accept);
    }

    void hold(boolean on) throws IOException {
      synchronized (lock) {
        held = on;
        if (!on && toGuard != null) {
          for (String line : pending) {
            toGuard.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
          }
          toGuard.flush();
          pending.clear();
        }
      }
    }

    private void accept() {
      while (server.isOpen()) {
        try {
          SocketChannel agent = server.accept();
          SocketChannel guardSide = SocketChannel.open(StandardProtocolFamily.UNIX);
          guardSide.connect(UnixDomainSocketAddress.of(target));
          Thread.ofVirtual().start(() -> agentToGuard(agent, guardSide));
          Thread.ofVirtual().start(() -> pipe(guardSide, agent));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void agentToGuard(SocketChannel agent, SocketChannel guardSide) {
      try (agent;
          guardSide) {
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(Channels.newInputStream(agent), StandardCharsets.US_ASCII));
        OutputStream out = Channels.newOutputStream(guardSide);
        synchronized (lock) {
          toGuard = out;
        }
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (lock) {
            if (held && !line.startsWith("HELLO")) {
              pending.add(line);
            } else {
              out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
              out.flush();
            }
          }
        }
      } catch (IOException e) {
        // a side closed
      }
    }

    private static void pipe(SocketChannel from, SocketChannel to) {
      try {
        Channels.newInputStream(from).transferTo(Channels.newOutputStream(to));
      } catch (IOException e) {
        // a side closed
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
