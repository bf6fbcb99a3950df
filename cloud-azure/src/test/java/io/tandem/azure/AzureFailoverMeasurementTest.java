package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.azure.stub.ArmStub;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.witness.FencingToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * A full Azure-side failover (public IP move, DNS update, VM fence) against the ARM stub: counts
 * the ARM requests of each step (retries and polls included) and measures its time. Prints the
 * figures and writes {@code target/azure-failover.json}; asserts only the outcome, never the
 * timings.
 */
class AzureFailoverMeasurementTest {

  private static final int RUNS = 3;

  @Test
  void measuresArmCallsAndTimePerStep() throws Exception {
    failover(0, new ArrayList<>()); // warm-up: JIT, TLS, SDK class loading
    Map<String, Object> result = new LinkedHashMap<>();
    for (int polls : new int[] {0, 2}) {
      List<Map<String, Object>> runs = new ArrayList<>();
      for (int i = 0; i < RUNS; i++) {
        failover(polls, runs);
      }
      result.put("inProgressPollsPerOperation=" + polls, summarise(runs));
    }
    try (ArmStub arm = ArmStub.start()) {
      result.put("note", "stub on 127.0.0.1 over TLS; times are medians of " + RUNS + " runs");
    }
    String json =
        JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(result);
    System.out.println("Azure failover against the ARM stub:\n" + json);
    Path out = Path.of("target", "azure-failover.json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, json);
    // Checks that can fail: each InProgress poll costs exactly one more GET (3 long-running PUTs
    // in a public IP move: tag, detach, attach; one Location-polled power-off), and the SDK speaks
    // the api-versions the stub accepts.
    long movePolls0 = calls(result, 0, "publicIpMove");
    long movePolls2 = calls(result, 2, "publicIpMove");
    assertThat(movePolls2 - movePolls0).isEqualTo(3 * 2);
    assertThat(calls(result, 2, "vmFence") - calls(result, 0, "vmFence")).isEqualTo(2);
    assertThat(calls(result, 2, "dnsUpdate")).isEqualTo(calls(result, 0, "dnsUpdate"));
  }

  private static void failover(int polls, List<Map<String, Object>> runs) {
    try (ArmStub arm = ArmStub.start()) {
      arm.lroPolls(polls);
      String pip = arm.publicIp("pip-sip", "203.0.113.10");
      arm.nic("nic-pbx-a", "10.1.0.4", pip);
      String standby = arm.nic("nic-pbx-b", "10.1.0.5", null);
      String vm = arm.vm("vm-pbx-a");
      arm.zone("example.com");
      ArmCallCounter calls = new ArmCallCounter();
      AzureClients clients = arm.clients(calls);
      AzureDnsUpdater dns = new AzureDnsUpdater(clients);
      FencingToken old = new FencingToken("sip-cluster", "azure-a", 1);
      DnsRecord before =
          new DnsRecord("example.com.", "sip.example.com.", "A", 60, List.of("198.51.100.7"));
      dns.replace(Optional.empty(), before, old);
      calls.reset();

      FencingToken token = new FencingToken("sip-cluster", "azure-b", 2);
      Map<String, Object> run = new LinkedHashMap<>();
      long t0 = System.nanoTime();
      var binding = new AzurePublicIpMover(clients).move(pip, standby, token);
      long t1 = System.nanoTime();
      run.put("publicIpMove.calls", calls.total());
      run.put("publicIpMove.byMethod", calls.byMethod());
      calls.reset();
      var record =
          dns.replace(Optional.of(before), before.withValues(List.of("203.0.113.10")), token);
      long t2 = System.nanoTime();
      run.put("dnsUpdate.calls", calls.total());
      run.put("dnsUpdate.byMethod", calls.byMethod());
      calls.reset();
      var fence = new AzureVmFencer(clients, true, AzureVmFencer.Mode.POWER_OFF).fence(vm, token);
      long t3 = System.nanoTime();
      run.put("vmFence.calls", calls.total());
      run.put("vmFence.byMethod", calls.byMethod());
      run.put("publicIpMove.ms", (t1 - t0) / 1e6);
      run.put("dnsUpdate.ms", (t2 - t1) / 1e6);
      run.put("vmFence.ms", (t3 - t2) / 1e6);
      run.put("apiVersions", arm.apiVersions());

      assertThat(binding.attachedTo()).contains(standby);
      assertThat(record.values()).containsExactly("203.0.113.10");
      assertThat(fence.fenced()).isTrue();
      runs.add(run);
    }
  }

  @SuppressWarnings("unchecked")
  private static long calls(Map<String, Object> result, int polls, String step) {
    var summary = (Map<String, Object>) result.get("inProgressPollsPerOperation=" + polls);
    return (Long) ((Map<String, Object>) summary.get(step)).get("armCalls");
  }

  private static Map<String, Object> summarise(List<Map<String, Object>> runs) {
    Map<String, Object> s = new LinkedHashMap<>();
    long total = 0;
    for (String step : List.of("publicIpMove", "dnsUpdate", "vmFence")) {
      long n = (Long) runs.get(0).get(step + ".calls");
      total += n;
      Map<String, Object> st = new LinkedHashMap<>();
      st.put("armCalls", n);
      st.put("byMethod", runs.get(0).get(step + ".byMethod"));
      st.put("medianMs", Math.round(median(runs, step + ".ms") * 10) / 10.0);
      s.put(step, st);
    }
    s.put("totalArmCalls", total);
    s.put("apiVersions", runs.get(0).get("apiVersions"));
    return s;
  }

  private static double median(List<Map<String, Object>> runs, String key) {
    double[] v = runs.stream().mapToDouble(r -> (Double) r.get(key)).sorted().toArray();
    return v[v.length / 2];
  }
}
