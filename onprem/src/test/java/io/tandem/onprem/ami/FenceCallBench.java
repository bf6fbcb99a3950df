package io.tandem.onprem.ami;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * How long the fence guard's fence takes on this host (ADR 0007, the {@code fast} profile's fence
 * budget): {@link AmiPbxControl#stopNewCalls()} — one {@code Setvar} on an AMI session that is
 * already logged in, as the guard holds it — against the AMI simulator on loopback. Not part of the
 * suite (the name does not end in Test); run with {@code ./mvnw -o -pl onprem -am test
 * -Dtest=FenceCallBench -Dsurefire.failIfNoSpecifiedTests=false}. It measures the client, the
 * session and the loopback socket under the host's load, not Asterisk's own handling of {@code
 * Setvar} (a dialplan global set in memory).
 */
class FenceCallBench {

  @Test
  void stopNewCallsOnAnOpenSession() {
    PbxModel model = new PbxModel("20.5.0");
    try (AmiServer server = new AmiServer(model, new PbxFaults(), "tandem", "s3cret");
        AmiPbxControl ami =
            new AmiPbxControl(AmiSettings.of(server.host(), server.port(), "tandem", "s3cret"))) {
      ami.status(); // log in first, as the guard does at start
      int n = Integer.getInteger("bench.calls", 2_000);
      long[] nanos = new long[n];
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        ami.stopNewCalls();
        nanos[i] = System.nanoTime() - t0;
        ami.acceptNewCalls();
      }
      Arrays.sort(nanos);
      System.out.printf(
          Locale.ROOT,
          "fence-call-bench: %d stopNewCalls: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f"
              + " ms%n",
          n,
          nanos[n / 2] / 1e6,
          nanos[(int) (n * 0.99)] / 1e6,
          nanos[(int) (n * 0.999)] / 1e6,
          nanos[n - 1] / 1e6);
      assertThat(model.acceptingCalls()).isTrue();
    }
  }
}
