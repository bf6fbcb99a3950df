package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kind {@code process-alive}: at least {@code min} processes whose {@code /proc/<pid>/comm} equals
 * the name ({@code asterisk}, {@code freeswitch}). Liveness only: the telephony sensors say whether
 * it is useful.
 */
public final class ProcessAliveSensor extends BaseSensor {

  private final String name;
  private final int min;

  public ProcessAliveSensor(SensorSpec spec, SensorContext context, String name, int min) {
    super(spec, context);
    this.name = name;
    this.min = min;
  }

  @Override
  protected SensorReading measure() {
    int count = 0;
    try (DirectoryStream<Path> procs =
        Files.newDirectoryStream(
            context.path("proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path p : procs) {
        try {
          if (Files.readString(p.resolve("comm")).strip().equals(name)) {
            count++;
          }
        } catch (IOException e) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return reading(
        count >= min ? SensorStatus.OK : SensorStatus.FAIL,
        count,
        "processes",
        count + " process(es) named " + name + (count >= min ? "" : ", expected at least " + min));
  }
}
