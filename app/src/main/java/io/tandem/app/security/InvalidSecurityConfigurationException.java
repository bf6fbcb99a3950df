package io.tandem.app.security;

import java.util.List;

/** The server refuses to start: credentials are missing or unusable. Names every field. */
public class InvalidSecurityConfigurationException extends RuntimeException {

  private final List<String> problems;

  public InvalidSecurityConfigurationException(List<String> problems) {
    super("refusing to start:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
