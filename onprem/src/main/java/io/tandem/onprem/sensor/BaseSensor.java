package io.tandem.onprem.sensor;

import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Shared plumbing of the built-in sensors: the spec, the context, and the contract that a failure
 * becomes a FAIL reading rather than an exception. Not thread-safe, as {@link HealthSensor} allows.
 */
public abstract class BaseSensor implements HealthSensor {

  protected final SensorSpec spec;
  protected final SensorContext context;

  protected BaseSensor(SensorSpec spec, SensorContext context) {
    this.spec = spec;
    this.context = context;
  }

  @Override
  public final SensorSpec spec() {
    return spec;
  }

  @Override
  public final SensorReading read() {
    try {
      return measure();
    } catch (UncheckedIOException e) {
      return SensorReading.fail(describe(e.getCause()), now());
    } catch (RuntimeException e) {
      return SensorReading.fail(e.getClass().getSimpleName() + ": " + e.getMessage(), now());
    }
  }

  /** Takes one reading; may throw, {@link #read()} turns exceptions into FAIL readings. */
  protected abstract SensorReading measure();

  protected Instant now() {
    return context.clock().instant();
  }

  protected SensorReading reading(SensorStatus status, double value, String unit, String detail) {
    return new SensorReading(status, value, unit, detail, now());
  }

  /** Lines of a file under the context root, e.g. {@code proc/meminfo}. */
  protected List<String> lines(String relative) {
    Path p = context.path(relative);
    try {
      return Files.readAllLines(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  protected String text(String relative) {
    return String.join("\n", lines(relative)).strip();
  }

  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException n) {
      return "cannot read " + n.getFile() + ": no such file";
    }
    return "cannot read: " + e.getMessage();
  }
}
