package io.tandem.onprem.dns;

import io.tandem.core.error.ConfigException;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;

/**
 * Where and how the RFC 2136 updater talks to the primary authoritative server of a zone.
 *
 * <p>Immutable; build with {@link #builder()}, which validates every field and names the one that
 * is wrong. The TSIG secret is never part of {@link #toString()}.
 *
 * @param server primary authoritative server (host name or address); updates and verification
 *     queries both go there, never to a caching resolver
 * @param port its DNS port
 * @param tsigKeyName TSIG key name, absolute, e.g. {@code tandem-key.}
 * @param tsigAlgorithm TSIG algorithm, e.g. {@code hmac-sha256}
 * @param tsigSecret TSIG secret, base64 (read it from an env var or file; never log it)
 * @param timeout per-message timeout (update or query)
 * @param verifyTimeout how long {@code verify} polls for the new value
 * @param verifyInterval pause between two verification queries
 * @param tcp send over TCP (default) rather than UDP
 */
public record Rfc2136Config(
    String server,
    int port,
    String tsigKeyName,
    String tsigAlgorithm,
    String tsigSecret,
    Duration timeout,
    Duration verifyTimeout,
    Duration verifyInterval,
    boolean tcp) {

  public Rfc2136Config {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(tsigKeyName, "tsigKeyName");
    Objects.requireNonNull(tsigAlgorithm, "tsigAlgorithm");
    Objects.requireNonNull(tsigSecret, "tsigSecret");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(verifyTimeout, "verifyTimeout");
    Objects.requireNonNull(verifyInterval, "verifyInterval");
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String toString() {
    return "Rfc2136Config[server="
        + server
        + ", port="
        + port
        + ", tsigKeyName="
        + tsigKeyName
        + ", tsigAlgorithm="
        + tsigAlgorithm
        + ", tsigSecret=<redacted>, timeout="
        + timeout
        + ", verifyTimeout="
        + verifyTimeout
        + ", tcp="
        + tcp
        + "]";
  }

  /** Validating builder; {@link #build()} throws {@link ConfigException} naming the field. */
  public static final class Builder {
    private String server;
    private int port = 53;
    private String tsigKeyName;
    private String tsigAlgorithm = "hmac-sha256";
    private String tsigSecret;
    private Duration timeout = Duration.ofSeconds(3);
    private Duration verifyTimeout = Duration.ofSeconds(10);
    private Duration verifyInterval = Duration.ofMillis(100);
    private boolean tcp = true;

    private Builder() {}

    public Builder server(String value) {
      this.server = value;
      return this;
    }

    public Builder port(int value) {
      this.port = value;
      return this;
    }

    public Builder tsigKeyName(String value) {
      this.tsigKeyName = value;
      return this;
    }

    public Builder tsigAlgorithm(String value) {
      this.tsigAlgorithm = value;
      return this;
    }

    public Builder tsigSecret(String value) {
      this.tsigSecret = value;
      return this;
    }

    public Builder timeout(Duration value) {
      this.timeout = value;
      return this;
    }

    public Builder verifyTimeout(Duration value) {
      this.verifyTimeout = value;
      return this;
    }

    public Builder verifyInterval(Duration value) {
      this.verifyInterval = value;
      return this;
    }

    public Builder tcp(boolean value) {
      this.tcp = value;
      return this;
    }

    public Rfc2136Config build() {
      require(server != null && !server.isBlank(), "server", "a host name or address");
      require(port > 0 && port < 65536, "port", "1..65535, was " + port);
      require(tsigKeyName != null && !tsigKeyName.isBlank(), "tsigKeyName", "a key name");
      String keyName = tsigKeyName.endsWith(".") ? tsigKeyName : tsigKeyName + ".";
      require(
          tsigAlgorithm != null && tsigAlgorithm.toLowerCase().startsWith("hmac-"),
          "tsigAlgorithm",
          "an HMAC algorithm such as hmac-sha256");
      require(tsigSecret != null && !tsigSecret.isBlank(), "tsigSecret", "a base64 secret");
      try {
        Base64.getDecoder().decode(tsigSecret.strip());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("rfc2136.tsigSecret: expected base64 (value not shown)");
      }
      requirePositive(timeout, "timeout");
      requirePositive(verifyTimeout, "verifyTimeout");
      requirePositive(verifyInterval, "verifyInterval");
      return new Rfc2136Config(
          server,
          port,
          keyName,
          tsigAlgorithm.toLowerCase(),
          tsigSecret.strip(),
          timeout,
          verifyTimeout,
          verifyInterval,
          tcp);
    }

    private static void requirePositive(Duration d, String field) {
      require(d != null && !d.isNegative() && !d.isZero(), field, "a positive duration");
    }

    private static void require(boolean ok, String field, String expected) {
      if (!ok) {
        throw new ConfigException("rfc2136." + field + ": expected " + expected);
      }
    }
  }
}
