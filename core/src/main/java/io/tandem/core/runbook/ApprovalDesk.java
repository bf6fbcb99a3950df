package io.tandem.core.runbook;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * In-process {@link GateKeeper}: the API or CLI calls {@link #approve}/{@link #reject}; runs
 * waiting at a gate see the decision. Thread-safe.
 */
public final class ApprovalDesk implements GateKeeper {

  private final ConcurrentHashMap<String, CompletableFuture<GateDecision>> decisions =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Gate> waiting = new ConcurrentHashMap<>();

  @Override
  public Optional<GateDecision> await(String runId, Gate gate, Duration maxWait)
      throws InterruptedException {
    String key = key(runId, gate.id());
    waiting.put(key, gate);
    try {
      return Optional.of(future(key).get(maxWait.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException("gate decision failed", e.getCause());
    } finally {
      waiting.remove(key);
    }
  }

  /** Approves gate {@code gateId} of run {@code runId}; may come before the run reaches it. */
  public void approve(String runId, String gateId, String by, String note) {
    future(key(runId, gateId)).complete(new GateDecision(true, by, note));
  }

  /** Rejects the gate: the run ends as aborted. */
  public void reject(String runId, String gateId, String by, String note) {
    future(key(runId, gateId)).complete(new GateDecision(false, by, note));
  }

  /** Gates a run waits at right now, as {@code runId/gateId}, sorted. */
  public List<String> waiting() {
    return waiting.keySet().stream().sorted().toList();
  }

  /** Gates waited at right now, by {@code runId/gateId}, sorted: what the operator is asked. */
  public java.util.SortedMap<String, Gate> waitingGates() {
    return java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(waiting));
  }

  @Override
  public void abandon(String runId, String reason) {
    decisions.forEach(
        (key, f) -> {
          if (key.startsWith(runId + "/")) {
            f.complete(new GateDecision(false, "engine", "run aborted: " + reason));
          }
        });
  }

  @Override
  public void forget(String runId) {
    decisions.keySet().removeIf(key -> key.startsWith(runId + "/"));
  }

  private CompletableFuture<GateDecision> future(String key) {
    return decisions.computeIfAbsent(key, k -> new CompletableFuture<>());
  }

  private static String key(String runId, String gateId) {
    return runId + "/" + gateId;
  }
}
