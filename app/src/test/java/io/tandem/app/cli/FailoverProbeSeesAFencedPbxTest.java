package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failover bench's outside client ({@code bench/failover/probe.py}, what {@code
 * scripts/bench-failover} runs in every fault run and soak) sees a fenced PBX: a real {@code tandem
 * sim-pbx} (as {@link SimPbxCommand#start} starts it) fenced over its AMI the way the fence guard
 * and the agent fence it ({@link AmiPbxControl#stopNewCalls}) answers OPTIONS 200 as chan_pjsip
 * does, so only the INVITE probe can tell: 480 before, 503 while fenced, 480 again after. Every
 * INVITE transaction ends as RFC 3261 17.1.1.3 says: each final non-2xx answer is ACKed with the
 * INVITE's branch and Call-ID (checked on the wire by a recording relay between the probe and the
 * PBX). Then the bench's own summary ({@code runner.invites}, {@code runner.refused_violations},
 * which the soak's verdict uses) counts the answers from the probe's output and judges the run of
 * 503s. Loopback only; python3 (scripts/install-peers) runs the probe as the bench does.
 */
class FailoverProbeSeesAFencedPbxTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

  @TempDir Path dir;

  @Test
  void theInviteProbeCountsA503StretchWhileTheGuardsAmiFenceHoldsAndAcksEveryAnswer()
      throws Exception {
    try (var pbx = SimPbxCommand.start("a", true, ANY, ANY, "tandem", "ami-pw", false);
        var ami =
            new AmiPbxControl(AmiSettings.of("127.0.0.1", managerPort(pbx), "tandem", "ami-pw"));
        var relay = new RecordingRelay(pbx.sip().port())) {
      List<String> out = new CopyOnWriteArrayList<>();
      Process probe =
          new ProcessBuilder(
                  python(),
                  ROOT.resolve("bench/failover/probe.py").toString(),
                  "6",
                  "127.0.0.1",
                  "--sip-port",
                  String.valueOf(relay.port()),
                  "--invite-interval",
                  "0.05")
              .redirectErrorStream(true)
              .start();
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (var r =
                        new BufferedReader(
                            new InputStreamReader(
                                probe.getInputStream(), StandardCharsets.UTF_8))) {
                      r.lines().forEach(out::add);
                    } catch (IOException ended) {
                      // the probe was stopped
                    }
                  });
      try {
        await("480 before the fence")
            .atMost(Duration.ofSeconds(5))
            .until(() -> seen(out, " inv 480:a", 0) > 0);
        ami.stopNewCalls();
        int fencedAt = out.size();
        // at least four 503s: three of the probe's 50 ms intervals at least
        await("503 while fenced")
            .atMost(Duration.ofSeconds(5))
            .until(() -> seen(out, " inv 503:a", fencedAt) >= 4);
        List<String> fenced = List.copyOf(out);
        assertThat(fenced.subList(fencedAt, fenced.size()))
            .as("OPTIONS still 200 while fenced (chan_pjsip): the OPTIONS probe alone is blind")
            .anyMatch(l -> l.endsWith(" sip a"));
        ami.acceptNewCalls();
        int acceptedAt = out.size();
        await("480 after the fence")
            .atMost(Duration.ofSeconds(5))
            .until(() -> seen(out, " inv 480:a", acceptedAt) > 0);
      } finally {
        // the probe ends by itself after its 6 s, its last transactions answered and ACKed
        if (!probe.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          probe.destroyForcibly();
        }
        reader.join(Duration.ofSeconds(10));
      }
      // every INVITE answered with a final response was ACKed in its own transaction
      // (the probe has ended: its last ACKs are at most crossing the relay)
      await("every final answer ACKed")
          .atMost(Duration.ofSeconds(2))
          .until(() -> relay.unacked().isEmpty());
      // and the PBX agrees: every INVITE server transaction confirmed by its ACK (RFC 3261 17.2.1)
      await("the PBX's transactions confirmed")
          .atMost(Duration.ofSeconds(2))
          .until(() -> pbx.sip().unacknowledgedInvites() == 0);
      assertThat(relay.invites()).as("INVITEs on the wire").isGreaterThan(5);
      assertThat(relay.acks()).as("ACKs on the wire").isGreaterThanOrEqualTo(relay.answered());

      Path events = Files.writeString(dir.resolve("probe.out"), String.join("\n", out) + "\n");
      String summary = summary(events);
      // refused503, passed480, unanswered, longest stretch, violations at a 100 ms tick + 0 and at
      // 100 ms + the soak's allowance (the stretch here lasts as long as the test held the fence)
      String[] f = summary.trim().split(" ");
      assertThat(Integer.parseInt(f[0])).as("503s counted").isGreaterThanOrEqualTo(4);
      assertThat(Integer.parseInt(f[1])).as("480s counted").isGreaterThanOrEqualTo(2);
      assertThat(Integer.parseInt(f[2])).as("unanswered on loopback").isZero();
      assertThat(Double.parseDouble(f[3]))
          .as("the longest run of 503s: at least three probe intervals")
          .isGreaterThanOrEqualTo(150.0);
      assertThat(Integer.parseInt(f[4])).as("one stretch, longer than a 100 ms tick").isEqualTo(1);
      assertThat(Integer.parseInt(f[5])).as("none at a 60 s bound").isZero();
    }
  }

  private static long seen(List<String> out, String suffix, int from) {
    List<String> now = List.copyOf(out); // a snapshot: the reader appends meanwhile
    return now.subList(from, now.size()).stream().filter(l -> l.endsWith(suffix)).count();
  }

  /** The bench's own summary over the probe's output, in one line of numbers. */
  private String summary(Path events) throws Exception {
    String code =
        String.join(
            "\n",
            "import sys",
            "sys.path.insert(0, sys.argv[1])",
            "import runner",
            "ev = []",
            "for line in open(sys.argv[2]):",
            "    p = line.split()",
            "    if len(p) == 3:",
            "        ev.append((float(p[0]), p[1], p[2]))",
            "inv = runner.invites(ev, ev[0][0], ev[-1][0])",
            "print(inv['refused503'], inv['passed480'], inv['unanswered'],"
                + " inv['longestRefusedMillis'], len(runner.refused_violations(inv, 0.1, 0.0)),"
                + " len(runner.refused_violations(inv, 0.1, 60.0)))");
    Process p =
        new ProcessBuilder(
                python(), "-c", code, ROOT.resolve("bench/failover").toString(), events.toString())
            .redirectErrorStream(true)
            .start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("runner.invites: %s", text).isZero();
    return text;
  }

  private static String python() {
    for (String d : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
      if (Files.isExecutable(Path.of(d, "python3"))) {
        return d + "/python3";
      }
    }
    throw new AssertionError(
        "python3 is missing: run scripts/install-peers (apt-get install python3)");
  }

  private static int managerPort(SimPbxCommand.Running pbx) {
    String w = pbx.managerWords(); // "AMI on 127.0.0.1:<port> (user ...)"
    String hostPort = w.split(" on ")[1].split(" ")[0];
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  /**
   * A UDP relay on loopback between the probe and the PBX that records what crosses it: requests
   * from the probe (method, Call-ID, Via branch) and the PBX's final answers to INVITEs. One socket
   * towards the PBX per client socket (the probe's OPTIONS and INVITEs come from two), as the
   * bench's own relay in front of {@code tandem sim-pbx} does.
   */
  private static final class RecordingRelay implements AutoCloseable {
    private final DatagramSocket front = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    private final InetSocketAddress pbx;
    private final java.util.Map<SocketAddress, DatagramSocket> backs =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>(); // "METHOD callid branch"
    private final List<String> finals = new CopyOnWriteArrayList<>(); // "callid branch"

    RecordingRelay(int pbxPort) throws IOException {
      pbx = new InetSocketAddress(InetAddress.getLoopbackAddress(), pbxPort);
      Thread.ofVirtual().start(this::fromClients);
    }

    int port() {
      return front.getLocalPort();
    }

    private void fromClients() {
      byte[] buf = new byte[65_535];
      while (!front.isClosed()) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          front.receive(p);
          String m = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
          requests.add(
              m.lines().findFirst().orElse("").split(" ")[0]
                  + " "
                  + header(m, "Call-ID")
                  + " "
                  + branch(m));
          SocketAddress client = p.getSocketAddress();
          DatagramSocket back = backs.get(client);
          if (back == null) {
            back = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            backs.put(client, back);
            DatagramSocket b = back;
            Thread.ofVirtual().start(() -> fromPbx(b, client));
          }
          back.send(new DatagramPacket(p.getData(), p.getLength(), pbx));
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void fromPbx(DatagramSocket back, SocketAddress client) {
      byte[] buf = new byte[65_535];
      while (!back.isClosed()) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          back.receive(p);
          String m = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
          String first = m.lines().findFirst().orElse("");
          if (first.startsWith("SIP/2.0 ")
              && Integer.parseInt(first.split(" ")[1]) >= 200
              && header(m, "CSeq").endsWith("INVITE")) {
            finals.add(header(m, "Call-ID") + " " + branch(m));
          }
          front.send(new DatagramPacket(p.getData(), p.getLength(), client));
        } catch (IOException closed) {
          return;
        }
      }
    }

    private static String header(String m, String name) {
      return m.lines()
          .filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
          .map(l -> l.substring(name.length() + 1).trim())
          .findFirst()
          .orElse("");
    }

    private static String branch(String m) {
      String via = header(m, "Via");
      int i = via.indexOf("branch=");
      return i < 0 ? "" : via.substring(i + 7).split(";")[0];
    }

    long invites() {
      return requests.stream().filter(r -> r.startsWith("INVITE ")).count();
    }

    long acks() {
      return requests.stream().filter(r -> r.startsWith("ACK ")).count();
    }

    long answered() {
      return finals.stream().distinct().count();
    }

    /** Final answers to INVITEs with no ACK of the same Call-ID and branch. */
    List<String> unacked() {
      List<String> out = new ArrayList<>();
      for (String f : finals) {
        if (!requests.contains("ACK " + f)) {
          out.add(f);
        }
      }
      return out;
    }

    @Override
    public void close() {
      front.close();
      backs.values().forEach(DatagramSocket::close);
    }
  }
}
