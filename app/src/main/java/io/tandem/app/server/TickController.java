package io.tandem.app.server;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.agent.AgentDriver;
import java.util.Arrays;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * How punctually this agent's decision loop runs: the lateness of its latest ticks against their
 * fixed-rate plan. The decision loop has its own thread; this shows whether anything (an API flood,
 * garbage collection, a starved host) delays it.
 */
@RestController
@Tag(name = "status")
public class TickController {

  /**
   * Tick lateness over the latest ticks, in milliseconds.
   *
   * @param ticks ticks run since the agent started
   * @param sampled ticks the percentiles are over (the latest, at most 4096)
   */
  public record Ticks(
      long ticks, int sampled, double p50Ms, double p99Ms, double maxMs, long over100Ms) {}

  private final ObjectProvider<AgentDriver> driver;

  public TickController(ObjectProvider<AgentDriver> driver) {
    this.driver = driver;
  }

  @GetMapping("/api/v1/agent/ticks")
  @Operation(summary = "Lateness of the decision loop's latest ticks (p50, p99, max)")
  public Ticks ticks() {
    AgentDriver d = driver.getIfUnique();
    if (d == null) {
      throw new NotFoundException("this node runs no agent");
    }
    AgentDriver.TickLateness t = d.tickLateness();
    long[] s = t.samplesNanos().clone();
    Arrays.sort(s);
    long over = Arrays.stream(s).filter(v -> v > 100_000_000L).count();
    return new Ticks(
        t.ticks(), s.length, ms(pct(s, 0.50)), ms(pct(s, 0.99)), ms(pct(s, 1.0)), over);
  }

  private static long pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double ms(long nanos) {
    return Math.round(nanos / 10_000.0) / 100.0;
  }
}
