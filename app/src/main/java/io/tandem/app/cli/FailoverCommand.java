package io.tandem.app.cli;

import picocli.CommandLine.Command;

/** {@code tandem failover --to <site>}: now, without draining. */
@Command(
    name = "failover",
    description = "Fail over now to a site, without draining (the old site is presumed lost).")
public final class FailoverCommand extends MoveServiceCommand {

  @Override
  String path() {
    return "/api/v1/commands/failover";
  }
}
