package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code tandem status}: who is active, the ticket, each site's state and health. */
@Command(name = "status", description = "Show the cluster: active site, ticket, site health.")
public final class StatusCommand implements Callable<Integer> {

  @Mixin ApiOptions api;
  @Mixin OutputOptions output;

  @Override
  public Integer call() {
    String body = api.call("GET", "/api/v1/status", null);
    if (output.json()) {
      System.out.println(body);
      return ExitCodes.OK;
    }
    JsonNode s = JsonMapper.shared().readTree(body);
    System.out.println(render(s));
    return ExitCodes.OK;
  }

  static String render(JsonNode s) {
    StringBuilder out = new StringBuilder();
    out.append("cluster ").append(s.path("cluster").asString());
    if (s.path("lab").asBoolean(false)) {
      out.append(" (simulated lab)");
    }
    out.append('\n');
    JsonNode t = s.path("ticket");
    out.append("active  ")
        .append(s.path("activeSite").isNull() ? "none" : s.path("activeSite").asString());
    if (!t.isMissingNode() && !t.isNull()) {
      out.append("  (ticket epoch ")
          .append(t.path("epoch").asLong())
          .append(" held by ")
          .append(t.path("holder").asString())
          .append(")");
    }
    out.append('\n');
    for (JsonNode site : s.path("sites")) {
      out.append(
          String.format(
              "  %-12s %-8s %-11s %s%n",
              site.path("name").asString(),
              site.path("kind").asString(),
              site.path("state").asString(),
              site.path("healthSummary").asString()));
    }
    for (JsonNode a : s.path("approvals")) {
      String id = a.path("runId").asString();
      out.append(
          String.format(
              "waiting %s at %s: %s  (tandem approve %s | tandem deny %s)%n",
              id, a.path("gate").asString(), a.path("prompt").asString(), id, id));
    }
    return out.toString().stripTrailing();
  }
}
