package io.tandem.onprem.vip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.tandem.core.error.ConflictException;
import io.tandem.core.witness.FencingToken;
import io.tandem.onprem.vip.HostCommand.CommandResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.1: the duplicate probe from this machine listens for {@link
 * VipConfig#duplicateProbeWindow}, and a machine outside the configuration that holds the address
 * on the segment is still heard at the {@code fast} profile's 100 ms. Real kernels answer the ARP
 * probes (RFC 5227 §2.1.1) of real iputils arping across a bridge in network namespaces this test
 * creates. Addresses from TEST-NET-1, only inside these namespaces (needs root, as CI runs). An
 * answer delayed past the window (a stretched VoIP network) is not shown here: these machines'
 * kernels have no {@code sch_netem} (bench/failover/netlab.py splices a userspace forwarder in).
 */
class DuplicateProbeWindowTest {

  private static final String VIP = "192.0.2.60";
  private static final Duration T = Duration.ofSeconds(5);
  private static final Duration WINDOW = Duration.ofMillis(100);
  private static final String SUFFIX = Long.toString(ProcessHandle.current().pid());
  private static final String NS_P = "tdw-p-" + SUFFIX; // this machine's host
  private static final String NS_Q = "tdw-q-" + SUFFIX; // the other configured host
  private static final String NS_H = "tdw-h-" + SUFFIX; // a machine nobody configured
  private static final String NS_BR = "tdw-br-" + SUFFIX;
  private static final LocalHostCommand ROOT = LocalHostCommand.local("root");
  private static final List<String> created = new ArrayList<>();

  @TempDir static Path dir;

  @BeforeAll
  static void createNamespaces() {
    if (!ROOT.run(List.of("id", "-u"), T).stdout().strip().equals("0")) {
      fail("VIP tests need root (network namespaces and veth pairs); run the suite as root as CI");
    }
    if (!ROOT.run(List.of("sh", "-c", "command -v arping"), T).ok()) {
      fail("arping is missing: run scripts/install-peers (apt-get install iputils-arping)");
    }
    for (String ns : List.of(NS_P, NS_Q, NS_H, NS_BR)) {
      sh("ip", "netns", "add", ns);
      created.add(ns);
    }
    sh("ip", "-n", NS_BR, "link", "add", "br0", "type", "bridge");
    sh("ip", "-n", NS_BR, "link", "set", "br0", "up");
    plug(NS_P, "pp", "192.0.2.1/24");
    plug(NS_Q, "pq", "192.0.2.2/24");
    plug(NS_H, "ph", "192.0.2.3/24");
  }

  private static void plug(String ns, String bridgePort, String cidr) {
    sh(
        "ip",
        "-n",
        ns,
        "link",
        "add",
        "voip0",
        "type",
        "veth",
        "peer",
        "name",
        bridgePort,
        "netns",
        NS_BR);
    sh("ip", "-n", NS_BR, "link", "set", bridgePort, "master", "br0");
    sh("ip", "-n", NS_BR, "link", "set", bridgePort, "up");
    sh("ip", "-n", ns, "link", "set", "voip0", "up");
    sh("ip", "-n", ns, "addr", "add", cidr, "dev", "voip0");
  }

  @AfterEach
  void nobodyHoldsTheAddress() {
    for (String ns : List.of(NS_P, NS_Q, NS_H)) {
      sh("ip", "-n", ns, "addr", "flush", "dev", "voip0", "to", VIP + "/32");
    }
  }

  @AfterAll
  static void deleteNamespaces() {
    for (String ns : created) {
      ROOT.run(List.of("ip", "netns", "del", ns), T); // also removes the veth pairs
    }
  }

  @Test
  void aHolderOnTheSegmentIsHeardWithinTheFastProfilesWindowAndTheAddressIsNotClaimed() {
    holderCarriesTheAddress(); // its kernel answers the probe within a millisecond or so
    List<String> probes = new CopyOnWriteArrayList<>();
    LinuxVipMover m = mover(watched(inNamespace("host-p", NS_P), probes));

    assertThatThrownBy(() -> m.move(VIP + "/24", "host-p", token(1)))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining(mac(NS_H))
        .hasMessageContaining("duplicate-address detection");
    assertThat(probes).containsExactly("answered");
    assertThat(carries(NS_P)).isFalse();
  }

  @Test
  void withNobodyHoldingItTheProbeIsStoppedAfterTheConfiguredWindow() {
    List<String> probes = new CopyOnWriteArrayList<>();
    LinuxVipMover m = mover(watched(inNamespace("host-p", NS_P), probes));
    assertThat(m.duplicateProbeWindow()).isEqualTo(WINDOW);

    assertThat(m.move(VIP + "/24", "host-p", token(2)).attachedTo()).contains("host-p");
    assertThat(probes).containsExactly("stopped after 100 ms");
  }

  private static void holderCarriesTheAddress() {
    sh("ip", "-n", NS_H, "addr", "add", VIP + "/24", "dev", "voip0");
  }

  private static LinuxVipMover mover(HostCommand first) {
    return new LinuxVipMover(
        VipConfig.builder()
            .address(VIP)
            .prefixLength(24)
            .host(first, "voip0")
            .host(inNamespace("host-q", NS_Q), "voip0")
            .garpCount(1)
            .commandTimeout(T)
            .duplicateProbeWindow(WINDOW)
            .stateFile(dir.resolve("vip-" + System.nanoTime() + ".state"))
            .build());
  }

  /** {@code inner}, noting in {@code probes} how each duplicate probe from it ended. */
  private static HostCommand watched(HostCommand inner, List<String> probes) {
    return new HostCommand() {
      @Override
      public String host() {
        return inner.host();
      }

      @Override
      public CommandResult run(List<String> argv, Duration timeout) {
        if (argv.contains("-D")) {
          probes.add("ran to its end");
        }
        return inner.run(argv, timeout);
      }

      @Override
      public Optional<CommandResult> runListening(
          List<String> argv, Duration listen, Duration timeout) {
        Optional<CommandResult> r = inner.runListening(argv, listen, timeout);
        probes.add(r.isEmpty() ? "stopped after " + listen.toMillis() + " ms" : "answered");
        return r;
      }

      @Override
      public boolean stoppable() {
        return true;
      }
    };
  }

  private static HostCommand inNamespace(String host, String ns) {
    return new LocalHostCommand(host, List.of("ip", "netns", "exec", ns));
  }

  private static String sh(String... argv) {
    CommandResult r = ROOT.run(List.of(argv), T);
    assertThat(r.exitCode()).as("%s: %s", String.join(" ", argv), r.stderr()).isZero();
    return r.stdout();
  }

  private static String mac(String ns) {
    Matcher m =
        Pattern.compile("link/ether (\\S+)")
            .matcher(sh("ip", "-n", ns, "-o", "link", "show", "voip0"));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static boolean carries(String ns) {
    return sh("ip", "-n", ns, "-o", "-4", "addr", "show", "dev", "voip0").contains(" " + VIP + "/");
  }

  private static FencingToken token(long epoch) {
    return new FencingToken("c1", "site-1", epoch);
  }
}
