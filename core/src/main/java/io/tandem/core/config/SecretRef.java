package io.tandem.core.config;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference to a secret kept outside the configuration file: {@code ${env:NAME}} (an environment
 * variable) or {@code ${file:/path}} (a file's content, trailing newline removed). The value is
 * only read at use, by a {@link SecretResolver}.
 *
 * <p>{@link #toString()} prints {@code ****} so that no record holding a reference ever prints
 * where a secret lives; {@link #reference()} gives the reference text for error messages.
 *
 * @param source where the secret lives
 * @param name the variable name or the file path
 */
public record SecretRef(Source source, String name) {

  /** Where a secret lives. */
  public enum Source {
    ENV,
    FILE
  }

  private static final Pattern REF = Pattern.compile("\\$\\{(env|file):([^}]+)}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public SecretRef {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(name, "name");
    if (source == Source.ENV && !ENV_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not an environment variable name: " + name);
    }
    if (name.isBlank()) {
      throw new IllegalArgumentException("empty secret reference");
    }
  }

  public static SecretRef env(String name) {
    return new SecretRef(Source.ENV, name);
  }

  public static SecretRef file(String path) {
    return new SecretRef(Source.FILE, path);
  }

  /** Parses {@code ${env:NAME}} or {@code ${file:/path}}; empty for anything else. */
  public static Optional<SecretRef> parse(String text) {
    Matcher m = REF.matcher(text.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    String name = m.group(2).strip();
    if (m.group(1).equals("env") && !ENV_NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    return Optional.of(new SecretRef(m.group(1).equals("env") ? Source.ENV : Source.FILE, name));
  }

  /** The reference as written, e.g. {@code ${env:PBX_SECRET}}; never the secret itself. */
  public String reference() {
    return "${" + (source == Source.ENV ? "env" : "file") + ":" + name + "}";
  }

  @Override
  public String toString() {
    return "****";
  }
}
