package io.tandem.app.agent;

import io.tandem.core.config.PbxType;
import io.tandem.core.config.SensorConfig;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.error.ConfigException;
import io.tandem.core.health.ExecutorTaskScheduler;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SiteHealthMonitor;
import io.tandem.core.port.PbxControl;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSensors;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.onprem.esl.EslPbxControl;
import io.tandem.onprem.esl.EslSensors;
import io.tandem.onprem.esl.EslSettings;
import io.tandem.onprem.sensor.SensorCatalog;
import io.tandem.onprem.sensor.SensorContext;
import io.tandem.onprem.sip.SipEndpoint;
import io.tandem.onprem.sip.SipOptionsProbe;
import io.tandem.onprem.sip.SipTarget;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Builds one site's {@link SiteHealthMonitor} from its configured sensors: host and user-check
 * kinds come from onprem's {@link SensorCatalog}; the telephony kinds ({@code sip-options}, {@code
 * ami-ping}/{@code esl-ping}, {@code trunk-registration}, {@code active-channels}) are built here
 * from the SIP, AMI and ESL adapters, because they share this agent's SIP endpoint and PBX
 * connection ({@code pbx-ping} is either, by the site's PBX type). An unknown kind or parameter is
 * a {@link ConfigException} naming the sensor; {@link #check} finds the same problems for {@code
 * tandem validate}.
 *
 * <p>Not thread-safe; used once while assembling the agent.
 */
final class SiteSensors {

  /** Telephony kinds built here, with their accepted parameters. */
  static final Map<String, Set<String>> TELEPHONY =
      Map.of(
          "sip-options", Set.of("target", "transport"),
          "sip-options-external", Set.of("target", "transport"),
          "ami-ping", Set.of(),
          "esl-ping", Set.of(),
          "pbx-ping", Set.of(),
          "trunk-registration", Set.of("trunk"),
          "active-channels", Set.of());

  private SiteSensors() {}

  /**
   * @param sip the agent's SIP endpoint, opened on first use (OPTIONS probes)
   * @param pbx this site's PBX control (AMI or ESL), shared with the runbooks
   * @param scheduler times the readings; owned (and closed) by the caller
   * @param readers runs the readings; owned (and shut down) by the caller
   * @throws ConfigException naming the sensor when a kind or parameter is wrong
   */
  static SiteHealthMonitor monitor(
      SiteConfig site,
      int minimumHealthPercent,
      Supplier<SipEndpoint> sip,
      PbxControl pbx,
      String pbxSecretForSensors,
      Clock clock,
      java.util.function.LongSupplier nanos,
      ExecutorTaskScheduler scheduler,
      Executor readers,
      java.util.Optional<io.tandem.app.witness.HttpWitness> vantage,
      String cluster,
      java.util.List<HealthSensor> extra) {
    SensorCatalog catalog = SensorCatalog.builtIn(SensorContext.system());
    SiteHealthMonitor.Builder b =
        SiteHealthMonitor.builder()
            .site(site.name())
            .clock(clock)
            .scheduler(scheduler)
            .readers(readers)
            .minimumHealthPercent(minimumHealthPercent);
    for (SensorConfig s : site.sensors()) {
      String kind = s.kind();
      SensorSpec spec =
          new SensorSpec(s.name(), kind, s.critical(), s.weight(), s.interval(), s.timeout());
      HealthSensor sensor =
          TELEPHONY.containsKey(kind)
              ? new Named(
                  spec,
                  kind.equals("sip-options-external")
                      ? external(spec, s.params(), vantage, cluster, clock)
                      : telephony(
                          site, spec, s.params(), sip, pbx, pbxSecretForSensors, clock, nanos))
              : catalog.create(spec, s.params());
      b.sensor(sensor, s.hysteresis());
    }
    extra.forEach(sensor -> b.sensor(sensor, new io.tandem.core.health.Hysteresis(1, 1)));
    return b.build();
  }

  /**
   * Checks every sensor of {@code site} as the agent will build it, without touching the network:
   * catalog kinds are constructed (their constructors do no I/O), telephony kinds have their
   * parameters checked. Returns each problem keyed by its field path ({@code sites[i].sensors[j]}).
   */
  static Map<String, String> check(SiteConfig site, int siteIndex) {
    SensorCatalog catalog = SensorCatalog.builtIn(SensorContext.system());
    Map<String, String> problems = new java.util.LinkedHashMap<>();
    for (int j = 0; j < site.sensors().size(); j++) {
      SensorConfig s = site.sensors().get(j);
      String path = "sites[" + siteIndex + "].sensors[" + j + "]";
      String kind = s.kind();
      Set<String> telephony = TELEPHONY.get(kind);
      if (telephony != null) {
        s.params().keySet().stream()
            .filter(p -> !telephony.contains(p))
            .findFirst()
            .ifPresent(
                p ->
                    problems.put(
                        path + ".params." + p,
                        "unknown parameter of a "
                            + kind
                            + " sensor, expected one of "
                            + telephony));
        if (kind.equals("sip-options-external") && !s.params().containsKey("target")) {
          problems.put(
              path + ".params",
              "a sip-options-external sensor needs parameter 'target' (the site's public"
                  + " host:port)");
        }
        if (kind.equals("trunk-registration") && !s.params().containsKey("trunk")) {
          problems.put(path + ".params", "a trunk-registration sensor needs parameter 'trunk'");
        }
        continue;
      }
      if (catalog.kind(kind).isEmpty()) {
        java.util.Set<String> known = new java.util.TreeSet<>(catalog.kinds());
        known.addAll(TELEPHONY.keySet());
        problems.put(
            path + ".kind",
            "expected a sensor kind, one of " + known + ", found '" + s.kind() + "'");
        continue;
      }
      try {
        catalog.create(
            new SensorSpec(s.name(), kind, s.critical(), s.weight(), s.interval(), s.timeout()),
            s.params());
      } catch (ConfigException e) {
        problems.put(path + ".params", e.getMessage());
      }
    }
    return problems;
  }

  private static HealthSensor telephony(
      SiteConfig site,
      SensorSpec spec,
      Map<String, String> params,
      Supplier<SipEndpoint> sip,
      PbxControl pbx,
      String secret,
      Clock clock,
      java.util.function.LongSupplier nanos) {
    for (String p : params.keySet()) {
      if (!TELEPHONY.get(spec.kind()).contains(p)) {
        throw new ConfigException(
            "sensor "
                + spec.name()
                + ": unknown parameter '"
                + p
                + "', expected one of "
                + TELEPHONY.get(spec.kind()));
      }
    }
    boolean asterisk = site.pbx().type() == PbxType.ASTERISK;
    return switch (spec.kind()) {
      case "sip-options" -> {
        String target = params.getOrDefault("target", "sip:" + site.pbx().host() + ":5060");
        String hostPort = target.startsWith("sip:") ? target.substring(4) : target;
        yield SipOptionsProbe.of(
            spec,
            sip.get(),
            SipTarget.parse(
                "sensor " + spec.name() + ".target",
                hostPort,
                params.getOrDefault("transport", "udp")));
      }
      case "ami-ping", "esl-ping", "pbx-ping" ->
          asterisk
              ? ami(site, pbx, secret, clock, nanos).login()
              : esl(site, pbx, secret, clock, nanos).login();
      case "trunk-registration" -> {
        String trunk = params.get("trunk");
        if (trunk == null) {
          throw new ConfigException("sensor " + spec.name() + ": parameter 'trunk' is required");
        }
        yield asterisk
            ? ami(site, pbx, secret, clock, nanos).trunkRegistration(trunk)
            : esl(site, pbx, secret, clock, nanos).trunkRegistration(trunk);
      }
      case "active-channels" ->
          asterisk
              ? ami(site, pbx, secret, clock, nanos).activeChannels()
              : esl(site, pbx, secret, clock, nanos).activeChannels();
      default -> throw new IllegalStateException("not a telephony kind: " + spec.kind());
    };
  }

  private static HealthSensor external(
      SensorSpec spec,
      Map<String, String> params,
      java.util.Optional<io.tandem.app.witness.HttpWitness> vantage,
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
    public io.tandem.core.health.SensorReading read() {
      return inner.read();
    }
  }

  private static AmiSensors ami(
      SiteConfig site,
      PbxControl pbx,
      String secret,
      Clock clock,
      java.util.function.LongSupplier nanos) {
    return new AmiSensors(
        (AmiPbxControl) pbx,
        AmiSettings.of(
            site.pbx().host(), site.pbx().port(), site.pbx().user().orElse("tandem"), secret),
        clock,
        nanos);
  }

  private static EslSensors esl(
      SiteConfig site,
      PbxControl pbx,
      String secret,
      Clock clock,
      java.util.function.LongSupplier nanos) {
    return new EslSensors(
        (EslPbxControl) pbx,
        EslSettings.of(site.pbx().host(), site.pbx().port(), secret),
        clock,
        nanos);
  }
}
