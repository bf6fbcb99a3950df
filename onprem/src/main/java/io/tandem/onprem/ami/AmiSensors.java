package io.tandem.onprem.ami;

import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The Asterisk sensors: login works, core status, active channels, PJSIP outbound registration
 * state per trunk, endpoint (contact) reachability ratio. Each reads through one shared {@link
 * AmiPbxControl}, except {@link #login} which opens its own short session so it proves that a fresh
 * login works (a dead manager.conf after a reload shows here first).
 */
public final class AmiSensors {

  private final AmiPbxControl control;
  private final AmiSettings settings;
  private final Clock clock;
  private final LongSupplier nanoTime;

  /**
   * @param clock wall clock for reading timestamps
   * @param nanoTime monotonic ticker for the login time (e.g. {@code System::nanoTime})
   */
  public AmiSensors(
      AmiPbxControl control, AmiSettings settings, Clock clock, LongSupplier nanoTime) {
    this.control = Objects.requireNonNull(control, "control");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  private static SensorSpec spec(String name, String kind, boolean critical, Duration timeout) {
    return new SensorSpec(name, kind, critical, 1, Duration.ofSeconds(10), timeout);
  }

  /** OK when a new AMI session logs in; value is the login time in ms. */
  public HealthSensor login() {
    return new PbxSensor(
        spec("ami-login", "ami-login", false, settings.timeout()),
        clock,
        at -> {
          long start = nanoTime.getAsLong();
          try (AmiPbxControl fresh = new AmiPbxControl(settings)) {
            fresh.connect();
          }
          double ms = (nanoTime.getAsLong() - start) / 1e6;
          return SensorReading.ok(ms, "ms", "AMI login as " + settings.username() + " works", at);
        });
  }

  /** OK when CoreStatus answers; value is the current call count; WARN while calls are refused. */
  public HealthSensor coreStatus() {
    return new PbxSensor(
        spec("ami-core-status", "ami-core-status", true, settings.timeout()),
        clock,
        at -> {
          var s = control.status();
          SensorStatus st = s.acceptingCalls() ? SensorStatus.OK : SensorStatus.WARN;
          String detail =
              s.version()
                  + " up, "
                  + s.activeCalls()
                  + " calls"
                  + (s.acceptingCalls() ? "" : ", refusing new calls");
          return new SensorReading(st, s.activeCalls(), "calls", detail, at);
        });
  }

  /** Active channel count (always OK when answered; the value is what matters). */
  public HealthSensor activeChannels() {
    return new PbxSensor(
        spec("ami-active-channels", "active-channels", false, settings.timeout()),
        clock,
        at -> {
          int n = control.activeChannels();
          return SensorReading.ok(n, "channels", n + " active channels", at);
        });
  }

  /** OK when the PJSIP outbound registration {@code trunk} reports {@code Registered}. */
  public HealthSensor trunkRegistration(String trunk) {
    return new PbxSensor(
        spec("ami-trunk-" + trunk, "trunk-registration", false, settings.timeout()),
        clock,
        at -> {
          Map<String, String> regs = control.outboundRegistrations();
          String status = regs.get(trunk);
          if (status == null) {
            return SensorReading.fail("no outbound registration named " + trunk, at);
          }
          boolean ok = status.toLowerCase(Locale.ROOT).equals("registered");
          return new SensorReading(
              ok ? SensorStatus.OK : SensorStatus.FAIL,
              ok ? 1 : 0,
              "",
              "trunk " + trunk + ": " + status,
              at);
        });
  }

  /**
   * Reachable contacts / all contacts; FAIL below {@code failBelow}, WARN below {@code warnBelow}.
   */
  public HealthSensor endpointReachability(double warnBelow, double failBelow) {
    return new PbxSensor(
        spec("ami-endpoint-reachability", "endpoint-reachability", false, settings.timeout()),
        clock,
        at -> {
          double ratio = control.contactReachability();
          if (Double.isNaN(ratio)) {
            return new SensorReading(SensorStatus.WARN, ratio, "%", "no contacts registered", at);
          }
          SensorStatus st =
              ratio < failBelow
                  ? SensorStatus.FAIL
                  : ratio < warnBelow ? SensorStatus.WARN : SensorStatus.OK;
          return new SensorReading(
              st,
              ratio * 100,
              "%",
              String.format(Locale.ROOT, "%.0f%% of contacts reachable", ratio * 100),
              at);
        });
  }
}
