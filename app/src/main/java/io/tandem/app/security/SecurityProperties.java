package io.tandem.app.security;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may use the API and console ({@code tandem.security.*}).
 *
 * <p>Passwords and tokens come from the environment or files through Spring's property sources
 * (e.g. {@code password: ${TANDEM_ADMIN_PASSWORD}}); the user store hashes them at the first
 * password check (not during the start) and keeps only the hashes. {@link #validate()} refuses to
 * start with no credential or an empty one: there are no default passwords.
 *
 * @param users console/API users (basic auth and the login form)
 * @param tokens API tokens ({@code Authorization: Bearer ...})
 */
@ConfigurationProperties("tandem.security")
public record SecurityProperties(List<User> users, List<Token> tokens) {

  public SecurityProperties {
    users = users == null ? List.of() : List.copyOf(users);
    tokens = tokens == null ? List.of() : List.copyOf(tokens);
  }

  /** A user with a password. {@code toString} hides the password. */
  public record User(String name, Role role, String password) {
    @Override
    public String toString() {
      return "User[name=" + name + ", role=" + role + ", password=****]";
    }
  }

  /** A named API token. {@code toString} hides the token. */
  public record Token(String name, Role role, String token) {
    @Override
    public String toString() {
      return "Token[name=" + name + ", role=" + role + ", token=****]";
    }
  }

  /**
   * Checks the credentials and returns every problem found, each naming the field.
   *
   * @return problems; empty when the configuration is usable
   */
  public List<String> validate() {
    List<String> problems = new ArrayList<>();
    if (users.isEmpty() && tokens.isEmpty()) {
      problems.add(
          "tandem.security: no users and no tokens configured; refusing to start without"
              + " credentials (set tandem.security.users[0].password from an environment"
              + " variable or file)");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < users.size(); i++) {
      User u = users.get(i);
      String field = "tandem.security.users[" + i + "]";
      if (u.name() == null || u.name().isBlank()) {
        problems.add(field + ".name: expected a non-empty user name");
      } else if (!names.add(u.name())) {
        problems.add(field + ".name: duplicate name '" + u.name() + "'");
      }
      if (u.role() == null) {
        problems.add(field + ".role: expected one of VIEWER, OPERATOR, ADMIN");
      }
      if (u.password() == null || u.password().isBlank()) {
        problems.add(field + ".password: empty; refusing to start with an empty credential");
      } else if (u.password().length() < 12) {
        problems.add(field + ".password: too short; expected at least 12 characters");
      }
    }
    for (int i = 0; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      String field = "tandem.security.tokens[" + i + "]";
      if (t.name() == null || t.name().isBlank()) {
        problems.add(field + ".name: expected a non-empty token name");
      } else if (!names.add(t.name())) {
        problems.add(field + ".name: duplicate name '" + t.name() + "'");
      }
      if (t.role() == null) {
        problems.add(field + ".role: expected one of VIEWER, OPERATOR, ADMIN");
      }
      if (t.token() == null || t.token().length() < 24) {
        problems.add(field + ".token: expected at least 24 characters of random data");
      }
    }
    return problems;
  }
}
