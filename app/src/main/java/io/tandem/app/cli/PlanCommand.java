package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem plan --to <site>}: the dry run of a failover or switchover. */
@Command(
    name = "plan",
    description = "Print the steps a failover (or --switchover) to a site would take; no change.")
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
    System.out.println(
        api.call("GET", (output.json() ? "/api/v1/plan" : "/api/v1/plan.txt") + q, null));
    return ExitCodes.OK;
  }
}
