package io.tandem.app.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Server properties common to every mode: data directory and the console/API users, whose passwords
 * come from the environment ({@code TANDEM_ADMIN_PASSWORD}, {@code TANDEM_OPERATOR_PASSWORD},
 * {@code TANDEM_VIEWER_PASSWORD}) and API token ({@code TANDEM_API_TOKEN}). A user whose variable
 * is unset is not created; with none at all the server refuses to start.
 */
final class ServerProperties {

  private ServerProperties() {}

  static Map<String, Object> fromEnvironment(Path dataDir) {
    return users(dataDir, System.getenv());
  }

  static Map<String, Object> users(Path dataDir, Map<String, String> env) {
    Map<String, Object> p = new HashMap<>();
    p.put("tandem.data-dir", dataDir.toAbsolutePath().toString());
    int i = 0;
    for (String role : new String[] {"admin", "operator", "viewer"}) {
      String pw = env.get("TANDEM_" + role.toUpperCase() + "_PASSWORD");
      if (pw != null) {
        p.put("tandem.security.users[" + i + "].name", role);
        p.put("tandem.security.users[" + i + "].role", role.toUpperCase());
        p.put("tandem.security.users[" + i + "].password", pw);
        i++;
      }
    }
    String token = env.get("TANDEM_API_TOKEN");
    if (token != null) {
      p.put("tandem.security.tokens[0].name", "api");
      p.put("tandem.security.tokens[0].role", "OPERATOR");
      p.put("tandem.security.tokens[0].token", token);
    }
    return p;
  }
}
