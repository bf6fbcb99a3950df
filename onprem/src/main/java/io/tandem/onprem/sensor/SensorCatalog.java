package io.tandem.onprem.sensor;

import io.tandem.core.error.ConfigException;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kind name → factory of sensors and controllers, with each kind's defaults and the parameters it
 * accepts. The app builds every configured sensor through {@link #create}, which rejects unknown
 * kinds and parameters with a {@link ConfigException} naming the sensor and the field.
 *
 * <p>Immutable once built; thread-safe. {@code docs/sensors.md} lists every kind.
 */
public final class SensorCatalog {

  /** Builds a sensor from its spec and validated parameters. */
  @FunctionalInterface
  public interface SensorFactory {
    HealthSensor create(SensorSpec spec, SensorParams params, SensorContext context);
  }

  /** Builds a controller from its name, timeout and validated parameters. */
  @FunctionalInterface
  public interface ControllerFactory {
    Controller create(String name, Duration timeout, SensorParams params, SensorContext context);
  }

  /** Scheduling defaults of a kind; configuration may override each. */
  public record Defaults(Duration interval, Duration timeout, boolean critical, int weight) {
    public Defaults {
      Objects.requireNonNull(interval, "interval");
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /**
   * One sensor kind.
   *
   * @param name kind name used in configuration, e.g. {@code disk-space}
   * @param description what it measures, one sentence
   * @param defaults interval, timeout, critical, weight
   * @param params parameter names it accepts
   * @param factory builds it
   */
  public record Kind(
      String name,
      String description,
      Defaults defaults,
      Set<String> params,
      SensorFactory factory) {
    public Kind {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(defaults, "defaults");
      params = Set.copyOf(params);
      Objects.requireNonNull(factory, "factory");
    }
  }

  /** One controller kind. */
  public record ControllerKind(
      String name, String description, Set<String> params, ControllerFactory factory) {
    public ControllerKind {
      params = Set.copyOf(params);
    }
  }

  private final SensorContext context;
  private final Map<String, Kind> kinds;
  private final Map<String, ControllerKind> controllers;

  private SensorCatalog(
      SensorContext context, Map<String, Kind> kinds, Map<String, ControllerKind> controllers) {
    this.context = context;
    this.kinds = Map.copyOf(kinds);
    this.controllers = Map.copyOf(controllers);
  }

  /** Every built-in kind, reading the machine through {@code context}. */
  public static SensorCatalog builtIn(SensorContext context) {
    Builder b = builder(context);
    HostSensorKinds.registerAll(b);
    UserCheckKinds.registerAll(b);
    // ---------------------------------------------------------------------------------------------
    // Telephony kinds register HERE (packages io.tandem.onprem.sip, .ami, .esl; see
    // docs/sensors.md): sip-options, sip-options-external, trunk-registration,
    // trunk-options-latency,
    // ua-reachability, active-channels, ami-responsive, esl-responsive. Each package provides a
    // `registerAll(SensorCatalog.Builder)` like HostSensorKinds and is called on the next lines.
    // ---------------------------------------------------------------------------------------------
    return b.build();
  }

  public static Builder builder(SensorContext context) {
    return new Builder(context);
  }

  public Set<String> kinds() {
    return new TreeSet<>(kinds.keySet());
  }

  public Optional<Kind> kind(String name) {
    return Optional.ofNullable(kinds.get(name));
  }

  public Set<String> controllerKinds() {
    return new TreeSet<>(controllers.keySet());
  }

  /** The spec a sensor of this kind gets when configuration overrides nothing. */
  public SensorSpec defaultSpec(String sensorName, String kindName) {
    Defaults d = require(sensorName, kindName).defaults();
    return new SensorSpec(
        sensorName, kindName, d.critical(), d.weight(), d.interval(), d.timeout());
  }

  /**
   * Builds a sensor. Throws {@link ConfigException} for an unknown kind or parameter, or a bad
   * value, naming the sensor and the parameter.
   */
  public HealthSensor create(SensorSpec spec, Map<String, String> params) {
    Kind k = require(spec.name(), spec.kind());
    SensorParams p = SensorParams.of(spec.name(), params).allowOnly(k.params());
    return k.factory().create(spec, p, context);
  }

  /** Builds a controller; same validation as {@link #create}. */
  public Controller createController(
      String name, String kind, Duration timeout, Map<String, String> params) {
    ControllerKind k = controllers.get(kind);
    if (k == null) {
      throw new ConfigException(
          "controller "
              + name
              + ": unknown kind '"
              + kind
              + "', expected one of "
              + controllerKinds());
    }
    return k.factory()
        .create(name, timeout, SensorParams.of(name, params).allowOnly(k.params()), context);
  }

  private Kind require(String sensorName, String kindName) {
    Kind k = kinds.get(kindName);
    if (k == null) {
      throw new ConfigException(
          "sensor " + sensorName + ": unknown kind '" + kindName + "', expected one of " + kinds());
    }
    return k;
  }

  /** Collects kinds; a name may be registered once. */
  public static final class Builder {
    private final SensorContext context;
    private final Map<String, Kind> kinds = new LinkedHashMap<>();
    private final Map<String, ControllerKind> controllers = new LinkedHashMap<>();

    private Builder(SensorContext context) {
      this.context = context;
    }

    public SensorContext context() {
      return context;
    }

    public Builder register(Kind kind) {
      if (kinds.putIfAbsent(kind.name(), kind) != null) {
        throw new IllegalStateException("sensor kind registered twice: " + kind.name());
      }
      return this;
    }

    /** Shorthand for {@link #register(Kind)}. */
    public Builder register(
        String name,
        String description,
        Defaults defaults,
        List<String> params,
        SensorFactory factory) {
      return register(new Kind(name, description, defaults, Set.copyOf(params), factory));
    }

    public Builder registerController(ControllerKind kind) {
      if (controllers.putIfAbsent(kind.name(), kind) != null) {
        throw new IllegalStateException("controller kind registered twice: " + kind.name());
      }
      return this;
    }

    public SensorCatalog build() {
      return new SensorCatalog(context, kinds, controllers);
    }
  }
}
