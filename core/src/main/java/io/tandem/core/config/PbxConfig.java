package io.tandem.core.config;

import java.util.Objects;
import java.util.Optional;

/**
 * How Tandem reaches a site's PBX management interface: Asterisk AMI or FreeSWITCH ESL.
 *
 * @param type the PBX
 * @param host management host (name or address)
 * @param port management port; defaults to 5038 (AMI) or 8021 (ESL)
 * @param user AMI user name (required for Asterisk; ESL has none)
 * @param secret AMI secret or ESL password, as a reference
 */
public record PbxConfig(
    PbxType type, String host, int port, Optional<String> user, SecretRef secret) {

  public PbxConfig {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(secret, "secret");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates a {@link PbxConfig}. */
  public static final class Builder extends ConfigBuilder<PbxConfig> {
    private PbxType type;
    private String host;
    private Integer port;
    private String user;
    private SecretRef secret;

    public Builder type(PbxType v) {
      type = v;
      return this;
    }

    public Builder host(String v) {
      host = v;
      return this;
    }

    public Builder port(Integer v) {
      port = v;
      return this;
    }

    public Builder user(String v) {
      user = v;
      return this;
    }

    public Builder secret(SecretRef v) {
      secret = v;
      return this;
    }

    @Override
    protected void check(Violations v) {
      v.required(type, "type", "the PBX type: asterisk or freeswitch");
      if (v.required(host, "host", "the PBX management host, e.g. 127.0.0.1")
          && !Formats.host(host)) {
        v.add("host", "expected a host name or IP address, was " + host);
      }
      v.port(port, "port");
      if (type == PbxType.ASTERISK) {
        v.required(user, "user", "the AMI user name (manager.conf section)");
      }
      v.required(secret, "secret", "a secret reference such as ${env:AMI_SECRET}");
    }

    @Override
    protected PbxConfig create() {
      int p = port != null ? port : type == PbxType.ASTERISK ? 5038 : 8021;
      return new PbxConfig(type, host, p, Optional.ofNullable(user), secret);
    }

    @Override
    protected String what() {
      return "pbx";
    }
  }
}
