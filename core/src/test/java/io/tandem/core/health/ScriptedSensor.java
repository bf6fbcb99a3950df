package io.tandem.core.health;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/** A sensor that answers from a script (then repeats the last status); counts its reads. */
final class ScriptedSensor implements HealthSensor {

  private final SensorSpec spec;
  private final Clock clock;
  private final Deque<SensorStatus> script = new ArrayDeque<>();
  private SensorStatus last = SensorStatus.OK;
  private RuntimeException toThrow;
  int reads;

  ScriptedSensor(String name, boolean critical, int weight, Clock clock) {
    this(name, critical, weight, clock, Duration.ofSeconds(2), Duration.ofSeconds(1));
  }

  ScriptedSensor(
      String name, boolean critical, int weight, Clock clock, Duration interval, Duration timeout) {
    this.spec = new SensorSpec(name, "scripted", critical, weight, interval, timeout);
    this.clock = clock;
  }

  ScriptedSensor then(SensorStatus... statuses) {
    script.addAll(java.util.List.of(statuses));
    return this;
  }

  ScriptedSensor throwing(RuntimeException e) {
    toThrow = e;
    return this;
  }

  @Override
  public SensorSpec spec() {
    return spec;
  }

  @Override
  public synchronized SensorReading read() {
    reads++;
    if (toThrow != null) {
      throw toThrow;
    }
    if (!script.isEmpty()) {
      last = script.poll();
    }
    return new SensorReading(last, 1.0, "ms", name() + " " + last, clock.instant());
  }

  private String name() {
    return spec.name();
  }
}
