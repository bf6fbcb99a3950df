package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.witness.FencingToken;
import io.tandem.sim.net.TcpFaultProxy;
import io.tandem.sim.net.UdpLossRelay;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.1 through the assembly {@code tandem agent} builds, at the shipped timings (tick 100 ms,
 * ticket 2 s): a healthy holder whose path to the witness loses 20 % of datagrams each way with 75
 * ms one-way delay, and whose TCP connections to the witness are stalled (what a lossy path does to
 * TCP: every renewal on a connection waits behind a retransmission, and the JDK client drops a
 * connection whose request timed out), keeps its ticket under the same epoch. Renewals travel as
 * datagrams ({@code DatagramWitness}), each independent of the others, so a lost one costs one
 * resend. Before, every renewal went over HTTPS: the ticket lapsed within one TTL of the stall, and
 * the real processes at 20 % loss and 150 ms RTT fenced the healthy primary 46 times in 10 minutes
 * (docs/benchmarks/soak-shipped-vip-quiet.json).
 */
@Bind9
class WitnessLinkLossTest {

  /**
   * How long the holder must keep its ticket on the lossy path: seven tickets' lives (a soak of the
   * same assembly: {@code -Dtandem.test.holdSeconds=900}).
   */
  static final Duration HOLD = Duration.ofSeconds(Long.getLong("tandem.test.holdSeconds", 14));

  static final long SEED = Long.getLong("tandem.test.seed", 1707L);

  @TempDir Path dir;
  LoopbackCluster cluster;
  TcpFaultProxy tcp;
  UdpLossRelay udp;
  Map<String, String> tsig;

  @BeforeEach
  void setUp(Bind9Peer bind) throws Exception {
    cluster = new LoopbackCluster(dir, "lossy", List.of("alpha", "beta"));
    tcp = new TcpFaultProxy("127.0.0.1", cluster.witnessPort());
    // on the proxy's port number, as the witness answers datagrams on its HTTP port number
    udp = new UdpLossRelay(tcp.port(), "127.0.0.1", cluster.witnessPort(), 20, 75, SEED);
    cluster.writeConfig(LoopbackCluster.twoAsteriskSites("lossy", bind, tcp.port()));
    tsig = Map.of("TSIG_SECRET", bind.tsigSecret());
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
    udp.close();
    tcp.close();
  }

  @Test
  void aHealthyHolderKeepsItsTicketOnALossyPathWhoseTcpStalls() {
    AgentAssembly alpha = cluster.start("alpha", tsig);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                "alpha".equals(alpha.runtime().status().activeSite())
                    && alpha.runtime().runs().stream().anyMatch(r -> r.endedAt() != null));
    FencingToken token = alpha.driver().holder().token().orElseThrow();
    long answeredBefore = cluster.witnessDatagrams().answered();
    int runsBefore = alpha.runtime().runs().size();

    tcp.blackhole(true);
    await()
        .alias(
            "alpha holds epoch "
                + token.epoch()
                + " throughout (replay: -Dtandem.test.seed="
                + SEED
                + ")")
        .during(HOLD)
        .atMost(HOLD.plusSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> alpha.driver().holder().token().equals(Optional.of(token)));

    assertThat(udp.dropped()).as("the relay lost datagrams").isGreaterThan(0);
    assertThat(cluster.witnessDatagrams().answered() - answeredBefore)
        .as("renewals answered as datagrams")
        .isGreaterThan(HOLD.toMillis() / 300 / 2);
    assertThat(alpha.runtime().runs()).as("no new run: nothing moved").hasSize(runsBefore);
    assertThat(alpha.runtime().status().activeSite()).isEqualTo("alpha");
  }
}
