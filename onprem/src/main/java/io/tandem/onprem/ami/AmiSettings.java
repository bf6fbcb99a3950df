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

  @Override
  public String toString() {
    return "AmiSettings[" + username + "@" + host + ":" + port + ", secret=***]";
  }
}
