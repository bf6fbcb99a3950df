package io.tandem.sim.peer.internal;

import io.tandem.sim.peer.RealPeers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * OpenIPMI's BMC simulator ({@code ipmi_sim}) on an ephemeral loopback UDP port, configured from a
 * temporary directory: a {@code lan.conf} (ipmi_lan(5): one LAN channel on 127.0.0.1, one
 * administrator, {@code md5}/{@code straight} auth for IPMI 1.5 and RMCP+ for 2.0) and an emulator
 * command file (ipmi_sim_cmd(5): {@code mc_setbmc}, {@code mc_add}, {@code mc_enable}).
 *
 * <p>The chassis is a {@code chassis_control} program (lanserv's {@code extcmd}: the BMC runs
 * {@code <prog> get power} and reads {@code power:<0|1>}, and runs {@code <prog> set power <0|1>};
 * read in OpenIPMI {@code lanserv/bmc_chassis.c} and {@code lanserv/extcmd.c}) — here a shell
 * script that keeps the power state in a file the test reads back and logs every request. The
 * simulator answers the real protocol: ipmitool and the ClusterLabs fence agents talk to it
 * unchanged, and it refuses a wrong password the way a BMC does (the RAKP 2 HMAC does not verify).
 *
 * <p>Ready when it answers an RMCP presence ping (ASF, DMTF DSP0136) on its port. Thread-safe.
 */
public final class RunningIpmiSim implements RealPeers.RunningIpmiBmc {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  /** RMCP header (version 6, seq 0xff, class ASF) + ASF presence ping (IANA 4542, type 0x80). */
  private static final byte[] PRESENCE_PING = {
    0x06, 0x00, (byte) 0xff, 0x06, 0x00, 0x00, 0x11, (byte) 0xbe, (byte) 0x80, 0x00, 0x00, 0x00
  };

  private final Path dir;
  private final PeerProcess process;
  private final int port;
  private final String user;
  private final String password;

  private RunningIpmiSim(Path dir, PeerProcess process, int port, String user, String password) {
    this.dir = dir;
    this.process = process;
    this.port = port;
    this.user = user;
    this.password = password;
  }

  static RunningIpmiSim start(Path ipmiSim, String user, String password) {
    if (!user.matches("[A-Za-z0-9_.-]{1,16}") || !password.matches("[!-~&&[^\"]]{1,20}")) {
      throw new IllegalArgumentException(
          "ipmi_sim user (1-16 of [A-Za-z0-9_.-]) and password (1-20 printable, no quote)");
    }
    Path dir = TempDirs.create("ipmi-sim");
    int port = LoopbackPorts.udp();
    Path chassis = dir.resolve("chassis");
    String lanConf =
        """
        name "tandem"
        set_working_mc 0x20
          startlan 1
            addr %1$s %2$d
            priv_limit admin
            allowed_auths_callback none md2 md5 straight
            allowed_auths_user none md2 md5 straight
            allowed_auths_operator none md2 md5 straight
            allowed_auths_admin none md2 md5 straight
            guid a123456789abcdefa123456789abcdef
          endlan
          chassis_control "%3$s 0x20"
          user 1 true "" "" user 10 none md2 md5 straight
          user 2 true "%4$s" "%5$s" admin 10 none md2 md5 straight
        """
            .formatted(LoopbackPorts.HOST, port, chassis, user, password);
    String emu =
        """
        mc_setbmc 0x20
        mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
        mc_enable 0x20
        """;
    // $1 is the MC address; "get power" answers power:<state>, "set power <v>" stores it.
    String script =
        """
        #!/bin/sh
        dir="$(dirname "$0")"
        echo "$2 $3 $4" >> "$dir/chassis.log"
        case "$2" in
          get) [ "$3" = power ] && echo "power:$(cat "$dir/power")" ;;
          set) [ "$3" = power ] && echo "$4" > "$dir/power.tmp" && mv "$dir/power.tmp" "$dir/power" ;;
        esac
        exit 0
        """;
    try {
      Files.writeString(dir.resolve("lan.conf"), lanConf);
      Files.writeString(dir.resolve("sim.emu"), emu);
      Files.writeString(chassis, script);
      Files.setPosixFilePermissions(chassis, PosixFilePermissions.fromString("rwx------"));
      Files.writeString(dir.resolve("power"), "1\n");
      Files.createDirectories(dir.resolve("state"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    PeerProcess process =
        new PeerProcess(
            "ipmi_sim",
            List.of(
                ipmiSim.toString(),
                "-c",
                dir.resolve("lan.conf").toString(),
                "-f",
                dir.resolve("sim.emu").toString(),
                "-s",
                dir.resolve("state").toString(),
                "-n"),
            dir,
            dir.resolve("ipmi_sim.log"),
            Map.of());
    RunningIpmiSim sim = new RunningIpmiSim(dir, process, port, user, password);
    long t0 = System.nanoTime();
    try {
      process.startAndAwait(READY_TIMEOUT, sim::answersPing);
    } catch (RuntimeException e) {
      sim.close();
      throw e;
    }
    StartupTimes.record(
        "ipmi_sim", Duration.ofNanos(System.nanoTime() - t0), LoopbackPorts.HOST + ":" + port);
    return sim;
  }

  private boolean answersPing() throws IOException {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(300);
      socket.send(
          new DatagramPacket(
              PRESENCE_PING,
              PRESENCE_PING.length,
              new InetSocketAddress(LoopbackPorts.HOST, port)));
      DatagramPacket pong = new DatagramPacket(new byte[64], 64);
      socket.receive(pong);
      // ASF message type 0x40 = presence pong
      return pong.getLength() >= 9 && pong.getData()[8] == 0x40;
    }
  }

  @Override
  public String host() {
    return LoopbackPorts.HOST;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String user() {
    return user;
  }

  @Override
  public String password() {
    return password;
  }

  @Override
  public boolean poweredOn() {
    try {
      return Files.readString(dir.resolve("power")).strip().equals("1");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void power(boolean on) {
    try {
      Files.writeString(dir.resolve("power.tmp"), on ? "1\n" : "0\n");
      Files.move(
          dir.resolve("power.tmp"),
          dir.resolve("power"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<String> chassisRequests() {
    Path log = dir.resolve("chassis.log");
    try {
      return Files.exists(log)
          ? List.copyOf(
              Files.readAllLines(log, StandardCharsets.UTF_8).stream().map(String::strip).toList())
          : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void freeze() {
    signal("-STOP");
  }

  @Override
  public void thaw() {
    signal("-CONT");
  }

  private void signal(String signal) {
    long pid = process.pid();
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill " + signal + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String logTail() {
    return process.logTail();
  }

  @Override
  public void close() {
    thawQuietly();
    process.stop();
    TempDirs.delete(dir);
  }

  private void thawQuietly() {
    try {
      if (process.isAlive()) {
        thaw();
      }
    } catch (RuntimeException e) {
      // stopping it anyway
    }
  }

  @Override
  public String toString() {
    return "ipmi_sim[" + LoopbackPorts.HOST + ":" + port + "]";
  }
}
