package io.tandem.onprem.sensor;

import io.tandem.core.error.TransientException;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import io.tandem.onprem.vip.HostCommand;
import io.tandem.onprem.vip.HostCommand.CommandResult;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Kind {@code command}: a user-defined check. Runs the command (through {@code sh -c}, since an
 * operator writes it as a shell line) with the sensor's timeout and judges its exit code: by
 * default 0 is OK and anything else FAIL; with the {@code nagios} convention 0 OK, 1 WARN, other
 * FAIL, so existing Nagios/Icinga plugins work unchanged. Optionally the output must match a
 * regular expression. Value: exit code. The first line of output becomes the detail.
 */
public final class CommandSensor extends BaseSensor {

  /** How exit codes map to verdicts. */
  public enum Convention {
    EXIT_ZERO,
    NAGIOS
  }

  private final HostCommand host;
  private final String command;
  private final Convention convention;
  private final Optional<Pattern> expectOutput;

  public CommandSensor(
      SensorSpec spec,
      SensorContext context,
      HostCommand host,
      String command,
      Convention convention,
      Optional<Pattern> expectOutput) {
    super(spec, context);
    this.host = host;
    this.command = command;
    this.convention = convention;
    this.expectOutput = expectOutput;
  }

  @Override
  protected SensorReading measure() {
    CommandResult r;
    try {
      r = host.run(List.of("sh", "-c", command), spec.timeout());
    } catch (TransientException e) {
      return reading(SensorStatus.TIMEOUT, Double.NaN, "exit", e.getMessage());
    }
    String firstLine = r.stdout().strip().lines().findFirst().orElse(r.stderr().strip());
    SensorStatus status =
        switch (r.exitCode()) {
          case 0 -> SensorStatus.OK;
          case 1 -> convention == Convention.NAGIOS ? SensorStatus.WARN : SensorStatus.FAIL;
          default -> SensorStatus.FAIL;
        };
    if (status.good()
        && expectOutput.isPresent()
        && !expectOutput.get().matcher(r.stdout()).find()) {
      return reading(
          SensorStatus.FAIL,
          r.exitCode(),
          "exit",
          "output does not match /" + expectOutput.get() + "/: " + firstLine);
    }
    return reading(status, r.exitCode(), "exit", "exit " + r.exitCode() + ": " + firstLine);
  }
}
