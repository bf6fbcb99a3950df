package io.tandem.core.runbook.standard;

import io.tandem.core.runbook.Gate;
import io.tandem.core.runbook.StepPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Timing and policy knobs of the standard runbooks.
 *
 * @param fence fence step (best effort; its timeout bounds how long it can hold the run up)
 * @param change address, DNS, trunk and PBX steps
 * @param verify outside verification (polled every {@code verifyInterval} until its timeout)
 * @param drain call drain: its timeout is the drain timeout
 * @param drainThreshold drain ends when the old site has at most this many active calls
 * @param drainTimeoutAborts if true a drain that times out stops the switchover; otherwise the
 *     switchover continues and the report shows the calls still active
 * @param sync sync check and final sync run
 * @param maxSyncLag a sync job is current when its lag is at most this
 * @param notice final notice (best effort)
 * @param approval a gate before anything changes, if wanted
 * @param fencingApproval a gate right before the fence stage, if wanted (only where the runbook
 *     fences: nothing is asked when nobody is fenced)
 * @param fenceOnSwitchover whether a planned switchover (and so a drill) fences the old site too;
 *     off by default: the drained old site is healthy and a drill must be able to come back to it
 */
public record RunbookOptions(
    StepPolicy fence,
    StepPolicy change,
    StepPolicy verify,
    StepPolicy drain,
    int drainThreshold,
    boolean drainTimeoutAborts,
    StepPolicy sync,
    Duration maxSyncLag,
    StepPolicy notice,
    Optional<Gate> approval,
    Optional<Gate> fencingApproval,
    boolean fenceOnSwitchover) {

  public RunbookOptions {
    Objects.requireNonNull(fence, "fence");
    Objects.requireNonNull(change, "change");
    Objects.requireNonNull(verify, "verify");
    Objects.requireNonNull(drain, "drain");
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(maxSyncLag, "maxSyncLag");
    Objects.requireNonNull(notice, "notice");
    Objects.requireNonNull(approval, "approval");
    Objects.requireNonNull(fencingApproval, "fencingApproval");
    if (approval.isPresent()
        && fencingApproval.isPresent()
        && approval.get().id().equals(fencingApproval.get().id())) {
      throw new IllegalArgumentException(
          "the approval and fencing gates need distinct ids, both were " + approval.get().id());
    }
    if (drainThreshold < 0) {
      throw new IllegalArgumentException("drainThreshold must be >= 0, was " + drainThreshold);
    }
  }

  /**
   * Fence 30 s (2 attempts), changes 60 s, verification 60 s polled every 2 s, drain up to 5 min to
   * 0 calls, sync lag ≤ 60 s, no gate.
   */
  public static RunbookOptions defaults() {
    StepPolicy base = StepPolicy.defaults();
    return new RunbookOptions(
        base.withTimeout(Duration.ofSeconds(30)).withRetry(2, Duration.ofMillis(500)),
        base.withTimeout(Duration.ofSeconds(60)),
        base.withTimeout(Duration.ofSeconds(60)).withVerifyInterval(Duration.ofSeconds(2)),
        base.withTimeout(Duration.ofMinutes(5)).withVerifyInterval(Duration.ofSeconds(2)),
        0,
        false,
        base.withTimeout(Duration.ofMinutes(2)),
        Duration.ofSeconds(60),
        base.withTimeout(Duration.ofSeconds(15)),
        Optional.empty(),
        Optional.empty(),
        false);
  }

  /** The same policy for every step (tests, benchmarks). */
  public static RunbookOptions uniform(StepPolicy p) {
    return new RunbookOptions(
        p,
        p,
        p,
        p,
        0,
        false,
        p,
        Duration.ofSeconds(60),
        p,
        Optional.empty(),
        Optional.empty(),
        false);
  }

  public RunbookOptions withDrain(StepPolicy policy, int threshold, boolean timeoutAborts) {
    return new RunbookOptions(
        fence,
        change,
        verify,
        policy,
        threshold,
        timeoutAborts,
        sync,
        maxSyncLag,
        notice,
        approval,
        fencingApproval,
        fenceOnSwitchover);
  }

  public RunbookOptions withMaxSyncLag(Duration value) {
    return new RunbookOptions(
        fence,
        change,
        verify,
        drain,
        drainThreshold,
        drainTimeoutAborts,
        sync,
        value,
        notice,
        approval,
        fencingApproval,
        fenceOnSwitchover);
  }

  public RunbookOptions withApproval(Gate gate) {
    return new RunbookOptions(
        fence,
        change,
        verify,
        drain,
        drainThreshold,
        drainTimeoutAborts,
        sync,
        maxSyncLag,
        notice,
        Optional.of(gate),
        fencingApproval,
        fenceOnSwitchover);
  }

  /** A gate right before the fence stage of every runbook that fences. */
  public RunbookOptions withFencingApproval(Gate gate) {
    return new RunbookOptions(
        fence,
        change,
        verify,
        drain,
        drainThreshold,
        drainTimeoutAborts,
        sync,
        maxSyncLag,
        notice,
        approval,
        Optional.of(gate),
        fenceOnSwitchover);
  }

  /**
   * The same options without the gate before anything changes (runs an operator already asked for);
   * a fencing gate stays.
   */
  public RunbookOptions withoutApproval() {
    return new RunbookOptions(
        fence,
        change,
        verify,
        drain,
        drainThreshold,
        drainTimeoutAborts,
        sync,
        maxSyncLag,
        notice,
        Optional.empty(),
        fencingApproval,
        fenceOnSwitchover);
  }

  public RunbookOptions withFenceOnSwitchover(boolean value) {
    return new RunbookOptions(
        fence,
        change,
        verify,
        drain,
        drainThreshold,
        drainTimeoutAborts,
        sync,
        maxSyncLag,
        notice,
        approval,
        fencingApproval,
        value);
  }
}
