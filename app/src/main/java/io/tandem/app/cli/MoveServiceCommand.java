package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What {@code failover} and {@code switchover} share: POST a target site, print the answer. */
abstract class MoveServiceCommand implements Callable<Integer> {

  @Mixin ApiOptions api;
  @Mixin OutputOptions output;

  @Option(names = "--to", required = true, description = "Target site.")
  String target;

  /** The API path of the command. */
  abstract String path();

  @Override
  public Integer call() {
    String body =
        api.call("POST", path(), JsonMapper.shared().writeValueAsString(Map.of("target", target)));
    if (output.json()) {
      System.out.println(body);
    } else {
      JsonNode r = JsonMapper.shared().readTree(body);
      System.out.println(
          r.path("message").asString()
              + (r.path("runId").isNull() || r.path("runId").isMissingNode()
                  ? ""
                  : " (run " + r.path("runId").asString() + ")"));
    }
    return ExitCodes.OK;
  }
}
