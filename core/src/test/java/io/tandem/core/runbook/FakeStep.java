package io.tandem.core.runbook;

import io.tandem.core.error.TandemException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** A step that sets one resource of a {@link FakeWorld} to a desired value. */
final class FakeStep implements Step {

  static final StepPolicy FAST =
      new StepPolicy(
          Duration.ofSeconds(5), 4, Duration.ofMillis(1), 2.0, 0.5, Duration.ofMillis(1));

  private final StepSpec spec;
  private final FakeWorld world;
  private final String resource;
  private final String desired;
  private final Deque<Supplier<TandemException>> applyFailures = new ArrayDeque<>();
  final AtomicInteger applyCalls = new AtomicInteger();
  final AtomicInteger observeCalls = new AtomicInteger();
  volatile Runnable duringApply = () -> {};

  FakeStep(StepSpec spec, FakeWorld world, String resource, String desired) {
    this.spec = spec;
    this.world = world;
    this.resource = resource;
    this.desired = desired;
  }

  static FakeStep safe(String id, FakeWorld world, String desired) {
    return new FakeStep(StepSpec.of(id, "Set " + id, "fake", FAST), world, id, desired);
  }

  static FakeStep unsafe(String id, FakeWorld world, String desired) {
    return new FakeStep(
        StepSpec.of(id, "Set " + id, "fake", FAST).withSafeToRepeat(false), world, id, desired);
  }

  FakeStep withSpec(StepSpec newSpec) {
    return new FakeStep(newSpec, world, resource, desired);
  }

  /** The next apply calls throw these, in order. */
  FakeStep failApplyWith(Supplier<TandemException> failure, int times) {
    for (int i = 0; i < times; i++) {
      applyFailures.add(failure);
    }
    return this;
  }

  @Override
  public StepSpec spec() {
    return spec;
  }

  @Override
  public Observation observe(StepContext context) {
    observeCalls.incrementAndGet();
    return Observation.change(resource, world.get(resource), desired);
  }

  @Override
  public String apply(Observation observed, StepContext context) {
    applyCalls.incrementAndGet();
    duringApply.run();
    Supplier<TandemException> failure;
    synchronized (applyFailures) {
      failure = applyFailures.poll();
    }
    if (failure != null) {
      throw failure.get();
    }
    world.apply(resource, desired);
    return world.get(resource);
  }

  @Override
  public Verification verify(StepContext context) {
    String now = world.get(resource);
    return now.equals(desired)
        ? Verification.ok(resource + " = " + now)
        : Verification.notYet(resource + " = " + now);
  }
}
