package io.tandem.onprem.etcd;

import io.tandem.core.error.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the etcd witness reaches etcd and how long a lapsed ticket stays blocked.
 *
 * <p>Immutable; build with {@link #builder()}, which names the field that is wrong. The password is
 * never part of {@link #toString()}.
 *
 * @param endpoints client URLs of the etcd members, e.g. {@code http://10.0.0.5:2379}
 * @param keyPrefix prefix of every key Tandem writes, ending in {@code /}
 * @param grace after a ticket expires on etcd's clock, nobody else may take it for this long
 *     (rounded up to whole seconds, etcd leases count in seconds)
 * @param callTimeout bound on every etcd call; a call that takes longer is a {@code
 *     TransientException}
 * @param user etcd user when authentication is on
 * @param password its password (from an env var or file)
 * @param tls for {@code https://} endpoints: the CA to trust and, when etcd runs with {@code
 *     --client-cert-auth}, this client's certificate and key (PEM, the key PKCS#8)
 */
public record EtcdWitnessConfig(
    List<URI> endpoints,
    String keyPrefix,
    Duration grace,
    Duration callTimeout,
    Optional<String> user,
    Optional<String> password,
    Optional<Tls> tls) {

  /**
   * TLS files for etcd's client port.
   *
   * @param ca the CA certificate(s) that signed etcd's server certificate (PEM); empty: the JDK's
   * @param certificate this client's certificate (PEM), for {@code --client-cert-auth}
   * @param key its private key (PKCS#8 PEM)
   */
  public record Tls(Optional<Path> ca, Optional<Path> certificate, Optional<Path> key) {
    public Tls {
      Objects.requireNonNull(ca, "ca");
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(key, "key");
    }
  }

  public EtcdWitnessConfig {
    endpoints = List.copyOf(endpoints);
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(tls, "tls");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Grace in whole seconds, at least 1. */
  long graceSeconds() {
    return Math.max(1, (grace.toMillis() + 999) / 1000);
  }

  @Override
  public String toString() {
    return "EtcdWitnessConfig[endpoints="
        + endpoints
        + ", keyPrefix="
        + keyPrefix
        + ", grace="
        + grace
        + ", callTimeout="
        + callTimeout
        + ", user="
        + user.orElse("-")
        + ", password="
        + (password.isPresent() ? "<redacted>" : "-")
        + ", tls="
        + tls.map(Tls::toString).orElse("-")
        + "]";
  }

  /** Validating builder. */
  public static final class Builder {
    private List<String> endpoints = List.of();
    private String keyPrefix = "/tandem/witness/";
    private Duration grace = Duration.ofSeconds(5);
    private Duration callTimeout = Duration.ofSeconds(2);
    private String user;
    private String password;
    private Tls tls;

    private Builder() {}

    /**
     * TLS for {@code https://} endpoints: the CA to trust (null: the JDK's), and this client's
     * certificate and key for etcd's {@code --client-cert-auth} (both or neither).
     */
    public Builder tls(Path ca, Path certificate, Path key) {
      this.tls =
          new Tls(
              Optional.ofNullable(ca), Optional.ofNullable(certificate), Optional.ofNullable(key));
      return this;
    }

    public Builder endpoints(String... values) {
      this.endpoints = List.of(values);
      return this;
    }

    public Builder keyPrefix(String value) {
      this.keyPrefix = value;
      return this;
    }

    public Builder grace(Duration value) {
      this.grace = value;
      return this;
    }

    public Builder callTimeout(Duration value) {
      this.callTimeout = value;
      return this;
    }

    public Builder credentials(String user, String password) {
      this.user = user;
      this.password = password;
      return this;
    }

    public EtcdWitnessConfig build() {
      if (endpoints == null || endpoints.isEmpty()) {
        throw new ConfigException("etcd.endpoints: expected at least one client URL");
      }
      List<URI> uris =
          endpoints.stream()
              .map(
                  e -> {
                    try {
                      URI u = URI.create(e);
                      if (u.getHost() == null || u.getPort() < 0) {
                        throw new IllegalArgumentException("no host or port");
                      }
                      return u;
                    } catch (IllegalArgumentException ex) {
                      throw new ConfigException(
                          "etcd.endpoints: expected a URL like http://host:2379, got '" + e + "'");
                    }
                  })
              .toList();
      if (keyPrefix == null || !keyPrefix.startsWith("/") || !keyPrefix.endsWith("/")) {
        throw new ConfigException("etcd.keyPrefix: expected a path starting and ending with '/'");
      }
      if (grace == null || grace.isNegative() || grace.isZero()) {
        throw new ConfigException("etcd.grace: expected a positive duration");
      }
      if (callTimeout == null || callTimeout.isNegative() || callTimeout.isZero()) {
        throw new ConfigException("etcd.callTimeout: expected a positive duration");
      }
      if ((user == null) != (password == null)) {
        throw new ConfigException("etcd.credentials: expected both user and password, or neither");
      }
      boolean https = uris.stream().anyMatch(u -> "https".equals(u.getScheme()));
      if (https && !uris.stream().allMatch(u -> "https".equals(u.getScheme()))) {
        throw new ConfigException("etcd.endpoints: expected all https:// or all http://");
      }
      if (tls != null && !https) {
        throw new ConfigException("etcd.tls: given, but the endpoints are http://");
      }
      if (tls != null && tls.certificate().isPresent() != tls.key().isPresent()) {
        throw new ConfigException("etcd.tls: expected a client certificate and its key together");
      }
      return new EtcdWitnessConfig(
          uris,
          keyPrefix,
          grace,
          callTimeout,
          Optional.ofNullable(user),
          Optional.ofNullable(password),
          https
              ? Optional.of(
                  tls != null ? tls : new Tls(Optional.empty(), Optional.empty(), Optional.empty()))
              : Optional.empty());
    }
  }
}
