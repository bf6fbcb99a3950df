package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tandem plan --to <site>}: the dry run of a failover or switchover, then the target's
 * readiness (agent, health, PBX, machine, sync) and what would block the move. Works against any
 * agent. Exit 0 when nothing blocks the move, 1 when something would, 2 for a site the cluster does
 * not name.
 */
@Command(
    name = "plan",
    description = {
      "Print the steps a failover (or --switchover) to a site would take, then the target's"
          + " readiness and what would block the move; changes nothing.",
      "Exit codes: 0 nothing blocks the move, 1 something would block it, 2 unknown site."
    })
public final class PlanCommand implements Callable<Integer> {

  @Mixin ApiOptions api;
  @Mixin OutputOptions output;

  @Option(names = "--to", required = true, description = "Target site.")
  String target;

  @Option(names = "--switchover", description = "Plan a planned switchover (with call drain).")
  boolean switchover;

  @Override
  public Integer call() {
    String q =
        "?target="
            + URLEncoder.encode(target, StandardCharsets.UTF_8)
            + "&switchover="
            + switchover;
    String body = api.call("GET", (output.json() ? "/api/v1/plan" : "/api/v1/plan.txt") + q, null);
    System.out.println(body);
    boolean blocked =
        output.json()
            ? !JsonMapper.shared().readTree(body).path("readiness").path("ready").asBoolean(true)
            : body.contains("\nBLOCKED: ");
    return blocked ? ExitCodes.REFUSED : ExitCodes.OK;
  }
}
