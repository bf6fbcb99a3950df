package io.tandem.azure;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Mono;

/**
 * Counts the HTTP requests that reach Azure Resource Manager, per method, including every retry and
 * every long-running-operation poll (it sits after the retry policy). For metrics and for measuring
 * how many ARM calls a failover costs (ARM throttles per subscription and principal). Thread-safe.
 */
public final class ArmCallCounter implements HttpPipelinePolicy {

  private final Map<String, LongAdder> byMethod = new ConcurrentHashMap<>();

  @Override
  public HttpPipelinePosition getPipelinePosition() {
    return HttpPipelinePosition.PER_RETRY;
  }

  @Override
  public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
    count(context);
    return next.process();
  }

  @Override
  public HttpResponse processSync(
      HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
    count(context);
    return next.processSync();
  }

  private void count(HttpPipelineCallContext context) {
    byMethod
        .computeIfAbsent(context.getHttpRequest().getHttpMethod().name(), k -> new LongAdder())
        .increment();
  }

  /** Total requests sent so far. */
  public long total() {
    return byMethod.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Requests per HTTP method, sorted by method name. */
  public Map<String, Long> byMethod() {
    Map<String, Long> out = new TreeMap<>();
    byMethod.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Starts counting from zero again. */
  public void reset() {
    byMethod.clear();
  }
}
