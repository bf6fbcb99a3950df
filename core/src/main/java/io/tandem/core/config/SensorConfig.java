package io.tandem.core.config;

import io.tandem.core.health.Hysteresis;
import io.tandem.core.health.SensorSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One health sensor of a site. Interval, timeout and the fall/rise counts default to the values in
 * {@link Timings}.
 *
 * @param name unique within the site, e.g. {@code sip-options-local}
 * @param kind sensor type understood by an adapter, e.g. {@code sip-options}, {@code disk-space}
 * @param critical a critical sensor that is down vetoes the site's health
 * @param weight contribution to the weighted score (ignored while critical)
 * @param interval how often it is read
 * @param timeout a reading that takes longer counts as TIMEOUT; shorter than the interval
 * @param fall bad readings in a row before the sensor counts as down
 * @param rise good readings in a row before it counts as up again
 * @param params sensor-specific settings (strings), e.g. {@code target: sip:127.0.0.1:5060}
 */
public record SensorConfig(
    String name,
    String kind,
    boolean critical,
    int weight,
    Duration interval,
    Duration timeout,
    int fall,
    int rise,
    Map<String, String> params) {

  public SensorConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    params = Map.copyOf(params);
  }

  /** The scheduling part, as the health aggregator and sensor adapters take it. */
  public SensorSpec toSpec() {
    return new SensorSpec(name, kind, critical, weight, interval, timeout);
  }

  /** The fall/rise counts, as the health monitor takes them. */
  public Hysteresis hysteresis() {
    return new Hysteresis(fall, rise);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates a {@link SensorConfig}; unset values come from {@link #defaults}. */
  public static final class Builder extends ConfigBuilder<SensorConfig> {
    private Timings defaults = Timings.defaults();
    private String name;
    private String kind;
    private Boolean critical;
    private Integer weight;
    private Duration interval;
    private Duration timeout;
    private Integer fall;
    private Integer rise;
    private final Map<String, String> params = new LinkedHashMap<>();

    /** Where unset interval, timeout, fall and rise come from. */
    public Builder defaults(Timings v) {
      defaults = Objects.requireNonNull(v, "defaults");
      return this;
    }

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder kind(String v) {
      kind = v;
      return this;
    }

    public Builder critical(Boolean v) {
      critical = v;
      return this;
    }

    public Builder weight(Integer v) {
      weight = v;
      return this;
    }

    public Builder interval(Duration v) {
      interval = v;
      return this;
    }

    public Builder timeout(Duration v) {
      timeout = v;
      return this;
    }

    public Builder fall(Integer v) {
      fall = v;
      return this;
    }

    public Builder rise(Integer v) {
      rise = v;
      return this;
    }

    public Builder params(Map<String, String> v) {
      params.clear();
      if (v != null) {
        params.putAll(v);
      }
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (v.required(name, "name", "a sensor name such as sip-options-local")
          && !Formats.name(name)) {
        v.add("name", "expected lower-case letters, digits and dashes, was " + name);
      }
      v.required(kind, "kind", "a sensor kind such as sip-options");
      v.atLeast(weight, 0, "weight");
      v.atLeast(fall, 1, "fall");
      v.atLeast(rise, 1, "rise");
      boolean ok = v.positive(interval, "interval") & v.positive(timeout, "timeout");
      Duration i = interval != null ? interval : defaults.sensorInterval();
      Duration t = timeout != null ? timeout : defaults.sensorTimeout();
      if (ok && t.compareTo(i) >= 0) {
        v.add(
            timeout != null ? "timeout" : "interval",
            "expected the timeout ("
                + Durations.format(t)
                + ") to be shorter than the interval ("
                + Durations.format(i)
                + "), so that a hung reading ends before the next one is due");
      }
    }

    @Override
    protected SensorConfig create() {
      return new SensorConfig(
          name,
          kind,
          critical != null && critical,
          weight != null ? weight : 1,
          interval != null ? interval : defaults.sensorInterval(),
          timeout != null ? timeout : defaults.sensorTimeout(),
          fall != null ? fall : defaults.fall(),
          rise != null ? rise : defaults.rise(),
          params);
    }

    @Override
    protected String what() {
      return "sensor";
    }
  }
}
