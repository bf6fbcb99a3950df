package io.tandem.app.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.agent.guard.GuardBeat;
import io.tandem.core.agent.guard.GuardReply;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fence guard against a simulated Asterisk over real AMI: it fences when the agent's deadline
 * passes without a fresh beat, never while beats keep the deadline ahead or the agent says idle,
 * and refuses an agent whose monotonic clock is not its own.
 */
class FenceGuardTest {

  private static final long MS = 1_000_000L;

  @TempDir Path dir;
  private PbxModel model;
  private AmiServer ami;
  private AmiPbxControl pbx;
  private FenceGuard guard;

  @BeforeEach
  void start() throws Exception {
    model = new PbxModel("20.7.0");
    ami = new AmiServer(model, new PbxFaults(), "tandem", "ami-pw");
    pbx = new AmiPbxControl(AmiSettings.of("127.0.0.1", ami.port(), "tandem", "ami-pw"));
  }

  @AfterEach
  void stop() throws Exception {
    if (guard != null) {
      guard.close();
    }
    pbx.close();
    ami.close();
  }

  private FenceGuardClient guardAndClient(Duration startCover) throws Exception {
    Path socket = dir.resolve(FenceGuardClient.SOCKET);
    guard = new FenceGuard(socket, pbx, startCover, Duration.ofSeconds(2), System::nanoTime);
    guard.start();
    return new FenceGuardClient(socket, System::nanoTime);
  }

  @Test
  void fencesWhenTheDeadlinePassesWithoutAFreshBeat() throws Exception {
    try (FenceGuardClient client = guardAndClient(Duration.ofMinutes(1))) {
      client.accept(GuardBeat.serveUntil(System.nanoTime() + 60_000 * MS, 7));
      await().atMost(Duration.ofSeconds(5)).until(client::connected);
      assertThat(model.acceptingCalls()).isTrue();
      long beat = System.nanoTime();
      client.accept(GuardBeat.serveUntil(beat + 400 * MS, 7));
      await().atMost(Duration.ofSeconds(5)).until(() -> !model.acceptingCalls());
      // design bound: the deadline plus one 50 ms poll plus the AMI answer (allowance: 2 s)
      assertThat(System.nanoTime() - beat).isGreaterThanOrEqualTo(400 * MS);
      // the guard records the fence and disarms just after the PBX stops taking calls
      await().atMost(Duration.ofSeconds(5)).until(() -> !guard.armed());
      assertThat(guard.fences()).isEqualTo(1);
    }
  }

  @Test
  void freshBeatsAndIdleNeverFence() throws Exception {
    AtomicLong clock = new AtomicLong(1_000_000 * MS);
    Path socket = dir.resolve(FenceGuardClient.SOCKET);
    guard = new FenceGuard(socket, pbx, Duration.ofMillis(300), Duration.ofSeconds(2), clock::get);
    guard.start();
    try (FenceGuardClient client = new FenceGuardClient(socket, clock::get)) {
      client.accept(GuardBeat.idleBeat());
      await().atMost(Duration.ofSeconds(5)).until(() -> client.connected() && !guard.armed());
      // an active agent: each beat moves the deadline 300 ms past it; 2 s of them, 100 ms apart
      for (int i = 0; i < 20; i++) {
        long deadline = clock.get() + 300 * MS;
        client.accept(GuardBeat.serveUntil(deadline, 3));
        await().atMost(Duration.ofSeconds(2)).until(() -> guard.deadlineNanos() == deadline);
        clock.addAndGet(100 * MS);
      }
      client.accept(GuardBeat.idleBeat());
      await().atMost(Duration.ofSeconds(2)).until(() -> !guard.armed());
      clock.addAndGet(60_000 * MS);
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> guard.fences() == 0);
      assertThat(model.acceptingCalls()).isTrue();
    }
  }

  @Test
  void withNoAgentAnUnknownPbxIsFencedAfterTheStartCover() throws Exception {
    guardAndClient(Duration.ofMillis(500)).close();
    await().atMost(Duration.ofSeconds(5)).until(() -> !model.acceptingCalls());
    assertThat(guard.fences()).isEqualTo(1);
  }

  @Test
  void anAgentOnAnotherClockIsRefused() throws Exception {
    guardAndClient(Duration.ofMinutes(1)).close();
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(dir.resolve(FenceGuardClient.SOCKET)));
      c.write(
          ByteBuffer.wrap(
              ("HELLO " + (System.nanoTime() - 60_000 * MS) + "\n")
                  .getBytes(StandardCharsets.US_ASCII)));
      String answer =
          new BufferedReader(
                  new InputStreamReader(Channels.newInputStream(c), StandardCharsets.US_ASCII))
              .readLine();
      assertThat(answer)
          .startsWith("REFUSED the agent's monotonic clock is ")
          .endsWith("ms from the guard's: run both on one host (CLOCK_MONOTONIC)");
    }
  }

  @Test
  void repliesTellTheAgentWhenTheGuardFenced() throws Exception {
    List<GuardReply> replies = new CopyOnWriteArrayList<>();
    List<Long> answered = new CopyOnWriteArrayList<>();
    try (FenceGuardClient client = guardAndClient(Duration.ofMinutes(1))) {
      client.onReply(
          (r, n) -> {
            answered.add(n);
            replies.add(r);
          });
      assertThat(client.answers()).as("not connected before the first beat").isFalse();
      client.accept(GuardBeat.serveUntil(System.nanoTime() + 60_000 * MS, 7));
      await().atMost(Duration.ofSeconds(5)).until(() -> !replies.isEmpty());
      assertThat(replies.getFirst()).isEqualTo(new GuardReply(0, GuardReply.NEVER));
      assertThat(answered.getFirst()).as("the reply names the beat it answers").isEqualTo(1);
      assertThat(client.answers()).isTrue();
      long beat = System.nanoTime();
      client.accept(GuardBeat.serveUntil(beat + 200 * MS, 7));
      await().atMost(Duration.ofSeconds(5)).until(() -> !guard.armed() && guard.fences() == 1);
      client.accept(GuardBeat.serveUntil(System.nanoTime() + 60_000 * MS, 7)); // renewed after all
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> replies.getLast().fences() == 1 && replies.getLast().fencedSince(beat));
      assertThat(replies.getLast().lastFenceEndedNanos()).isLessThanOrEqualTo(System.nanoTime());
      assertThat(guard.armed()).as("the fresh beat arms the guard again").isTrue();
      assertThat(answered.getLast()).isEqualTo(3);
    }
  }

  /** An agent of the version before replies: plain hello, beats, and it never reads after OK. */
  @Test
  void anOldAgentsBeatsStillWorkAndGetNoReplies() throws Exception {
    guardAndClient(Duration.ofMinutes(1)).close();
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(dir.resolve(FenceGuardClient.SOCKET)));
      c.write(ascii("HELLO " + System.nanoTime() + "\n"));
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(c), StandardCharsets.US_ASCII));
      assertThat(in.readLine()).isEqualTo("OK");
      long deadline = System.nanoTime() + 60_000 * MS;
      c.write(ascii(GuardBeat.serveUntil(deadline, 5).wire() + "\n"));
      await().atMost(Duration.ofSeconds(5)).until(() -> guard.deadlineNanos() == deadline);
      long later = deadline + 1_000 * MS;
      c.write(ascii(GuardBeat.serveUntil(later, 5).wire() + "\n"));
      await().atMost(Duration.ofSeconds(5)).until(() -> guard.deadlineNanos() == later);
      c.configureBlocking(false);
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64);
      assertThat(c.read(b)).as("nothing but OK was sent to the old agent").isZero();
    }
  }

  /**
   * A guard of the version before replies (FenceGuard.checkHello then: exactly {@code HELLO
   * <nanoTime>}, else {@code REFUSED expected HELLO <nanoTime>} and close): the new client says the
   * plain hello on a new connection and its beats arrive.
   */
  @Test
  void aNewAgentFallsBackToThePlainHelloWithAnOldGuard() throws Exception {
    Path socket = dir.resolve(FenceGuardClient.SOCKET);
    List<String> hellos = new CopyOnWriteArrayList<>();
    AtomicReference<String> lastBeat = new AtomicReference<>();
    try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      old.bind(UnixDomainSocketAddress.of(socket));
      Thread.ofVirtual()
          .start(
              () -> {
                while (old.isOpen()) {
                  try {
                    SocketChannel c = old.accept();
                    Thread.ofVirtual().start(() -> oldGuard(c, hellos, lastBeat));
                  } catch (java.io.IOException e) {
                    return;
                  }
                }
              });
      try (FenceGuardClient client = new FenceGuardClient(socket, System::nanoTime)) {
        GuardBeat beat = GuardBeat.serveUntil(System.nanoTime() + 60_000 * MS, 9);
        client.accept(beat);
        await().atMost(Duration.ofSeconds(5)).until(() -> beat.wire().equals(lastBeat.get()));
        assertThat(client.connected()).isTrue();
        assertThat(hellos).hasSize(2);
        assertThat(hellos.get(0)).endsWith(" " + FenceGuard.REPLIES);
        assertThat(hellos.get(1)).matches("HELLO -?\\d+");
        assertThat(client.answers())
            .as("an old guard does not answer: activations do not wait for it")
            .isFalse();
      }
    }
  }

  private static void oldGuard(
      SocketChannel c, List<String> hellos, AtomicReference<String> lastBeat) {
    try (c) {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(c), StandardCharsets.US_ASCII));
      String hello = in.readLine();
      hellos.add(hello);
      if (hello == null || !hello.matches("HELLO -?\\d+")) {
        c.write(ascii("REFUSED expected HELLO <nanoTime>\n"));
        return;
      }
      c.write(ascii("OK\n"));
      String line;
      while ((line = in.readLine()) != null) {
        lastBeat.set(line);
      }
    } catch (java.io.IOException e) {
      // the client went away
    }
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }
}
