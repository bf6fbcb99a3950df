package io.tandem.core.config;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Resolves {@link SecretRef}s at the moment a secret is used, so that a rotated file or variable is
 * picked up on the next use and no plaintext sits in the configuration objects.
 *
 * <p>Thread-safe (it holds no mutable state). Errors name the reference, never a value.
 */
public final class SecretResolver {

  private final Function<String, String> environment;
  private final Path baseDirectory;

  /**
   * @param environment looks up an environment variable (null when unset); tests pass a map
   * @param baseDirectory relative {@code ${file:...}} paths are resolved against it (usually the
   *     directory of the configuration file)
   */
  public SecretResolver(Function<String, String> environment, Path baseDirectory) {
    this.environment = Objects.requireNonNull(environment, "environment");
    this.baseDirectory = Objects.requireNonNull(baseDirectory, "baseDirectory");
  }

  /** Resolves against {@code env} and the current directory. */
  public static SecretResolver of(Map<String, String> env) {
    Map<String, String> copy = Map.copyOf(env);
    return new SecretResolver(copy::get, Path.of(""));
  }

  /** Resolves against the process environment. */
  public static SecretResolver system(Path baseDirectory) {
    return new SecretResolver(System::getenv, baseDirectory);
  }

  /**
   * Reads the secret now.
   *
   * @throws ConfigException if the variable is unset or empty, or the file cannot be read; the
   *     message names the reference only
   */
  public Secret resolve(SecretRef ref) {
    Objects.requireNonNull(ref, "ref");
    return switch (ref.source()) {
      case ENV -> {
        String v = environment.apply(ref.name());
        if (v == null || v.isEmpty()) {
          throw new ConfigException(
              "secret " + ref.reference() + ": environment variable " + ref.name() + " is not set");
        }
        yield new Secret(v);
      }
      case FILE -> {
        Path p = baseDirectory.resolve(ref.name());
        try {
          String v = Files.readString(p, StandardCharsets.UTF_8).stripTrailing();
          if (v.isEmpty()) {
            throw new ConfigException("secret " + ref.reference() + ": file " + p + " is empty");
          }
          yield new Secret(v);
        } catch (NoSuchFileException e) {
          throw new ConfigException("secret " + ref.reference() + ": file " + p + " not found");
        } catch (IOException | SecurityException e) {
          // The exception's own message names the path only; keep the cause out of the message.
          throw new ConfigException(
              "secret "
                  + ref.reference()
                  + ": file "
                  + p
                  + " cannot be read ("
                  + e.getClass().getSimpleName()
                  + ")");
        }
      }
    };
  }
}
