package io.tandem.onprem.ami;

import io.tandem.core.error.ConfigException;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach one Asterisk's manager interface. Immutable; {@link #toString()} hides the secret.
 *
 * @param host management address of the PBX
 * @param port AMI port (5038 by default)
 * @param username manager.conf user
 * @param secret its secret (from an env var or file; never logged)
 * @param timeout bound for connecting and for each action's answer
 * @param acceptVariable dialplan global that gates new calls ({@code 0} refuses), see
 *     docs/pbx-setup.md
 */
public record AmiSettings(
    String host,
    int port,
    String username,
    String secret,
    Duration timeout,
    String acceptVariable) {

  public static final String DEFAULT_ACCEPT_VARIABLE = "TANDEM_ACCEPT_CALLS";

  public AmiSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(acceptVariable, "acceptVariable");
    if (host.isBlank()) {
      throw new ConfigException("ami: host: must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new ConfigException("ami: port: expected 1..65535, got " + port);
    }
    if (username.isBlank()) {
      throw new ConfigException("ami: username: must not be blank");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException("ami: timeout: must be positive");
    }
  }

  /** Settings with a 3 s timeout and the default accept variable. */
  public static AmiSettings of(String host, int port, String username, String secret) {
    return new AmiSettings(
        host, port, username, secret, Duration.ofSeconds(3), DEFAULT_ACCEPT_VARIABLE);
  }

  public AmiSettings withTimeout(Duration t) {
    return new AmiSettings(host, port, username, secret, t, acceptVariable);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Validating builder; the secret comes from an environment variable or a file. */
  public static final class Builder {
    private String host;
    private int port = 5038;
    private String username;
    private String secret;
    private Duration timeout = Duration.ofSeconds(3);
    private String acceptVariable = DEFAULT_ACCEPT_VARIABLE;

    private Builder() {}

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder username(String username) {
      this.username = username;
      return this;
    }

    /** For tests; prefer {@link #secretFromEnv} or {@link #secretFromFile}. */
    public Builder secret(String secret) {
      this.secret = secret;
      return this;
    }

    public Builder secretFromEnv(String variable) {
      this.secret = SecretSource.env("ami: secret", variable);
      return this;
    }

    public Builder secretFromFile(java.nio.file.Path file) {
      this.secret = SecretSource.file("ami: secret", file);
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder acceptVariable(String acceptVariable) {
      this.acceptVariable = acceptVariable;
      return this;
    }

    public AmiSettings build() {
      if (host == null) {
        throw new ConfigException("ami: host: missing");
      }
      if (username == null) {
        throw new ConfigException("ami: username: missing");
      }
      if (secret == null) {
        throw new ConfigException("ami: secret: missing (use secretFromEnv/File)");
      }
      if (timeout == null) {
        throw new ConfigException("ami: timeout: missing");
      }
      if (acceptVariable == null || !acceptVariable.matches("[A-Za-z0-9_]+")) {
        throw new ConfigException("ami: acceptVariable: expected a dialplan variable name");
      }
      return new AmiSettings(host, port, username, secret, timeout, acceptVariable);
    }
  }

  @Override
  public String toString() {
    return "AmiSettings[" + username + "@" + host + ":" + port + ", secret=***]";
  }
}
