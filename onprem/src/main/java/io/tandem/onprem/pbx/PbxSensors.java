package io.tandem.onprem.pbx;

import io.tandem.core.error.ConfigException;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The PBX sensors, one implementation for Asterisk and FreeSWITCH, written against {@link
 * PbxTelemetry}. Each kind has a product-neutral name ({@code pbx-ping}) and, where the
 * documentation and configurations use them, product-prefixed aliases ({@code ami-ping}, {@code
 * esl-ping}) that must match the site's PBX.
 *
 * <p>Each reading asks the PBX with a budget a little below the sensor's timeout ({@link #budget}),
 * so a failure is explained by the adapter in the PBX's words rather than counted as a bare
 * timeout. Not thread-safe per sensor (the health monitor never reads one sensor twice at once);
 * the telemetry is shared and thread-safe.
 */
public final class PbxSensors {

  /** A kind: its parameters, and the aliases that name it. */
  public record Kind(String name, Set<String> params, Set<String> aliases, String measures) {}

  /** Every PBX kind by its product-neutral name. */
  public static final Map<String, Kind> KINDS = kinds();

  private static Map<String, Kind> kinds() {
    Map<String, Kind> k = new LinkedHashMap<>();
    put(k, "pbx-ping", Set.of(), "round trip of a keep-alive on the shared management session");
    put(k, "pbx-login", Set.of(), "a new, separate login works (fail2ban-safe cadence)");
    put(
        k,
        "pbx-core-status",
        Set.of(),
        "version, uptime, last reload, calls and channels; WARN while new calls are refused");
    put(
        k,
        "pbx-uptime",
        Set.of("warn-below"),
        "seconds since the PBX started; WARN after a restart");
    put(k, "active-calls", Set.of("warn", "fail"), "calls up now (a bridged call counts once)");
    put(k, "active-channels", Set.of("warn", "fail"), "channels up now (a bridged call has two)");
    put(k, "trunk-registration", Set.of("trunk"), "one trunk's registration state");
    put(
        k,
        "endpoint-reachability",
        Set.of("warn-below", "fail-below", "expected"),
        "percent of user agents reachable (PJSIP qualify / FreeSWITCH registrations)");
    return Map.copyOf(k);
  }

  private static void put(Map<String, Kind> k, String name, Set<String> params, String measures) {
    Set<String> aliases =
        switch (name) {
          case "pbx-ping" -> Set.of("ami-ping", "esl-ping");
          case "pbx-login" -> Set.of("ami-login", "esl-login");
          case "pbx-core-status" -> Set.of("ami-core-status", "esl-core-status");
          default -> Set.of();
        };
    k.put(name, new Kind(name, params, aliases, measures));
  }

  /** Every name a PBX sensor can be configured with (kinds and aliases). */
  public static Set<String> names() {
    Set<String> all = new TreeSet<>();
    KINDS
        .values()
        .forEach(
            k -> {
              all.add(k.name());
              all.addAll(k.aliases());
            });
    return all;
  }

  /** The kind {@code name} (a kind or an alias) stands for. */
  public static Optional<Kind> kind(String name) {
    return KINDS.values().stream()
        .filter(k -> k.name().equals(name) || k.aliases().contains(name))
        .findFirst();
  }

  /**
   * Why {@code name} with {@code params} cannot run on a {@code product} PBX ({@code Asterisk} or
   * {@code FreeSWITCH}), or empty when it can. Checks without touching the network.
   */
  public static Optional<String> problem(String name, Map<String, String> params, String product) {
    Optional<Kind> kind = kind(name);
    if (kind.isEmpty()) {
      return Optional.of("not a PBX sensor kind: " + name);
    }
    Optional<String> mismatch = productMismatch(name, product);
    if (mismatch.isPresent()) {
      return mismatch;
    }
    for (String p : params.keySet()) {
      if (!kind.get().params().contains(p)) {
        return Optional.of(
            "unknown parameter '"
                + p
                + "' of a "
                + name
                + " sensor, expected one of "
                + new TreeSet<>(kind.get().params()));
      }
    }
    try {
      check(kind.get().name(), params, product);
    } catch (ConfigException e) {
      return Optional.of(e.getMessage());
    }
    return Optional.empty();
  }

  /**
   * Why the product-prefixed {@code name} ({@code ami-*}, {@code esl-*}) does not fit a {@code
   * product} PBX, or empty.
   */
  public static Optional<String> productMismatch(String name, String product) {
    boolean ami = name.startsWith("ami-");
    boolean esl = name.startsWith("esl-");
    if (ami && !product.equals("Asterisk") || esl && !product.equals("FreeSWITCH")) {
      return Optional.of(
          "a "
              + name
              + " sensor needs "
              + (ami ? "an Asterisk" : "a FreeSWITCH")
              + " PBX, and this site's PBX is "
              + product
              + "; use "
              + kind(name).map(Kind::name).orElse("a pbx-* kind"));
    }
    return Optional.empty();
  }

  private static void check(String kind, Map<String, String> params, String product) {
    switch (kind) {
      case "trunk-registration" -> {
        if (!params.containsKey("trunk")) {
          throw new ConfigException("a trunk-registration sensor needs parameter 'trunk'");
        }
      }
      case "endpoint-reachability" -> {
        double warn = percent(params, "warn-below", 90);
        double fail = percent(params, "fail-below", 50);
        if (fail > warn) {
          throw new ConfigException("fail-below must not be above warn-below");
        }
        if (product.equals("FreeSWITCH") && !params.containsKey("expected")) {
          throw new ConfigException(
              "an endpoint-reachability sensor on FreeSWITCH needs parameter 'expected' (how many"
                  + " user agents should be registered): FreeSWITCH does not know the total");
        }
        if (params.containsKey("expected")) {
          positiveInt(params, "expected");
        }
      }
      case "pbx-uptime" -> duration(params, "warn-below", Duration.ofMinutes(10));
      case "active-calls", "active-channels" -> {
        double warn = number(params, "warn", Double.POSITIVE_INFINITY);
        double fail = number(params, "fail", Double.POSITIVE_INFINITY);
        if (fail < warn) {
          throw new ConfigException("fail must not be below warn");
        }
      }
      default -> {}
    }
  }

  private final PbxTelemetry pbx;
  private final Clock clock;

  public PbxSensors(PbxTelemetry pbx, Clock clock) {
    this.pbx = Objects.requireNonNull(pbx, "pbx");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * What a reading may spend asking the PBX: the sensor's timeout less a margin (a fifth, at least
   * 100 ms, at most half), so the adapter answers first.
   */
  public static Duration budget(SensorSpec spec) {
    Duration t = spec.timeout();
    Duration margin = t.dividedBy(5);
    if (margin.compareTo(Duration.ofMillis(100)) < 0) {
      margin = Duration.ofMillis(100);
    }
    if (margin.compareTo(t.dividedBy(2)) > 0) {
      margin = t.dividedBy(2);
    }
    return t.minus(margin);
  }

  /**
   * Builds the sensor {@code spec.kind()} (a kind or an alias) with {@code params}.
   *
   * @throws ConfigException naming the sensor when the kind or a parameter is wrong
   */
  public HealthSensor create(SensorSpec spec, Map<String, String> params) {
    problem(spec.kind(), params, pbx.product())
        .ifPresent(
            p -> {
              throw new ConfigException("sensor " + spec.name() + ": " + p);
            });
    Duration budget = budget(spec);
    String kind = kind(spec.kind()).orElseThrow().name();
    return new PbxSensor(
        spec,
        clock,
        switch (kind) {
          case "pbx-ping" -> at -> ping(budget, at);
          case "pbx-login" -> at -> login(budget, at);
          case "pbx-core-status" -> at -> coreStatus(budget, at);
          case "pbx-uptime" -> {
            Duration warnBelow = duration(params, "warn-below", Duration.ofMinutes(10));
            yield at -> uptime(budget, warnBelow, at);
          }
          case "active-calls" -> count(budget, params, true);
          case "active-channels" -> count(budget, params, false);
          case "trunk-registration" -> {
            String trunk = params.get("trunk");
            yield at -> trunk(budget, trunk, at);
          }
          case "endpoint-reachability" -> {
            double warn = percent(params, "warn-below", 90);
            double fail = percent(params, "fail-below", 50);
            Integer expected =
                params.containsKey("expected") ? positiveInt(params, "expected") : null;
            yield at -> reachability(budget, warn, fail, expected, at);
          }
          default -> throw new IllegalStateException("no reader for " + kind);
        });
  }

  private SensorReading ping(Duration budget, Instant at) {
    Duration rtt = pbx.ping(budget);
    double ms = rtt.toNanos() / 1e6;
    return SensorReading.ok(
        ms, "ms", String.format(Locale.ROOT, "%s answers in %.1f ms", pbx.where(), ms), at);
  }

  private SensorReading login(Duration budget, Instant at) {
    Duration took = pbx.freshLogin(budget);
    double ms = took.toNanos() / 1e6;
    return SensorReading.ok(
        ms,
        "ms",
        String.format(Locale.ROOT, "a new login at %s took %.1f ms", pbx.where(), ms),
        at);
  }

  private SensorReading coreStatus(Duration budget, Instant at) {
    PbxCore c = pbx.core(budget);
    StringBuilder detail = new StringBuilder(c.version()).append(" up");
    c.uptime().ifPresent(u -> detail.append(" ").append(human(u)));
    c.sinceReload().ifPresent(r -> detail.append(", last reload ").append(human(r)).append(" ago"));
    detail.append(", ").append(calls(c));
    if (!c.acceptingCalls()) {
      detail.append(", refusing new calls");
    }
    return new SensorReading(
        c.acceptingCalls() ? SensorStatus.OK : SensorStatus.WARN,
        c.calls(),
        "calls",
        detail.toString(),
        at);
  }

  private SensorReading uptime(Duration budget, Duration warnBelow, Instant at) {
    PbxCore c = pbx.core(budget);
    if (c.uptime().isEmpty()) {
      return new SensorReading(
          SensorStatus.WARN, Double.NaN, "s", pbx.where() + " does not report its uptime", at);
    }
    Duration up = c.uptime().get();
    boolean recent = up.compareTo(warnBelow) < 0;
    return new SensorReading(
        recent ? SensorStatus.WARN : SensorStatus.OK,
        up.toSeconds(),
        "s",
        c.version() + " up " + human(up) + (recent ? " (restarted recently)" : ""),
        at);
  }

  private java.util.function.Function<Instant, SensorReading> count(
      Duration budget, Map<String, String> params, boolean calls) {
    double warn = number(params, "warn", Double.POSITIVE_INFINITY);
    double fail = number(params, "fail", Double.POSITIVE_INFINITY);
    return at -> {
      PbxCore c = pbx.core(budget);
      int n = calls ? c.calls() : c.channels();
      SensorStatus st =
          n >= fail ? SensorStatus.FAIL : n >= warn ? SensorStatus.WARN : SensorStatus.OK;
      return new SensorReading(st, n, calls ? "calls" : "channels", calls(c), at);
    };
  }

  private SensorReading trunk(Duration budget, String trunk, Instant at) {
    TrunkState state = pbx.trunks(budget).get(trunk);
    if (state == null) {
      return SensorReading.fail(pbx.where() + " has no trunk named " + trunk, at);
    }
    return new SensorReading(
        state.registered() ? SensorStatus.OK : SensorStatus.FAIL,
        state.registered() ? 1 : 0,
        "",
        "trunk " + trunk + ": " + state.state(),
        at);
  }

  private SensorReading reachability(
      Duration budget, double warn, double fail, Integer expected, Instant at) {
    Optional<EndpointCount> count = pbx.endpoints(budget);
    if (count.isEmpty()) {
      return new SensorReading(
          SensorStatus.WARN,
          Double.NaN,
          "%",
          pbx.where() + " cannot tell (res_pjsip is not loaded)",
          at);
    }
    int reachable = count.get().reachable();
    int total = expected != null ? expected : count.get().monitored();
    if (total <= 0) {
      return new SensorReading(
          SensorStatus.WARN, Double.NaN, "%", "no user agents are monitored (enable qualify)", at);
    }
    double pct = Math.min(100.0, 100.0 * reachable / total);
    SensorStatus st =
        pct < fail ? SensorStatus.FAIL : pct < warn ? SensorStatus.WARN : SensorStatus.OK;
    return new SensorReading(
        st,
        pct,
        "%",
        String.format(
            Locale.ROOT, "%d of %d user agents reachable (%.0f%%)", reachable, total, pct),
        at);
  }

  private static String calls(PbxCore c) {
    return c.calls()
        + (c.calls() == 1 ? " call" : " calls")
        + " on "
        + c.channels()
        + (c.channels() == 1 ? " channel" : " channels");
  }

  /** {@code 3 d 4 h}, {@code 2 h 5 min}, {@code 12 min}, {@code 40 s}. */
  static String human(Duration d) {
    long s = d.toSeconds();
    if (s >= 86_400) {
      return s / 86_400 + " d " + (s % 86_400) / 3600 + " h";
    }
    if (s >= 3600) {
      return s / 3600 + " h " + (s % 3600) / 60 + " min";
    }
    if (s >= 60) {
      return s / 60 + " min";
    }
    return s + " s";
  }

  private static double percent(Map<String, String> params, String key, double dflt) {
    double v = number(params, key, dflt);
    if (v < 0 || v > 100) {
      throw new ConfigException(key + ": expected a percentage 0..100, got " + params.get(key));
    }
    return v;
  }

  private static double number(Map<String, String> params, String key, double dflt) {
    String v = params.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Double.parseDouble(v.trim().replace("%", ""));
    } catch (NumberFormatException e) {
      throw new ConfigException(key + ": expected a number, got " + v);
    }
  }

  private static int positiveInt(Map<String, String> params, String key) {
    String v = params.get(key);
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException(key + ": expected a whole number >= 1, got " + v);
    }
  }

  private static Duration duration(Map<String, String> params, String key, Duration dflt) {
    String v = params.get(key);
    if (v == null) {
      return dflt;
    }
    return io.tandem.core.config.Durations.parse(v)
        .orElseThrow(
            () -> new ConfigException(key + ": expected a duration such as 10m, got " + v));
  }
}
