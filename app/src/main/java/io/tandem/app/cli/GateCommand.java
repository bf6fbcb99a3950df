package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tandem approve <id>} and {@code tandem deny <id>}: answer the gate a run or a move request
 * waits at ({@code policies.approvalGates}; {@code tandem status} lists what waits). A refusal
 * (nothing waits under that id) exits 1 with the agent's words.
 */
abstract class GateCommand implements Callable<Integer> {

  @Mixin ApiOptions api;
  @Mixin OutputOptions output;

  @Parameters(
      index = "0",
      paramLabel = "ID",
      description = "The run or request that waits (see tandem status).")
  String id;

  /** {@code approve} or {@code deny}: the API path's last segment. */
  abstract String verb();

  @Override
  public Integer call() {
    String body = api.call("POST", "/api/v1/commands/runs/" + id + "/" + verb(), "{}");
    if (output.json()) {
      System.out.println(body);
    } else {
      JsonNode r = JsonMapper.shared().readTree(body);
      System.out.println(r.path("message").asString());
    }
    return ExitCodes.OK;
  }

  /** {@code tandem approve <id>}. */
  @Command(
      name = "approve",
      description = "Approve the gate a run or a switchover/failover/failback request waits at.")
  public static final class Approve extends GateCommand {
    @Override
    String verb() {
      return "approve";
    }
  }

  /** {@code tandem deny <id>}. */
  @Command(
      name = "deny",
      description =
          "Deny the gate a run or request waits at: the run ends aborted, the request is dropped.")
  public static final class Deny extends GateCommand {
    @Override
    String verb() {
      return "deny";
    }
  }
}
