package io.tandem.onprem.esl;

import io.tandem.core.error.ConfigException;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach one FreeSWITCH event socket (inbound mode). Immutable; {@link #toString()} hides the
 * password.
 *
 * @param host management address of the PBX
 * @param port event socket port (8021 by default)
 * @param password {@code event_socket.conf.xml} password (from an env var or file; never logged)
 * @param timeout bound for connecting and for each answer
 * @param profile the Sofia profile holding the trunks' gateways (e.g. {@code external})
 */
public record EslSettings(
    String host, int port, String password, Duration timeout, String profile) {

  public EslSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(profile, "profile");
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
  }

  /** Settings with a 3 s timeout and the {@code external} profile. */
  public static EslSettings of(String host, int port, String password) {
    return new EslSettings(host, port, password, Duration.ofSeconds(3), "external");
  }

  public EslSettings withTimeout(Duration t) {
    return new EslSettings(host, port, password, t, profile);
  }

  @Override
  public String toString() {
    return "EslSettings[" + host + ":" + port + ", profile=" + profile + ", password=***]";
  }
}
