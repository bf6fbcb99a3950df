package io.tandem.onprem.sensor;

import io.tandem.core.error.ConfigException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A sensor's parameters from configuration, with typed getters that fail with a {@link
 * ConfigException} naming the sensor, the parameter and what was expected. Immutable.
 */
public final class SensorParams {

  private final String sensor;
  private final Map<String, String> values;

  public SensorParams(String sensor, Map<String, String> values) {
    this.sensor = sensor;
    this.values = Map.copyOf(values);
  }

  public static SensorParams of(String sensor, Map<String, String> values) {
    return new SensorParams(sensor, values);
  }

  /** Fails on a parameter the kind does not know (catches typos such as {@code treshold}). */
  public SensorParams allowOnly(Set<String> known) {
    Set<String> unknown = new TreeSet<>(values.keySet());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw error(
          unknown.iterator().next(), "one of " + new TreeSet<>(known), "an unknown parameter");
    }
    return this;
  }

  public String string(String key) {
    String v = values.get(key);
    if (v == null || v.isBlank()) {
      throw error(key, "a value", "nothing");
    }
    return v.strip();
  }

  public String string(String key, String fallback) {
    return optional(key).orElse(fallback);
  }

  public Optional<String> optional(String key) {
    String v = values.get(key);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
  }

  public List<String> list(String key, List<String> fallback) {
    return optional(key)
        .map(v -> Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList())
        .orElse(fallback);
  }

  public int integer(String key, int fallback, int min, int max) {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n < min || n > max) {
        throw error(key, "an integer in " + min + ".." + max, v.get());
      }
      return n;
    } catch (NumberFormatException e) {
      throw error(key, "an integer in " + min + ".." + max, v.get());
    }
  }

  public double decimal(String key, double fallback, double min, double max) {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return fallback;
    }
    try {
      double d = Double.parseDouble(v.get());
      if (!(d >= min && d <= max)) {
        throw error(key, "a number in " + min + ".." + max, v.get());
      }
      return d;
    } catch (NumberFormatException e) {
      throw error(key, "a number in " + min + ".." + max, v.get());
    }
  }

  /** A duration as ISO-8601 ({@code PT5S}) or a number with a unit: {@code 250ms}, {@code 5s}. */
  public Duration duration(String key, Duration fallback) {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return fallback;
    }
    String s = v.get().toLowerCase();
    try {
      Duration d;
      if (s.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).strip()));
      } else if (s.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1).strip()));
      } else if (s.endsWith("m") && !s.startsWith("p")) {
        d = Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1).strip()));
      } else if (s.endsWith("h") && !s.startsWith("p")) {
        d = Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1).strip()));
      } else {
        d = Duration.parse(v.get().toUpperCase());
      }
      if (d.isNegative() || d.isZero()) {
        throw error(key, "a positive duration", v.get());
      }
      return d;
    } catch (NumberFormatException | DateTimeParseException e) {
      throw error(key, "a duration such as 500ms, 5s, 2m or PT5S", v.get());
    }
  }

  public boolean bool(String key, boolean fallback) {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return fallback;
    }
    return switch (v.get().toLowerCase()) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw error(key, "true or false", v.get());
    };
  }

  /** Warn and fail thresholds where a higher value is worse; fail must not be below warn. */
  public Thresholds thresholds(double warn, double fail, double min, double max) {
    double w = decimal("warn", warn, min, max);
    double f = decimal("fail", fail, min, max);
    if (f < w) {
      throw error("fail", "a value >= warn (" + w + ")", Double.toString(f));
    }
    return new Thresholds(w, f);
  }

  private ConfigException error(String key, String expected, String got) {
    return new ConfigException(
        "sensor " + sensor + ": parameter '" + key + "': expected " + expected + ", got " + got);
  }
}
