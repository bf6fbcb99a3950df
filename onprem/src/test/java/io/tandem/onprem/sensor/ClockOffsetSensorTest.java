package io.tandem.onprem.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a tiny SNTP responder on 127.0.0.1 whose clock runs a set offset ahead of ours. */
class ClockOffsetSensorTest {

  @TempDir Path root;
  private DatagramSocket server;
  private Thread responder;
  private final AtomicLong serverAheadMs = new AtomicLong();
  private volatile int stratum = 2;

  @BeforeEach
  void startResponder() throws SocketException {
    server = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    responder = Thread.ofPlatform().daemon().start(this::serve);
  }

  @AfterEach
  void stopResponder() throws InterruptedException {
    server.close();
    responder.join(2000);
  }

  private void serve() {
    byte[] buf = new byte[48];
    while (!server.isClosed()) {
      try {
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        server.receive(in);
        Instant t = Instant.now().plusMillis(serverAheadMs.get());
        ByteBuffer out = ByteBuffer.allocate(48);
        out.put(0, (byte) 0x24); // version 4, mode 4 (server)
        out.put(1, (byte) stratum);
        out.putLong(24, ByteBuffer.wrap(buf).getLong(40)); // originate = client's transmit
        out.putLong(32, ClockOffsetSensor.toNtp(t));
        out.putLong(40, ClockOffsetSensor.toNtp(t));
        server.send(new DatagramPacket(out.array(), 48, in.getSocketAddress()));
      } catch (java.io.IOException e) {
        return; // closed
      }
    }
  }

  private ClockOffsetSensor sensor(InetSocketAddress to) {
    SensorContext ctx =
        new SensorContext(root, Clock.systemUTC(), System::nanoTime, m -> null, java.util.Map::of);
    SensorSpec spec =
        new SensorSpec(
            "ntp", "clock-offset", false, 1, Duration.ofSeconds(10), Duration.ofMillis(500));
    return new ClockOffsetSensor(spec, ctx, to, new Thresholds(100, 500));
  }

  private InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", server.getLocalPort());
  }

  @Test
  void measuresAnOffsetWithinThresholds() {
    serverAheadMs.set(0);
    SensorReading r = sensor(address()).read();
    assertThat(r.status()).as(r.detail()).isEqualTo(SensorStatus.OK);
    assertThat(Math.abs(r.value())).isLessThan(100);
  }

  @Test
  void aServerFarAheadFails() {
    serverAheadMs.set(2_000);
    SensorReading r = sensor(address()).read();
    assertThat(r.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(r.value()).isBetween(1_500.0, 2_500.0);
    assertThat(r.detail()).contains("offset +");
  }

  @Test
  void kissOfDeathFails() {
    stratum = 0;
    assertThat(sensor(address()).read().detail()).contains("kiss");
  }

  @Test
  void noAnswerFailsWithinTheTimeout() throws SocketException {
    try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      SensorReading r = sensor(new InetSocketAddress("127.0.0.1", silent.getLocalPort())).read();
      assertThat(r.status()).isEqualTo(SensorStatus.FAIL);
      assertThat(r.detail()).contains("no SNTP answer");
    }
  }

  @Test
  void ntpTimestampsRoundTrip() {
    Instant t = Instant.parse("2026-01-15T10:00:00.250Z");
    assertThat(ClockOffsetSensor.fromNtpMillis(ClockOffsetSensor.toNtp(t)))
        .isCloseTo(t.toEpochMilli(), org.assertj.core.data.Offset.offset(0.01));
  }
}
