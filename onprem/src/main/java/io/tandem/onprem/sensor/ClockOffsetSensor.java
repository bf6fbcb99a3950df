package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Kind {@code clock-offset}: offset of this host's clock from an NTP server, by one SNTP (RFC 4330)
 * exchange with a timeout. TLS certificates, TOTP, CDR timestamps and the witness's drift margin
 * all assume clocks within a fraction of a second.
 *
 * <p>Hand-written rather than a library: an SNTP request is one 48-byte datagram and none of our
 * dependencies has a client; parsing {@code chronyc}/{@code timedatectl} output would tie the
 * sensor to one NTP daemon and its output format.
 */
public final class ClockOffsetSensor extends BaseSensor {

  /** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
  static final long NTP_UNIX_OFFSET = 2_208_988_800L;

  private final InetSocketAddress server;
  private final Duration timeout;
  private final Thresholds thresholds;

  /**
   * @param thresholds limits on the absolute offset, in milliseconds
   */
  public ClockOffsetSensor(
      SensorSpec spec, SensorContext context, InetSocketAddress server, Thresholds thresholds) {
    super(spec, context);
    this.server = server;
    this.timeout = spec.timeout();
    this.thresholds = thresholds;
  }

  @Override
  protected SensorReading measure() {
    byte[] request = new byte[48];
    request[0] = 0x23; // LI 0, version 4, mode 3 (client)
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
      InetAddress address = InetAddress.getByName(server.getHostString());
      Instant t1 = context.clock().instant();
      long t1Ntp = toNtp(t1);
      ByteBuffer.wrap(request).putLong(40, t1Ntp);
      socket.send(new DatagramPacket(request, request.length, address, server.getPort()));
      byte[] answer = new byte[48];
      DatagramPacket in = new DatagramPacket(answer, answer.length);
      socket.receive(in);
      Instant t4 = context.clock().instant();
      ByteBuffer b = ByteBuffer.wrap(answer);
      int mode = answer[0] & 0x7;
      int stratum = answer[1] & 0xff;
      if (in.getLength() < 48 || mode != 4) {
        return reading(
            SensorStatus.FAIL, Double.NaN, "ms", "not an SNTP server answer from " + server);
      }
      if (stratum == 0) {
        return reading(
            SensorStatus.FAIL, Double.NaN, "ms", "server " + server + " sent kiss-o'-death");
      }
      if (b.getLong(24) != t1Ntp) {
        return reading(SensorStatus.FAIL, Double.NaN, "ms", "answer does not match our request");
      }
      double t2 = fromNtpMillis(b.getLong(32));
      double t3 = fromNtpMillis(b.getLong(40));
      double offset = ((t2 - t1.toEpochMilli()) + (t3 - t4.toEpochMilli())) / 2.0;
      double delay = (t4.toEpochMilli() - t1.toEpochMilli()) - (t3 - t2);
      return reading(
          thresholds.judge(Math.abs(offset)),
          offset,
          "ms",
          String.format(
              Locale.ROOT, "offset %+.1f ms from %s (round trip %.1f ms)", offset, server, delay));
    } catch (SocketTimeoutException e) {
      return reading(
          SensorStatus.FAIL,
          Double.NaN,
          "ms",
          "no SNTP answer from " + server + " within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      return reading(
          SensorStatus.FAIL, Double.NaN, "ms", "SNTP to " + server + " failed: " + e.getMessage());
    }
  }

  static long toNtp(Instant t) {
    long seconds = t.getEpochSecond() + NTP_UNIX_OFFSET;
    long fraction = ((long) t.getNano() << 32) / 1_000_000_000L;
    return (seconds << 32) | fraction;
  }

  static double fromNtpMillis(long ntp) {
    long seconds = (ntp >>> 32) - NTP_UNIX_OFFSET;
    double fraction = (ntp & 0xffffffffL) / 4294967296.0;
    return (seconds + fraction) * 1000.0;
  }
}
