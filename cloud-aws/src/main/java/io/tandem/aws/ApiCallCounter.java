package io.tandem.aws;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts AWS API calls and HTTP attempts per operation ({@code Ec2.AssociateAddress}), so a
 * failover's cost can be reported and minimised. Register it on the clients through {@link
 * AwsClients.Builder#interceptor}. Thread-safe.
 *
 * <p>A <em>call</em> is one SDK operation invocation; an <em>attempt</em> is one HTTP request, so
 * attempts minus calls are the SDK's retries.
 */
public final class ApiCallCounter implements ExecutionInterceptor {

  private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> attempts = new ConcurrentHashMap<>();

  @Override
  public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
    calls.computeIfAbsent(key(attributes), k -> new LongAdder()).increment();
  }

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes attributes) {
    attempts.computeIfAbsent(key(attributes), k -> new LongAdder()).increment();
  }

  private static String key(ExecutionAttributes attributes) {
    return attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME)
        + "."
        + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
  }

  /** Calls per operation since the last {@link #reset()}, sorted by operation. */
  public Map<String, Long> calls() {
    return snapshot(calls);
  }

  /** HTTP attempts per operation (retries included) since the last {@link #reset()}. */
  public Map<String, Long> attempts() {
    return snapshot(attempts);
  }

  /** Calls to one operation, e.g. {@code calls("Ec2.AssociateAddress")}. */
  public long calls(String operation) {
    LongAdder adder = calls.get(operation);
    return adder == null ? 0 : adder.sum();
  }

  public long attempts(String operation) {
    LongAdder adder = attempts.get(operation);
    return adder == null ? 0 : adder.sum();
  }

  public long totalCalls() {
    return calls.values().stream().mapToLong(LongAdder::sum).sum();
  }

  public void reset() {
    calls.clear();
    attempts.clear();
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> source) {
    Map<String, Long> copy = new TreeMap<>();
    source.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }
}
