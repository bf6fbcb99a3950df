package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code tandem switchover --to <site>}. */
@Command(
    name = "switchover",
    description = "Planned switchover to a site: drain calls, move the service, verify.")
public final class SwitchoverCommand implements Callable<Integer> {

  @Mixin ApiOptions api;
  @Mixin OutputOptions output;

  @Option(names = "--to", required = true, description = "Target site.")
  String target;

  @Override
  public Integer call() {
    String body =
        api.call(
            "POST",
            "/api/v1/commands/switchover",
            JsonMapper.shared().writeValueAsString(java.util.Map.of("target", target)));
    if (output.json()) {
      System.out.println(body);
    } else {
      JsonNode r = JsonMapper.shared().readTree(body);
      System.out.println(
          r.path("message").asString()
              + (r.path("runId").isNull() ? "" : " (run " + r.path("runId").asString() + ")"));
    }
    return ExitCodes.OK;
  }
}
