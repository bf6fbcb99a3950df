package io.tandem.onprem.sensor;

import io.tandem.core.error.TransientException;
import io.tandem.onprem.vip.HostCommand;
import io.tandem.onprem.vip.HostCommand.CommandResult;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Controller kind {@code command}: runs a shell line; exit 0 means done. */
public final class CommandController implements Controller {

  private final String name;
  private final HostCommand host;
  private final String command;
  private final Duration timeout;
  private final Clock clock;

  public CommandController(
      String name, HostCommand host, String command, Duration timeout, Clock clock) {
    this.name = name;
    this.host = host;
    this.command = command;
    this.timeout = timeout;
    this.clock = clock;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Result act() {
    try {
      CommandResult r = host.run(List.of("sh", "-c", command), timeout);
      String out = r.stdout().strip().lines().findFirst().orElse(r.stderr().strip());
      return new Result(
          r.ok(), "exit " + r.exitCode() + (out.isEmpty() ? "" : ": " + out), clock.instant());
    } catch (TransientException e) {
      return new Result(false, e.getMessage(), clock.instant());
    }
  }
}
