package io.tandem.app.cli;

import picocli.CommandLine.Command;

/** {@code tandem switchover --to <site>}: planned, drains calls first. */
@Command(
    name = "switchover",
    description = "Planned switchover to a site: drain calls, move the service, verify.")
public final class SwitchoverCommand extends MoveServiceCommand {

  @Override
  String path() {
    return "/api/v1/commands/switchover";
  }
}
