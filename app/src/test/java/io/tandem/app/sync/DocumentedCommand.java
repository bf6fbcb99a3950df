package io.tandem.app.sync;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a shell command from the documentation as written: the {@code bash} code block of a page
 * that holds a given word, with only the documented site address ({@code https://<site>:7480})
 * replaced by a test agent's, and {@code $TANDEM_TOKEN} set to the test's operator token.
 */
final class DocumentedCommand {

  private static final Pattern BLOCK = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern ADDRESS = Pattern.compile("https://[a-z0-9.-]+:7480");

  private DocumentedCommand() {}

  /** The block's command run by bash; returns its standard output. Fails on a non-zero exit. */
  static String run(String page, String word, int port) throws Exception {
    Path root = Path.of(System.getProperty("tandem.projectRoot", ".."));
    String doc = Files.readString(root.resolve(page));
    Matcher m = BLOCK.matcher(doc);
    String command = null;
    while (m.find()) {
      if (m.group(1).contains(word)) {
        command = m.group(1);
        break;
      }
    }
    if (command == null) {
      throw new AssertionError(page + " has no bash block with '" + word + "'");
    }
    String local = ADDRESS.matcher(command).replaceAll("http://127.0.0.1:" + port);
    if (local.equals(command)) {
      throw new AssertionError("the documented command names no https://<site>:7480 address");
    }
    ProcessBuilder pb = new ProcessBuilder("bash", "-euo", "pipefail", "-c", local);
    pb.environment().put("TANDEM_TOKEN", SyncCluster.TOKEN);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(
          "documented command failed:\n" + local + "\n" + new String(out, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
