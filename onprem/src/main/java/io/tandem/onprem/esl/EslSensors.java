package io.tandem.onprem.esl;

import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import io.tandem.onprem.ami.PbxSensor;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The FreeSWITCH sensors, equivalent to the AMI ones: login works, core status, active channels,
 * gateway registration state per trunk, user-agent reachability (registered user agents over the
 * number expected).
 */
public final class EslSensors {

  private final EslPbxControl control;
  private final EslSettings settings;
  private final Clock clock;
  private final LongSupplier nanoTime;

  /**
   * @param clock wall clock for reading timestamps
   * @param nanoTime monotonic ticker for the login time (e.g. {@code System::nanoTime})
   */
  public EslSensors(
      EslPbxControl control, EslSettings settings, Clock clock, LongSupplier nanoTime) {
    this.control = Objects.requireNonNull(control, "control");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  private SensorSpec spec(String name, String kind, boolean critical) {
    return new SensorSpec(name, kind, critical, 1, Duration.ofSeconds(10), settings.timeout());
  }

  /** OK when a new event-socket session authenticates; value is the time taken in ms. */
  public HealthSensor login() {
    return new PbxSensor(
        spec("esl-login", "esl-login", false),
        clock,
        at -> {
          long start = nanoTime.getAsLong();
          try (EslPbxControl fresh = new EslPbxControl(settings)) {
            fresh.connect();
          }
          double ms = (nanoTime.getAsLong() - start) / 1e6;
          return SensorReading.ok(ms, "ms", "event socket login works", at);
        });
  }

  /** OK when {@code status} says UP; WARN while inbound calls are paused. */
  public HealthSensor coreStatus() {
    return new PbxSensor(
        spec("esl-core-status", "esl-core-status", true),
        clock,
        at -> {
          var s = control.status();
          if (!s.up()) {
            return SensorReading.fail(s.version() + " is not UP", at);
          }
          SensorStatus st = s.acceptingCalls() ? SensorStatus.OK : SensorStatus.WARN;
          String detail =
              s.version()
                  + " up, "
                  + s.activeCalls()
                  + " calls"
                  + (s.acceptingCalls() ? "" : ", inbound paused");
          return new SensorReading(st, s.activeCalls(), "calls", detail, at);
        });
  }

  public HealthSensor activeChannels() {
    return new PbxSensor(
        spec("esl-active-channels", "active-channels", false),
        clock,
        at -> {
          int n = control.activeChannels();
          return SensorReading.ok(n, "channels", n + " active channels", at);
        });
  }

  /** OK when the Sofia gateway {@code trunk} is {@code REGED}. */
  public HealthSensor trunkRegistration(String trunk) {
    return new PbxSensor(
        spec("esl-trunk-" + trunk, "trunk-registration", false),
        clock,
        at -> {
          String state = control.gatewayState(trunk);
          boolean ok = state.equals("REGED");
          return new SensorReading(
              ok ? SensorStatus.OK : SensorStatus.FAIL,
              ok ? 1 : 0,
              "",
              "gateway " + trunk + ": " + state,
              at);
        });
  }

  /**
   * Registered user agents / {@code expected}; FAIL below {@code failBelow}, WARN below {@code
   * warnBelow}.
   */
  public HealthSensor userAgentReachability(int expected, double warnBelow, double failBelow) {
    if (expected < 1) {
      throw new io.tandem.core.error.ConfigException(
          "esl user-agent reachability: expected must be >= 1, got " + expected);
    }
    return new PbxSensor(
        spec("esl-user-agent-reachability", "endpoint-reachability", false),
        clock,
        at -> {
          double ratio = Math.min(1.0, control.registeredUserAgents() / (double) expected);
          SensorStatus st =
              ratio < failBelow
                  ? SensorStatus.FAIL
                  : ratio < warnBelow ? SensorStatus.WARN : SensorStatus.OK;
          return new SensorReading(
              st,
              ratio * 100,
              "%",
              String.format(
                  Locale.ROOT, "%.0f%% of %d user agents registered", ratio * 100, expected),
              at);
        });
  }
}
