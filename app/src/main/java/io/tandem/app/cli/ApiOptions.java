package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How CLI commands reach a Tandem API: {@code --url}, and credentials from the environment ({@code
 * TANDEM_TOKEN}, or {@code TANDEM_USER} + {@code TANDEM_PASSWORD}) or {@code --token-file}.
 * Credentials are never taken as plain arguments (they would show in {@code ps}).
 */
public final class ApiOptions {

  @Option(
      names = "--url",
      defaultValue = "${env:TANDEM_URL:-http://127.0.0.1:8080}",
      description = "Tandem API base URL (env TANDEM_URL; default ${DEFAULT-VALUE}).")
  URI url;

  @Option(names = "--token-file", description = "File holding an API token.")
  Path tokenFile;

  @Option(
      names = "--timeout",
      defaultValue = "10s",
      description = "Request timeout, e.g. 10s (default ${DEFAULT-VALUE}).")
  String timeout;

  /** Sends a request and returns the body; maps failures to exit codes. */
  String call(String method, String path, String jsonBody) {
    Duration t = DurationArg.parse("--timeout", timeout);
    HttpClient http = HttpClient.newBuilder().connectTimeout(t).build();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url.resolve(path))
            .timeout(t)
            .header("Accept", "application/json, text/plain;q=0.9");
    String auth = authorization();
    if (auth != null) {
      b.header("Authorization", auth);
    }
    if ("POST".equals(method)) {
      b.header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(jsonBody == null ? "{}" : jsonBody));
    } else {
      b.GET();
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new CliException(
          "cannot reach " + url + ": " + e.getClass().getSimpleName(), ExitCodes.UNREACHABLE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted", ExitCodes.UNREACHABLE);
    }
    int s = resp.statusCode();
    if (s == 401 || s == 403) {
      throw new CliException(
          "the API refused the credentials (HTTP "
              + s
              + "); set TANDEM_TOKEN or TANDEM_USER/"
              + "TANDEM_PASSWORD for a user with the right role",
          ExitCodes.FORBIDDEN);
    }
    if (s == 409) {
      throw new CliException("refused: " + words(resp.body()), ExitCodes.REFUSED);
    }
    if (s >= 400) {
      throw new CliException(words(resp.body()) + " (HTTP " + s + ")", ExitCodes.INVALID);
    }
    return resp.body();
  }

  /**
   * The sentence in an error answer: a problem detail's {@code detail} (RFC 9457), a command
   * result's {@code message}, else the body as it came (cut to one screen line).
   */
  static String words(String body) {
    try {
      JsonNode n = JsonMapper.shared().readTree(body);
      for (String field : new String[] {"detail", "message", "error", "title"}) {
        if (n.path(field).isString() && !n.path(field).asString().isBlank()) {
          return n.path(field).asString();
        }
      }
    } catch (RuntimeException notJson) {
      // plain text (or nothing): shown as it came
    }
    String t = body == null ? "" : body.strip();
    return t.length() > 300 ? t.substring(0, 300) + "…" : t;
  }

  private String authorization() {
    try {
      if (tokenFile != null) {
        return "Bearer " + Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
      }
    } catch (IOException e) {
      throw new CliException("cannot read --token-file " + tokenFile, ExitCodes.INVALID);
    }
    String token = System.getenv("TANDEM_TOKEN");
    if (token != null && !token.isBlank()) {
      return "Bearer " + token.trim();
    }
    String user = System.getenv("TANDEM_USER");
    String pw = System.getenv("TANDEM_PASSWORD");
    if (user != null && pw != null) {
      return "Basic "
          + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes(StandardCharsets.UTF_8));
    }
    return null;
  }
}
