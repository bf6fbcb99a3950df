package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code tandem drill}: switch over to the standby and back, with a report. */
@Command(name = "drill", description = "Run a DR drill: switch over to the standby and back.")
public final class DrillCommand implements Callable<Integer> {

  @Mixin ApiOptions api;
  @Mixin OutputOptions output;

  @Override
  public Integer call() {
    String body = api.call("POST", "/api/v1/commands/drill", "{}");
    if (output.json()) {
      System.out.println(body);
    } else {
      JsonNode r = JsonMapper.shared().readTree(body);
      System.out.println(r.path("message").asString());
    }
    return ExitCodes.OK;
  }
}
