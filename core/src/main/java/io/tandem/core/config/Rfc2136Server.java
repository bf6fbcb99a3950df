package io.tandem.core.config;

import java.util.List;
import java.util.Objects;

/**
 * An authoritative DNS server that accepts RFC 2136 dynamic updates signed with TSIG.
 *
 * @param server host name or address of the primary server
 * @param port DNS port (default 53)
 * @param tsigKeyName name of the TSIG key, as configured on the server
 * @param tsigAlgorithm e.g. {@code hmac-sha256} (default)
 * @param tsigSecret the base64 key, as a reference
 */
public record Rfc2136Server(
    String server, int port, String tsigKeyName, String tsigAlgorithm, SecretRef tsigSecret) {

  static final List<String> ALGORITHMS =
      List.of("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5");

  public Rfc2136Server {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(tsigKeyName, "tsigKeyName");
    Objects.requireNonNull(tsigAlgorithm, "tsigAlgorithm");
    Objects.requireNonNull(tsigSecret, "tsigSecret");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates an {@link Rfc2136Server}. */
  public static final class Builder extends ConfigBuilder<Rfc2136Server> {
    private String server;
    private Integer port;
    private String tsigKeyName;
    private String tsigAlgorithm;
    private SecretRef tsigSecret;

    public Builder server(String v) {
      server = v;
      return this;
    }

    public Builder port(Integer v) {
      port = v;
      return this;
    }

    public Builder tsigKeyName(String v) {
      tsigKeyName = v;
      return this;
    }

    public Builder tsigAlgorithm(String v) {
      tsigAlgorithm = v;
      return this;
    }

    public Builder tsigSecret(SecretRef v) {
      tsigSecret = v;
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (v.required(server, "server", "the primary DNS server, e.g. 192.0.2.53")
          && !Formats.host(server)) {
        v.add("server", "expected a host name or IP address, was " + server);
      }
      v.port(port, "port");
      v.required(tsigKeyName, "tsigKeyName", "the TSIG key name configured on the server");
      if (tsigAlgorithm != null && !ALGORITHMS.contains(tsigAlgorithm.toLowerCase())) {
        v.add("tsigAlgorithm", "expected one of " + ALGORITHMS + ", was " + tsigAlgorithm);
      }
      v.required(tsigSecret, "tsigSecret", "a secret reference such as ${file:/etc/tandem/tsig}");
    }

    @Override
    protected Rfc2136Server create() {
      return new Rfc2136Server(
          server,
          port != null ? port : 53,
          tsigKeyName,
          tsigAlgorithm != null ? tsigAlgorithm.toLowerCase() : "hmac-sha256",
          tsigSecret);
    }

    @Override
    protected String what() {
      return "rfc2136";
    }
  }
}
