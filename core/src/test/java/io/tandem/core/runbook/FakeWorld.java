package io.tandem.core.runbook;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Hand-written fake of "the outside world": named resources with values, counting applies. */
final class FakeWorld {

  private final ConcurrentHashMap<String, String> values = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> applies = new ConcurrentHashMap<>();

  FakeWorld set(String resource, String value) {
    values.put(resource, value);
    return this;
  }

  String get(String resource) {
    return values.getOrDefault(resource, "unset");
  }

  void apply(String resource, String value) {
    applies.computeIfAbsent(resource, k -> new AtomicInteger()).incrementAndGet();
    values.put(resource, value);
  }

  int applies(String resource) {
    AtomicInteger n = applies.get(resource);
    return n == null ? 0 : n.get();
  }

  int totalApplies() {
    return applies.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  Map<String, String> snapshot() {
    return new TreeMap<>(values);
  }
}
