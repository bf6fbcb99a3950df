package io.tandem.core.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One operator hook ({@code hooks:} in the cluster file): a shell line run with {@code sh -c} on
 * the listed events, with the event's facts in {@code TANDEM_*} environment variables, killed (with
 * its whole process group) after {@code timeout}; its output is kept, bounded, for the log and the
 * run report. Only a {@code switchover} hook can say no (non-zero exit), and only to a planned
 * switchover.
 *
 * @param name unique, for logs and reports
 * @param on the events it runs on
 * @param command the shell line
 * @param timeout how long it may run (default 10 s, at most 5 min)
 */
public record HookConfig(String name, Set<HookEvent> on, String command, Duration timeout) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

  public HookConfig {
    Objects.requireNonNull(name, "name");
    on = java.util.Collections.unmodifiableSet(EnumSet.copyOf(on));
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(timeout, "timeout");
  }

  /** Whether it runs on {@code event}. */
  public boolean runsOn(HookEvent event) {
    return on.contains(event);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates a {@link HookConfig}. */
  public static final class Builder extends ConfigBuilder<HookConfig> {
    private String name;
    private final Set<HookEvent> on = EnumSet.noneOf(HookEvent.class);
    private boolean onGiven;
    private String command;
    private Duration timeout;

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder on(HookEvent v) {
      on.add(Objects.requireNonNull(v));
      onGiven = true;
      return this;
    }

    /** The {@code on} list was written (even if none of its entries was understood). */
    public Builder onGiven() {
      onGiven = true;
      return this;
    }

    public Builder command(String v) {
      command = v;
      return this;
    }

    public Builder timeout(Duration v) {
      timeout = v;
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (v.required(name, "name", "a name for logs and reports")
          && !NAME.matcher(name).matches()) {
        v.add(
            "name", "expected letters, digits, '.', '_' or '-' (at most 63), found '" + name + "'");
      }
      if (!onGiven) {
        v.add("on", "expected a list of events, e.g. [active, fenced, sensor-fail]");
      } else if (on.isEmpty() && onGiven) {
        // entries that were not understood are reported where they are written
      }
      if (v.required(command, "command", "a shell line, run with sh -c") && command.isBlank()) {
        v.add("command", "expected a shell line, found an empty one");
      }
      if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
        v.add("timeout", "expected a positive duration");
      } else if (timeout != null && timeout.compareTo(MAX_TIMEOUT) > 0) {
        v.add("timeout", "expected at most 5m: a hook runs beside the decision loop, not instead");
      }
    }

    @Override
    protected HookConfig create() {
      return new HookConfig(
          name,
          on.isEmpty() ? EnumSet.noneOf(HookEvent.class) : on,
          command,
          timeout != null ? timeout : DEFAULT_TIMEOUT);
    }

    @Override
    protected String what() {
      return "hook";
    }
  }
}
