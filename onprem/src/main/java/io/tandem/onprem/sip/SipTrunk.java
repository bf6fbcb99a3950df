package io.tandem.onprem.sip;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One SIP trunk's registration settings. Immutable; build with {@link #builder(String)}, which
 * validates and names the offending field. {@link #toString()} never shows the password.
 *
 * @param name trunk name in Tandem's configuration (used in messages)
 * @param domain registrar domain: the host part of the address of record and of the REGISTER's
 *     Request-URI, e.g. {@code carrier.example}
 * @param registrar where to send REGISTER: {@code host:port} or an IP (used as is), or a name to
 *     resolve with NAPTR/SRV/A; defaults to {@code domain}
 * @param transport {@code udp}/{@code tcp}, or empty to follow DNS
 * @param user user part of the address of record (and of our Contact)
 * @param authUser digest user name (often the same as {@code user})
 * @param password digest password
 * @param expires requested registration lifetime
 * @param refreshRatio fraction of the granted lifetime after which Tandem re-registers (0.1..0.95)
 * @param requestTimeout how long to wait for each answer before trying the next target
 */
public record SipTrunk(
    String name,
    String domain,
    String registrar,
    Optional<String> transport,
    String user,
    String authUser,
    String password,
    Duration expires,
    double refreshRatio,
    Duration requestTimeout) {

  public SipTrunk {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(registrar, "registrar");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(authUser, "authUser");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(expires, "expires");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The address of record, {@code sip:user@domain}. */
  public String aor() {
    return "sip:" + user + "@" + domain;
  }

  @Override
  public String toString() {
    return "SipTrunk[name="
        + name
        + ", aor="
        + aor()
        + ", registrar="
        + registrar
        + ", transport="
        + transport.orElse("dns")
        + ", authUser="
        + authUser
        + ", password=***, expires="
        + expires.toSeconds()
        + "s]";
  }

  /** Validating builder; every error names the trunk and the field. */
  public static final class Builder {
    private final String name;
    private String domain;
    private String registrar;
    private String transport;
    private String user;
    private String authUser;
    private String password;
    private Duration expires = Duration.ofSeconds(3600);
    private double refreshRatio = 0.8;
    private Duration requestTimeout = Duration.ofSeconds(2);

    private Builder(String name) {
      this.name = name;
    }

    public Builder domain(String domain) {
      this.domain = domain;
      return this;
    }

    public Builder registrar(String registrar) {
      this.registrar = registrar;
      return this;
    }

    public Builder transport(String transport) {
      this.transport = transport;
      return this;
    }

    public Builder user(String user) {
      this.user = user;
      return this;
    }

    public Builder authUser(String authUser) {
      this.authUser = authUser;
      return this;
    }

    /** Prefer {@link #passwordFromEnv} or {@link #passwordFromFile} outside tests. */
    public Builder password(String password) {
      this.password = password;
      return this;
    }

    /** Reads the password from an environment variable (its value is never logged). */
    public Builder passwordFromEnv(String variable) {
      String value = System.getenv(variable);
      if (value == null) {
        throw new ConfigException(
            "trunk " + name + ": password: environment variable " + variable + " is not set");
      }
      this.password = value;
      return this;
    }

    /** Reads the password from a file (trailing newline stripped). */
    public Builder passwordFromFile(Path file) {
      try {
        this.password = Files.readString(file, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new ConfigException(
            "trunk " + name + ": password: cannot read " + file + ": " + e.getMessage(), e);
      }
      return this;
    }

    public Builder expires(Duration expires) {
      this.expires = expires;
      return this;
    }

    public Builder refreshRatio(double refreshRatio) {
      this.refreshRatio = refreshRatio;
      return this;
    }

    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    public SipTrunk build() {
      if (name == null || name.isBlank()) {
        throw new ConfigException("trunk: name: must not be blank");
      }
      String where = "trunk " + name + ": ";
      if (domain == null || domain.isBlank()) {
        throw new ConfigException(where + "domain: must not be blank");
      }
      if (user == null || user.isBlank()) {
        throw new ConfigException(where + "user: must not be blank");
      }
      if (password == null) {
        throw new ConfigException(where + "password: missing (use passwordFromEnv/File)");
      }
      Optional<String> t = Optional.ofNullable(transport).map(s -> s.toLowerCase(Locale.ROOT));
      if (t.isPresent() && !t.get().equals("udp") && !t.get().equals("tcp")) {
        throw new ConfigException(where + "transport: expected udp or tcp, got " + transport);
      }
      if (expires == null || expires.toSeconds() < 1) {
        throw new ConfigException(where + "expires: must be at least 1 s");
      }
      if (!(refreshRatio >= 0.1 && refreshRatio <= 0.95)) {
        throw new ConfigException(where + "refreshRatio: expected 0.1..0.95, got " + refreshRatio);
      }
      if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw new ConfigException(where + "requestTimeout: must be positive");
      }
      return new SipTrunk(
          name,
          domain,
          registrar == null ? domain : registrar,
          t,
          user,
          authUser == null ? user : authUser,
          password,
          expires,
          refreshRatio,
          requestTimeout);
    }
  }
}
