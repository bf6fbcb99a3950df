package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.app.api.ClusterRuntime;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tandem force-acquire --site <site> --acknowledge "<sentence>"}: a forced acquire (role
 * admin), as {@code POST /api/v1/commands/force-acquire}. The sentence must be typed out, as
 * booth's {@code grant -F} and Pacemaker's {@code --force} ask for a deliberate act: the agent
 * refuses anything else (exit 1), and a missing {@code --acknowledge} is a usage error (exit 2).
 * Send it to the agent of the site that should take over.
 */
@Command(
    name = "force-acquire",
    description =
        "Forced acquire (admin): this site takes the ticket without waiting for the holder's"
            + " expiry; the witness still grants only once the old ticket lapsed or was released."
            + " Needs --acknowledge \""
            + ClusterRuntime.FORCE_ACKNOWLEDGEMENT
            + "\".")
public final class ForceAcquireCommand implements Callable<Integer> {

  @Mixin ApiOptions api;
  @Mixin OutputOptions output;

  @Option(names = "--site", required = true, description = "The site that takes the ticket.")
  String site;

  @Option(
      names = "--acknowledge",
      required = true,
      description = "The exact sentence: \"" + ClusterRuntime.FORCE_ACKNOWLEDGEMENT + "\".")
  String acknowledgement;

  @Override
  public Integer call() {
    String body =
        api.call(
            "POST",
            "/api/v1/commands/force-acquire",
            JsonMapper.shared()
                .writeValueAsString(Map.of("site", site, "acknowledgement", acknowledgement)));
    if (output.json()) {
      System.out.println(body);
    } else {
      JsonNode r = JsonMapper.shared().readTree(body);
      System.out.println(r.path("message").asString());
    }
    return ExitCodes.OK;
  }
}
