package io.tandem.onprem.pbx;

import io.tandem.core.error.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach one PBX's management interface (Asterisk AMI or FreeSWITCH event socket), shared by
 * both products. Immutable; {@link #toString()} hides the secret.
 *
 * @param product {@code ami} or {@code esl}; prefixes every validation message
 * @param host management address of the PBX
 * @param port management port (5038 AMI, 8021 ESL)
 * @param user AMI: the manager.conf user (required); ESL: a directory user for {@code userauth}
 *     (empty: the global event-socket password)
 * @param secret the AMI secret or ESL password (from an env var or file; never logged)
 * @param timeout bound for one control (a runbook step's call); sensors pass their own, shorter one
 * @param keepAlive how often an idle session is pinged; a ping unanswered within {@code timeout}
 *     discards the session, and a new one is opened at once
 * @param loginBackoff after the PBX refuses the credentials, no new login is tried for this long,
 *     so a wrong secret cannot trip fail2ban (its default jail bans after 5 failures in 10 min)
 */
public record PbxAccess(
    String product,
    String host,
    int port,
    Optional<String> user,
    String secret,
    Duration timeout,
    Duration keepAlive,
    Duration loginBackoff) {

  /** A bound for one control when none is given. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

  /** Idle sessions are pinged this often. */
  public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(2);

  /** At most 4 refused logins in 10 minutes: under fail2ban's default of 5 per 10 minutes. */
  public static final Duration DEFAULT_LOGIN_BACKOFF = Duration.ofSeconds(150);

  public PbxAccess {
    Objects.requireNonNull(product, "product");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(keepAlive, "keepAlive");
    Objects.requireNonNull(loginBackoff, "loginBackoff");
    if (host.isBlank()) {
      throw new ConfigException(product + ": host: must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new ConfigException(product + ": port: expected 1..65535, got " + port);
    }
    if (user.isPresent() && user.get().isBlank()) {
      throw new ConfigException(product + ": user: must not be blank");
    }
    positive(product, "timeout", timeout);
    positive(product, "keepAlive", keepAlive);
    if (loginBackoff.isNegative()) {
      throw new ConfigException(product + ": loginBackoff: must not be negative");
    }
  }

  private static void positive(String product, String field, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(product + ": " + field + ": must be positive");
    }
  }

  /** {@code host:port}, for messages. */
  public String where() {
    return host + ":" + port;
  }

  public PbxAccess withTimeout(Duration t) {
    return new PbxAccess(product, host, port, user, secret, t, keepAlive, loginBackoff);
  }

  public PbxAccess withKeepAlive(Duration k) {
    return new PbxAccess(product, host, port, user, secret, timeout, k, loginBackoff);
  }

  public PbxAccess withLoginBackoff(Duration b) {
    return new PbxAccess(product, host, port, user, secret, timeout, keepAlive, b);
  }

  /** A validating builder; {@code product} ({@code ami}/{@code esl}) prefixes its messages. */
  public static Builder builder(String product, int defaultPort) {
    return new Builder(product, defaultPort);
  }

  /** Validating builder; the secret comes from an environment variable or a file. */
  public static final class Builder {
    private final String product;
    private String host;
    private int port;
    private String user;
    private String secret;
    private Duration timeout = DEFAULT_TIMEOUT;
    private Duration keepAlive = DEFAULT_KEEP_ALIVE;
    private Duration loginBackoff = DEFAULT_LOGIN_BACKOFF;

    private Builder(String product, int defaultPort) {
      this.product = product;
      this.port = defaultPort;
    }

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder user(String user) {
      this.user = user;
      return this;
    }

    /** For tests; prefer {@link #secretFromEnv} or {@link #secretFromFile}. */
    public Builder secret(String secret) {
      this.secret = secret;
      return this;
    }

    public Builder secretFromEnv(String variable) {
      this.secret = SecretSource.env(product + ": secret", variable);
      return this;
    }

    public Builder secretFromFile(Path file) {
      this.secret = SecretSource.file(product + ": secret", file);
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder keepAlive(Duration keepAlive) {
      this.keepAlive = keepAlive;
      return this;
    }

    public Builder loginBackoff(Duration loginBackoff) {
      this.loginBackoff = loginBackoff;
      return this;
    }

    /** The user, if one was given (the product settings decide whether it is required). */
    public Optional<String> user() {
      return Optional.ofNullable(user);
    }

    public PbxAccess build() {
      if (host == null) {
        throw new ConfigException(product + ": host: missing");
      }
      if (secret == null) {
        throw new ConfigException(product + ": secret: missing (use secretFromEnv/File)");
      }
      if (timeout == null) {
        throw new ConfigException(product + ": timeout: missing");
      }
      return new PbxAccess(
          product, host, port, Optional.ofNullable(user), secret, timeout, keepAlive, loginBackoff);
    }
  }

  @Override
  public String toString() {
    return product + "[" + user.map(u -> u + "@").orElse("") + host + ":" + port + ", secret=***]";
  }
}
