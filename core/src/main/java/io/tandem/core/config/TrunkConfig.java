package io.tandem.core.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A SIP trunk the active site registers with a carrier.
 *
 * @param name unique trunk name, e.g. {@code carrier-a}
 * @param registrar registrar URI, e.g. {@code sip:registrar.carrier.net:5060}; or absent when
 *     {@code domain} is looked up via NAPTR/SRV
 * @param domain carrier domain for NAPTR/SRV lookup (RFC 3263); or absent with a registrar
 * @param user the address-of-record user
 * @param authUser digest user name when different from {@code user}
 * @param secret digest password, as a reference
 * @param expires requested registration lifetime (default 1h)
 * @param contacts contact URI registered while each site is active, keyed by site name
 */
public record TrunkConfig(
    String name,
    Optional<String> registrar,
    Optional<String> domain,
    String user,
    Optional<String> authUser,
    SecretRef secret,
    Duration expires,
    Map<String, String> contacts) {

  public static final Duration DEFAULT_EXPIRES = Duration.ofHours(1);

  public TrunkConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(registrar, "registrar");
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(authUser, "authUser");
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(expires, "expires");
    contacts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(contacts));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates a {@link TrunkConfig}. */
  public static final class Builder extends ConfigBuilder<TrunkConfig> {
    private String name;
    private String registrar;
    private String domain;
    private String user;
    private String authUser;
    private SecretRef secret;
    private Duration expires;
    private final Map<String, String> contacts = new LinkedHashMap<>();

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder registrar(String v) {
      registrar = v;
      return this;
    }

    public Builder domain(String v) {
      domain = v;
      return this;
    }

    public Builder user(String v) {
      user = v;
      return this;
    }

    public Builder authUser(String v) {
      authUser = v;
      return this;
    }

    public Builder secret(SecretRef v) {
      secret = v;
      return this;
    }

    public Builder expires(Duration v) {
      expires = v;
      return this;
    }

    public Builder contact(String site, String uri) {
      contacts.put(site, uri);
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (v.required(name, "name", "a trunk name such as carrier-a") && !Formats.name(name)) {
        v.add("name", "expected lower-case letters, digits and dashes, was " + name);
      }
      if ((registrar == null) == (domain == null)) {
        v.add(
            "registrar",
            "expected exactly one of registrar (a SIP URI such as sip:registrar.example.net)"
                + " or domain (looked up by NAPTR/SRV)");
      } else if (registrar != null && !Formats.sipUri(registrar)) {
        v.add("registrar", "expected a SIP URI such as sip:registrar.example.net:5060");
      } else if (domain != null && !Formats.hostname(domain)) {
        v.add("domain", "expected a domain name such as carrier.example.net");
      }
      v.required(user, "user", "the trunk's user name");
      v.required(secret, "secret", "a secret reference such as ${env:TRUNK_PASSWORD}");
      if (v.positive(expires, "expires")
          && expires != null
          && expires.compareTo(Duration.ofSeconds(60)) < 0) {
        v.add(
            "expires",
            "expected at least 60s (registrars refuse shorter lifetimes), was "
                + Durations.format(expires));
      }
      if (contacts.isEmpty()) {
        v.add(
            "contacts",
            "missing: expected the contact URI for each site, e.g. {berlin:"
                + " sip:pbx@192.0.2.10:5060}");
      }
      contacts.forEach(
          (site, uri) -> {
            if (!Formats.sipUri(uri)) {
              v.add("contacts." + site, "expected a SIP URI such as sip:pbx@192.0.2.10:5060");
            }
          });
    }

    @Override
    protected TrunkConfig create() {
      return new TrunkConfig(
          name,
          Optional.ofNullable(registrar),
          Optional.ofNullable(domain),
          user,
          Optional.ofNullable(authUser),
          secret,
          expires != null ? expires : DEFAULT_EXPIRES,
          contacts);
    }

    @Override
    protected String what() {
      return "trunk";
    }
  }
}
