package io.tandem.core.runbook;

/**
 * Test seam: called at every {@link CrashPoint}. Production uses {@link #NONE}; crash tests throw
 * an {@link Error} to kill the engine at that point (the engine never catches {@code Error}s).
 */
@FunctionalInterface
public interface CrashHook {

  CrashHook NONE = (point, stepId) -> {};

  void at(CrashPoint point, String stepId);
}
