package io.tandem.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.tandem.sim.peer.Bind9Peer;
import io.tandem.sim.peer.PeerNotInstalledException;
import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.testkit.AwsEmulator;
import io.tandem.testkit.Azurite;
import io.tandem.testkit.Bind9;
import io.tandem.testkit.Etcd;
import io.tandem.testkit.EtcdPeer;
import io.tandem.testkit.Kamailio;
import io.tandem.testkit.Sipp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.launcher.listeners.TestExecutionSummary.Failure;

/**
 * Runs small sample classes through the JUnit launcher to prove how the extensions fail: a missing
 * binary fails (never skips) with the install command, and a failing test prints the peer's log.
 */
class PeerFailureReportingTest {

  // Samples are static nested classes: Surefire does not pick them up on their own.

  @Kamailio
  static class KamailioSample {
    @Test
    void uses(io.tandem.sim.peer.KamailioPeer peer) {}
  }

  @Bind9
  static class Bind9Sample {
    @Test
    void uses(Bind9Peer peer) {}
  }

  @Etcd
  static class EtcdSample {
    @Test
    void uses(EtcdPeer peer) {}
  }

  @Sipp
  static class SippSample {
    @Test
    void uses(io.tandem.testkit.SippPeer peer) {}
  }

  @Azurite
  static class AzuriteSample {
    @Test
    void uses(io.tandem.testkit.AzuritePeer peer) {}
  }

  @AwsEmulator
  static class AwsEmulatorSample {
    @Test
    void uses(io.tandem.sim.peer.AwsEmulatorPeer peer) {}
  }

  @Bind9
  static class FailingBind9Sample {
    @Test
    void fails(Bind9Peer peer) {
      assertThat(peer.port()).as("deliberate failure").isNegative();
    }
  }

  static List<Arguments> samples() {
    return List.of(
        Arguments.of(KamailioSample.class, "apt-get install -y --no-install-recommends kamailio"),
        Arguments.of(Bind9Sample.class, "apt-get install -y --no-install-recommends bind9"),
        Arguments.of(EtcdSample.class, "apt-get install -y --no-install-recommends etcd-server"),
        Arguments.of(SippSample.class, "apt-get install -y --no-install-recommends sip-tester"),
        Arguments.of(AzuriteSample.class, "apt-get install -y --no-install-recommends nodejs"),
        Arguments.of(AwsEmulatorSample.class, "pip install 'moto[server]"));
  }

  private static TestExecutionSummary run(Class<?> sample, Map<String, String> parameters) {
    var request =
        LauncherDiscoveryRequestBuilder.request()
            .selectors(selectClass(sample))
            .configurationParameters(parameters)
            .build();
    var listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(request, listener);
    return listener.getSummary();
  }

  @ParameterizedTest
  @MethodSource("samples")
  void aMissingBinaryFailsWithTheInstallCommand(
      Class<?> sample, String manualInstall, @TempDir Path empty) {
    TestExecutionSummary summary =
        run(
            sample,
            Map.of(
                PeerBinaries.BIN_PATH_PARAM, empty.toString(),
                PeerBinaries.PEERS_DIR_PARAM, empty.toString(),
                AwsEmulatorExtension.ENGINE_PARAM, "moto"));

    assertThat(summary.getTestsSkippedCount()).isZero();
    assertThat(summary.getTestsAbortedCount()).isZero();
    assertThat(summary.getTotalFailureCount()).isEqualTo(1);
    Throwable failure = summary.getFailures().get(0).getException();
    assertThat(failure)
        .isInstanceOf(PeerNotInstalledException.class)
        .hasMessageContaining("./scripts/install-peers")
        .hasMessageContaining(manualInstall);
    assertThat(((PeerNotInstalledException) failure).installCommand())
        .isEqualTo("./scripts/install-peers");
  }

  @Test
  void theProjectLocalPeerIsMissingWhenItsFolderIsEmpty(@TempDir Path empty) {
    PeerBinaries binaries = PeerBinaries.of(parameter -> java.util.Optional.of(empty.toString()));

    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> binaries.projectLocal("venv/bin/moto_server", "pip install x")))
        .isInstanceOf(PeerNotInstalledException.class)
        .hasMessageContaining("venv/bin/moto_server")
        .hasMessageContaining(empty.toString());
  }

  @Test
  void aFailingTestPrintsThePeerLogToStderr() {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    TestExecutionSummary summary;
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      summary = run(FailingBind9Sample.class, Map.of());
    } finally {
      System.setErr(original);
    }

    assertThat(summary.getFailures())
        .singleElement()
        .extracting(Failure::getException)
        .asString()
        .contains("deliberate failure");
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("----- named log (")
        .contains("running")
        .contains("----- end of named log -----");
  }
}
