package io.tandem.core.config;

import io.tandem.core.error.ConfigException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration has one or more problems. The message lists every problem on its own line ({@code
 * file:line:column: path: expected ...}) so a CLI can print it as is, without a stack trace.
 * Messages never contain secret values.
 */
public final class InvalidConfigException extends ConfigException {

  private final List<ConfigProblem> problems;

  public InvalidConfigException(List<ConfigProblem> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  static InvalidConfigException of(String what, List<Violation> violations) {
    return new InvalidConfigException(
        violations.stream()
            .map(v -> new ConfigProblem("<" + what + ">", 0, 0, v.field(), v.expected()))
            .toList());
  }

  /** Every problem found, in file order. */
  public List<ConfigProblem> problems() {
    return problems;
  }

  private static String message(List<ConfigProblem> problems) {
    if (problems.size() == 1) {
      return "invalid configuration: " + problems.get(0).format();
    }
    return problems.size()
        + " problems in configuration:\n"
        + problems.stream().map(p -> "  " + p.format()).collect(Collectors.joining("\n"));
  }

  /** No stack trace: this is an operator's input error, and the message says everything. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
