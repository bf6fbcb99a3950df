package io.tandem.onprem.pbx;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a secret from an environment variable or a file for the PBX settings builders. Errors name
 * the field and the variable or file, never the value.
 */
public final class SecretSource {

  private SecretSource() {}

  /** The value of {@code variable}; {@code field} names the setting in the error. */
  public static String env(String field, String variable) {
    String value = System.getenv(variable);
    if (value == null || value.isEmpty()) {
      throw new ConfigException(field + ": environment variable " + variable + " is not set");
    }
    return value;
  }

  /** The file's content without the trailing newline. */
  public static String file(String field, Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new ConfigException(field + ": cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
