package io.tandem.onprem.esl;

import io.tandem.core.error.ConfigException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach one FreeSWITCH event socket (inbound mode). Immutable; {@link #toString()} hides the
 * password.
 *
 * @param host management address of the PBX
 * @param port event socket port (8021 by default)
 * @param password {@code event_socket.conf.xml} password (from an env var or file; never logged)
 * @param timeout bound for connecting and for each answer
 * @param profile the Sofia profile holding the trunks' gateways (e.g. {@code external})
 * @param user a directory user ({@code tandem@default}) to log in with {@code userauth}, whose
 *     {@code esl-allowed-api} limits the commands; empty for the global {@code auth} password
 */
public record EslSettings(
    String host,
    int port,
    String password,
    Duration timeout,
    String profile,
    Optional<String> user) {

  public EslSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(user, "user");
    if (host.isBlank()) {
      throw new ConfigException("esl: host: must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new ConfigException("esl: port: expected 1..65535, got " + port);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException("esl: timeout: must be positive");
    }
    if (!profile.matches("[A-Za-z0-9_.-]+")) {
      throw new ConfigException("esl: profile: expected a Sofia profile name, got " + profile);
    }
    if (user.isPresent() && !user.get().matches("[A-Za-z0-9_.+-]+@[A-Za-z0-9_.-]+")) {
      throw new ConfigException("esl: user: expected user@domain, got " + user.get());
    }
  }

  /** Settings with a 3 s timeout and the {@code external} profile. */
  public static EslSettings of(String host, int port, String password) {
    return new EslSettings(
        host, port, password, Duration.ofSeconds(3), "external", Optional.empty());
  }

  public EslSettings withTimeout(Duration t) {
    return new EslSettings(host, port, password, t, profile, user);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Validating builder; the password comes from an environment variable or a file. */
  public static final class Builder {
    private String host;
    private int port = 8021;
    private String password;
    private Duration timeout = Duration.ofSeconds(3);
    private String profile = "external";
    private String user;

    private Builder() {}

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** For tests; prefer {@link #passwordFromEnv} or {@link #passwordFromFile}. */
    public Builder password(String password) {
      this.password = password;
      return this;
    }

    public Builder passwordFromEnv(String variable) {
      this.password = io.tandem.onprem.ami.SecretSource.env("esl: password", variable);
      return this;
    }

    public Builder passwordFromFile(java.nio.file.Path file) {
      this.password = io.tandem.onprem.ami.SecretSource.file("esl: password", file);
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** Log in as a directory user ({@code userauth}) instead of with the global password. */
    public Builder user(String user) {
      this.user = user;
      return this;
    }

    public Builder profile(String profile) {
      this.profile = profile;
      return this;
    }

    public EslSettings build() {
      if (host == null) {
        throw new ConfigException("esl: host: missing");
      }
      if (password == null) {
        throw new ConfigException("esl: password: missing (use passwordFromEnv/File)");
      }
      if (timeout == null) {
        throw new ConfigException("esl: timeout: missing");
      }
      if (profile == null) {
        throw new ConfigException("esl: profile: missing");
      }
      return new EslSettings(host, port, password, timeout, profile, Optional.ofNullable(user));
    }
  }

  @Override
  public String toString() {
    return "EslSettings["
        + user.map(u -> u + " at ").orElse("")
        + host
        + ":"
        + port
        + ", profile="
        + profile
        + ", password=***]";
  }
}
