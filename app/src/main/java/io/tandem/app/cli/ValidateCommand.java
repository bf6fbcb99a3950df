package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.app.agent.ConfigValidation;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigProblem;
import io.tandem.core.config.DnsRecordConfig;
import io.tandem.core.config.SafeText;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.config.Timings;
import io.tandem.core.config.TrunkConfig;
import io.tandem.core.config.WitnessConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tandem validate <config.yaml>}: the problems as {@code file:line:column: field: expected
 * ...} (the first {@value #MAX_SHOWN}, then how many more) and exit 2, or a one-paragraph summary
 * and exit 0. {@code --resolve-secrets} also reads every secret reference (values are never
 * printed).
 */
@Command(
    name = "validate",
    description = "Validate a cluster configuration file (exit 0 valid, 2 invalid).")
public final class ValidateCommand implements Callable<Integer> {

  /** Problems printed at most; the rest are counted (a broken generator can make thousands). */
  static final int MAX_SHOWN = 100;

  @Parameters(index = "0", paramLabel = "CONFIG", description = "The cluster YAML file.")
  Path file;

  @Option(
      names = "--resolve-secrets",
      description =
          "Also read every $${env:...} and $${file:...} secret reference now (as the agent would).")
  boolean resolveSecrets;

  @Option(
      names = "--site",
      description =
          "With --resolve-secrets: check only what this site's agent resolves (its own PBX, cloud"
              + " and witness secrets, and the shared DNS/trunk/notification secrets).")
  String site;

  @Mixin OutputOptions output;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Path base = file.toAbsolutePath().getParent();
    ConfigValidation.Result r =
        new ConfigValidation()
            .validate(
                file,
                resolveSecrets ? Optional.of(SecretResolver.system(base)) : Optional.empty(),
                Optional.ofNullable(site));
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("file", file.toString());
      json.put("valid", r.valid());
      json.put("warnings", r.warnings().stream().map(ValidateCommand::problemJson).toList());
      if (r.valid()) {
        json.put("summary", summaryJson(r.config().orElseThrow()));
      } else {
        json.put(
            "problems",
            r.problems().stream().limit(MAX_SHOWN).map(ValidateCommand::problemJson).toList());
        json.put("moreProblems", Math.max(0, r.problems().size() - MAX_SHOWN));
      }
      out.println(JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(json));
    } else if (r.valid()) {
      r.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w.format()));
      // the summary repeats free text from the file (regions, names): escape what could mislead
      out.println(file + ": valid. " + SafeText.escape(summary(r.config().orElseThrow())));
    } else {
      PrintWriter err = spec.commandLine().getErr();
      r.problems().stream().limit(MAX_SHOWN).forEach(p -> err.println(p.format()));
      if (r.problems().size() > MAX_SHOWN) {
        err.println("... and " + (r.problems().size() - MAX_SHOWN) + " more problems");
      }
      r.warnings().forEach(w -> err.println("warning: " + w.format()));
      err.println(
          file
              + ": invalid ("
              + r.problems().size()
              + (r.problems().size() == 1 ? " problem)" : " problems)"));
    }
    out.flush();
    spec.commandLine().getErr().flush();
    return r.valid() ? ExitCodes.OK : ExitCodes.INVALID;
  }

  private static Map<String, Object> problemJson(ConfigProblem p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("file", p.file());
    m.put("line", p.line());
    m.put("column", p.column());
    m.put("field", p.path());
    m.put("expected", p.expected());
    m.put("text", p.format());
    return m;
  }

  /** One paragraph: sites, witness, DNS records, trunks, timings. */
  static String summary(ClusterConfig c) {
    StringBuilder b = new StringBuilder();
    b.append("Cluster ")
        .append(c.name())
        .append(" has ")
        .append(c.sites().size())
        .append(" sites (");
    b.append(
        c.sitesByPreference().stream()
            .map(
                s ->
                    s.name()
                        + ": "
                        + s.kind()
                        + s.region().map(r -> " in " + r).orElse("")
                        + ", priority "
                        + s.priority()
                        + ", "
                        + s.pbx().type()
                        + ", "
                        + s.sensors().size()
                        + " sensors")
            .collect(Collectors.joining("; ")));
    b.append("); witness ").append(witness(c.witness())).append("; ");
    b.append(c.dns().size()).append(" DNS records");
    if (!c.dns().isEmpty()) {
      b.append(" (")
          .append(
              c.dns().stream()
                  .map(d -> d.name() + " " + d.type() + " via " + d.provider())
                  .collect(Collectors.joining(", ")))
          .append(")");
    }
    b.append("; ").append(c.trunks().size()).append(" trunks");
    if (!c.trunks().isEmpty()) {
      b.append(" (")
          .append(c.trunks().stream().map(TrunkConfig::name).collect(Collectors.joining(", ")))
          .append(")");
    }
    Timings t = c.timings();
    b.append("; timings: tick ")
        .append(secs(t.tick()))
        .append(", ticket TTL ")
        .append(secs(t.ticketTtl()))
        .append(", renew every ")
        .append(secs(t.renewInterval()))
        .append(", witness grace ")
        .append(secs(t.witnessGrace()))
        .append(", retry timeout ")
        .append(secs(t.retryTimeout()))
        .append(".");
    return b.toString();
  }

  private static Map<String, Object> summaryJson(ClusterConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cluster", c.name());
    m.put(
        "sites",
        c.sitesByPreference().stream()
            .map(
                s -> {
                  Map<String, Object> site = new LinkedHashMap<>();
                  site.put("name", s.name());
                  site.put("kind", s.kind().toString());
                  site.put("region", s.region().orElse(null));
                  site.put("priority", s.priority());
                  site.put("pbx", s.pbx().type().toString());
                  site.put("managementAddress", s.managementAddress());
                  site.put("sensors", s.sensors().size());
                  site.put("serviceAddresses", addressNames(s));
                  return site;
                })
            .toList());
    m.put("witness", witness(c.witness()));
    m.put(
        "dns",
        c.dns().stream()
            .map(
                d -> Map.of("name", d.name(), "type", d.type().toString(), "provider", provider(d)))
            .toList());
    m.put("trunks", c.trunks().stream().map(TrunkConfig::name).toList());
    Timings t = c.timings();
    Map<String, Object> timings = new LinkedHashMap<>();
    timings.put("tick", t.tick().toString());
    timings.put("ticketTtl", t.ticketTtl().toString());
    timings.put("renewInterval", t.renewInterval().toString());
    timings.put("witnessGrace", t.witnessGrace().toString());
    timings.put("driftMargin", t.driftMargin().toString());
    timings.put("retryTimeout", t.retryTimeout().toString());
    m.put("timings", timings);
    return m;
  }

  private static List<String> addressNames(SiteConfig s) {
    return s.serviceAddresses().stream().map(a -> a.name() + " (" + a.kind() + ")").toList();
  }

  private static String provider(DnsRecordConfig d) {
    return d.provider().toString();
  }

  private static String witness(WitnessConfig w) {
    return switch (w) {
      case WitnessConfig.Builtin b -> "builtin at " + String.join(", ", b.endpoints());
      case WitnessConfig.Etcd e -> "etcd at " + String.join(", ", e.endpoints());
      case WitnessConfig.DynamoDb d ->
          "dynamodb table " + d.table() + d.aws().region().map(r -> " in " + r).orElse("");
      case WitnessConfig.AzureBlob a ->
          "azure-blob " + a.endpoint() + "/" + a.container() + "/" + a.blob();
    };
  }

  private static String secs(java.time.Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
