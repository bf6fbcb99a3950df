package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A fake machine: files under a temporary root, a fixed clock, set free space and addresses. */
final class Fixture {

  static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");

  final Path root;
  final Map<String, SensorContext.Space> space = new HashMap<>();
  final Map<String, List<InetAddress>> addresses = new HashMap<>();

  Fixture(Path root) {
    this.root = root;
  }

  Fixture file(String relative, String content) {
    Path p = root.resolve(relative);
    try {
      Files.createDirectories(p.getParent());
      Files.writeString(p, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  SensorContext context() {
    return new SensorContext(
        root,
        Clock.fixed(NOW, ZoneOffset.UTC),
        System::nanoTime,
        mount -> {
          SensorContext.Space s = space.get("/" + root.relativize(mount).toString());
          if (s == null) {
            throw new IOException("no such mount " + mount);
          }
          return s;
        },
        () -> addresses);
  }

  static SensorSpec spec(String kind) {
    return new SensorSpec(
        kind + "-1", kind, false, 1, Duration.ofSeconds(10), Duration.ofSeconds(2));
  }
}
