package io.tandem.app.agent;

import io.tandem.app.witness.HttpWitness;
import io.tandem.core.config.PbxType;
import io.tandem.core.config.SensorConfig;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.error.ConfigException;
import io.tandem.core.health.ExecutorTaskScheduler;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.Hysteresis;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SiteHealthMonitor;
import io.tandem.core.port.PbxControl;
import io.tandem.onprem.pbx.PbxSensors;
import io.tandem.onprem.pbx.PbxTelemetry;
import io.tandem.onprem.sensor.SensorCatalog;
import io.tandem.onprem.sensor.SensorContext;
import io.tandem.onprem.sip.SipEndpoint;
import io.tandem.onprem.sip.SipOptionsProbe;
import io.tandem.onprem.sip.SipTarget;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The one catalogue of sensor kinds the agent can build, and the builder of a site's {@link
 * SiteHealthMonitor} from its configured sensors:
 *
 * <ul>
 *   <li>host, network and user-check kinds come from onprem's {@link SensorCatalog};
 *   <li>the SIP kinds ({@code sip-options}, {@code sip-options-external}) are built here because
 *       they share this agent's SIP endpoint or its witness;
 *   <li>the PBX kinds ({@code pbx-ping}, {@code pbx-login}, {@code pbx-core-status}, {@code
 *       pbx-uptime}, {@code active-calls}, {@code active-channels}, {@code trunk-registration},
 *       {@code endpoint-reachability}, and the aliases {@code ami-*}/{@code esl-*} that must match
 *       the site's PBX) come from onprem's {@link PbxSensors}, reading through this site's PBX
 *       session, shared with the runbooks.
 * </ul>
 *
 * <p>{@link #kinds()} and {@link #check} are the static catalogue {@code tandem validate} calls:
 * every kind listed builds, every problem the agent would refuse at start is found without touching
 * the network. An unknown kind or parameter is a {@link ConfigException} naming the sensor. {@code
 * docs/sensors.md} lists exactly these kinds (a test keeps them equal).
 *
 * <p>Stateless; thread-safe.
 */
public final class SiteSensors {

  /** SIP kinds built here, with their accepted parameters. */
  static final Map<String, Set<String>> SIP =
      Map.of(
          "sip-options", Set.of("target", "transport"),
          "sip-options-external", Set.of("target", "transport"));

  private SiteSensors() {}

  /** Every sensor kind (and PBX alias) the agent can build, sorted. */
  public static SortedSet<String> kinds() {
    SortedSet<String> all = new TreeSet<>(catalog().kinds());
    all.addAll(SIP.keySet());
    all.addAll(PbxSensors.names());
    return Collections.unmodifiableSortedSet(all);
  }

  /**
   * Checks every sensor of {@code site} as the agent will build it, without touching the network:
   * catalogue kinds are constructed (their constructors do no I/O), SIP and PBX kinds have their
   * parameters checked against the site's PBX type. Returns each problem keyed by its field path
   * ({@code sites[i].sensors[j]...}); empty when the agent would build them all.
   */
  public static Map<String, String> check(SiteConfig site, int siteIndex) {
    SensorCatalog catalog = catalog();
    Map<String, String> problems = new LinkedHashMap<>();
    for (int j = 0; j < site.sensors().size(); j++) {
      SensorConfig s = site.sensors().get(j);
      String path = "sites[" + siteIndex + "].sensors[" + j + "]";
      String kind = s.kind();
      if (SIP.containsKey(kind)) {
        sipProblem(kind, s.params()).ifPresent(p -> problems.put(path + ".params", p));
      } else if (PbxSensors.kind(kind).isPresent()) {
        String product = product(site);
        PbxSensors.problem(kind, s.params(), product)
            .ifPresent(
                p ->
                    problems.put(
                        path
                            + (PbxSensors.productMismatch(kind, product).isPresent()
                                ? ".kind"
                                : ".params"),
                        p));
      } else if (catalog.kind(kind).isEmpty()) {
        problems.put(
            path + ".kind", "expected a sensor kind, one of " + kinds() + ", found '" + kind + "'");
      } else {
        try {
          catalog.create(s.toSpec(), s.params());
        } catch (ConfigException e) {
          problems.put(path + ".params", e.getMessage());
        }
      }
    }
    return problems;
  }

  private static Optional<String> sipProblem(String kind, Map<String, String> params) {
    for (String p : params.keySet()) {
      if (!SIP.get(kind).contains(p)) {
        return Optional.of(
            "unknown parameter '"
                + p
                + "' of a "
                + kind
                + " sensor, expected one of "
                + new TreeSet<>(SIP.get(kind)));
      }
    }
    if (kind.equals("sip-options-external") && !params.containsKey("target")) {
      return Optional.of(
          "a sip-options-external sensor needs parameter 'target' (the site's public host:port)");
    }
    return Optional.empty();
  }

  /**
   * @param sip the agent's SIP endpoint, opened on first use (OPTIONS probes)
   * @param pbx this site's PBX control (AMI or ESL), shared with the runbooks; PBX sensors read
   *     through it, so it must also be a {@link PbxTelemetry}
   * @param pbxSecretForSensors unused since the PBX sensors read through {@code pbx}'s own session
   *     (kept for the caller's signature)
   * @param scheduler times the readings; owned (and closed) by the caller
   * @param readers runs the readings; owned (and shut down) by the caller
   * @param extra sensors built by the agent itself rather than configured (e.g. sync freshness)
   * @throws ConfigException naming the sensor when a kind or parameter is wrong
   */
  static SiteHealthMonitor monitor(
      SiteConfig site,
      io.tandem.core.config.Policies policies,
      Supplier<SipEndpoint> sip,
      PbxControl pbx,
      String pbxSecretForSensors,
      Clock clock,
      LongSupplier nanos,
      ExecutorTaskScheduler scheduler,
      Executor readers,
      Optional<HttpWitness> vantage,
      String cluster,
      List<HealthSensor> extra) {
    SensorCatalog catalog = catalog();
    SiteHealthMonitor.Builder b =
        SiteHealthMonitor.builder()
            .site(site.name())
            .clock(clock)
            .scheduler(scheduler)
            .readers(readers)
            .minimumHealthPercent(policies.minimumHealthPercent())
            .warningHealthPercent(policies.warningHealthPercent());
    PbxSensors pbxSensors = null;
    for (SensorConfig s : site.sensors()) {
      String kind = s.kind();
      SensorSpec spec = s.toSpec();
      HealthSensor sensor;
      if (SIP.containsKey(kind)) {
        sipProblem(kind, s.params())
            .ifPresent(
                p -> {
                  throw new ConfigException("sensor " + s.name() + ": " + p);
                });
        sensor =
            new Named(
                spec,
                kind.equals("sip-options-external")
                    ? external(spec, s.params(), vantage, cluster, clock)
                    : sipOptions(site, spec, s.params(), sip));
      } else if (PbxSensors.kind(kind).isPresent()) {
        if (pbxSensors == null) {
          pbxSensors = new PbxSensors(telemetry(pbx, s.name()), clock);
        }
        sensor = pbxSensors.create(spec, s.params());
      } else {
        sensor = catalog.create(spec, s.params());
      }
      b.sensor(sensor, s.hysteresis());
    }
    extra.forEach(sensor -> b.sensor(sensor, new Hysteresis(1, 1)));
    return b.build();
  }

  private static SensorCatalog catalog() {
    return SensorCatalog.builtIn(SensorContext.system());
  }

  private static String product(SiteConfig site) {
    return site.pbx().type() == PbxType.ASTERISK ? "Asterisk" : "FreeSWITCH";
  }

  private static PbxTelemetry telemetry(PbxControl pbx, String sensor) {
    if (pbx instanceof PbxTelemetry t) {
      return t;
    }
    throw new ConfigException(
        "sensor "
            + sensor
            + ": this site's PBX control ("
            + pbx.getClass().getSimpleName()
            + ") cannot be read by PBX sensors");
  }

  private static HealthSensor sipOptions(
      SiteConfig site, SensorSpec spec, Map<String, String> params, Supplier<SipEndpoint> sip) {
    String target = params.getOrDefault("target", "sip:" + site.pbx().host() + ":5060");
    String hostPort = target.startsWith("sip:") ? target.substring(4) : target;
    return SipOptionsProbe.of(
        spec,
        sip.get(),
        SipTarget.parse(
            "sensor " + spec.name() + ".target",
            hostPort,
            params.getOrDefault("transport", "udp")));
  }

  private static HealthSensor external(
      SensorSpec spec,
      Map<String, String> params,
      Optional<HttpWitness> vantage,
      String cluster,
      Clock clock) {
    String target = params.get("target");
    if (target == null) {
      throw new ConfigException(
          "sensor "
              + spec.name()
              + ": parameter 'target' (the site's public host:port) is required");
    }
    var witness =
        vantage.orElseThrow(
            () ->
                new ConfigException(
                    "sensor "
                        + spec.name()
                        + ": sip-options-external is sent by the built-in witness; set witness.kind"
                        + " to builtin or use a sip-options sensor"));
    String hostPort = target.startsWith("sip:") ? target.substring(4) : target;
    return new WitnessVantageProbe(
        spec, witness, cluster, hostPort, params.getOrDefault("transport", "udp"), clock);
  }

  /** An adapter's sensor under the name, weight and schedule the configuration gives it. */
  private record Named(SensorSpec spec, HealthSensor inner) implements HealthSensor {
    @Override
    public SensorReading read() {
      return inner.read();
    }
  }
}
