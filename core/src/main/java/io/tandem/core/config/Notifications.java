package io.tandem.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where Tandem tells people about failovers, fencing and approvals.
 *
 * @param webhook an HTTP endpoint that receives JSON events
 * @param smtp a mail relay
 */
public record Notifications(Optional<Webhook> webhook, Optional<Smtp> smtp) {

  public Notifications {
    Objects.requireNonNull(webhook, "webhook");
    Objects.requireNonNull(smtp, "smtp");
  }

  public static Notifications none() {
    return new Notifications(Optional.empty(), Optional.empty());
  }

  /**
   * @param url http(s) URL that receives a POST per event
   * @param secret HMAC key signing each body, as a reference
   */
  public record Webhook(String url, Optional<SecretRef> secret) {
    public Webhook {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(secret, "secret");
    }

    public static Builder builder() {
      return new Builder();
    }

    /** Builds and validates a {@link Webhook}. */
    public static final class Builder extends ConfigBuilder<Webhook> {
      private String url;
      private SecretRef secret;

      public Builder url(String v) {
        url = v;
        return this;
      }

      public Builder secret(SecretRef v) {
        secret = v;
        return this;
      }

      @Override
      protected void check(Violations v) {
        if (v.required(url, "url", "an http(s) URL") && !Formats.httpUrl(url)) {
          v.add("url", "expected an http(s) URL such as https://hooks.example.net/tandem");
        }
      }

      @Override
      protected Webhook create() {
        return new Webhook(url, Optional.ofNullable(secret));
      }

      @Override
      protected String what() {
        return "webhook";
      }
    }
  }

  /**
   * @param host relay host
   * @param port relay port (default 587)
   * @param startTls require STARTTLS (default true)
   * @param user login, if the relay needs one
   * @param password that login's password, as a reference
   * @param from sender address
   * @param to recipients (at least one)
   */
  public record Smtp(
      String host,
      int port,
      boolean startTls,
      Optional<String> user,
      Optional<SecretRef> password,
      String from,
      List<String> to) {
    public Smtp {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
      Objects.requireNonNull(from, "from");
      to = List.copyOf(to);
    }

    public static Builder builder() {
      return new Builder();
    }

    /** Builds and validates {@link Smtp}. */
    public static final class Builder extends ConfigBuilder<Smtp> {
      private String host;
      private Integer port;
      private Boolean startTls;
      private String user;
      private SecretRef password;
      private String from;
      private final List<String> to = new ArrayList<>();

      public Builder host(String v) {
        host = v;
        return this;
      }

      public Builder port(Integer v) {
        port = v;
        return this;
      }

      public Builder startTls(Boolean v) {
        startTls = v;
        return this;
      }

      public Builder user(String v) {
        user = v;
        return this;
      }

      public Builder password(SecretRef v) {
        password = v;
        return this;
      }

      public Builder from(String v) {
        from = v;
        return this;
      }

      public Builder to(String v) {
        to.add(Objects.requireNonNull(v));
        return this;
      }

      @Override
      protected void check(Violations v) {
        if (v.required(host, "host", "the mail relay's host") && !Formats.host(host)) {
          v.add("host", "expected a host name or IP address, was " + host);
        }
        v.port(port, "port");
        if (v.required(from, "from", "a sender address such as tandem@example.net")
            && !from.matches("[^@\\s]+@[^@\\s]+")) {
          v.add("from", "expected an e-mail address, was " + from);
        }
        if (to.isEmpty()) {
          v.add("to", "missing: expected at least one recipient address");
        }
        for (int i = 0; i < to.size(); i++) {
          if (!to.get(i).matches("[^@\\s]+@[^@\\s]+")) {
            v.add("to[" + i + "]", "expected an e-mail address, was " + to.get(i));
          }
        }
        if ((user == null) != (password == null)) {
          v.add(user == null ? "user" : "password", "expected user and password together");
        }
      }

      @Override
      protected Smtp create() {
        return new Smtp(
            host,
            port != null ? port : 587,
            startTls == null || startTls,
            Optional.ofNullable(user),
            Optional.ofNullable(password),
            from,
            to);
      }

      @Override
      protected String what() {
        return "smtp";
      }
    }
  }
}
