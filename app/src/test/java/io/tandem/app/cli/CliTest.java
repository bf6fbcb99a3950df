package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.ExitCodes;
import io.tandem.app.FakeClusterRuntime;
import io.tandem.app.server.TandemServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine;
import tools.jackson.databind.json.JsonMapper;

/** The CLI against a real API server: human and JSON output, exit codes for scripts. */
class CliTest {

  static final String TOKEN = "cli-token-0123456789abcdefghij";
  static final String VIEWER_TOKEN = "viewer-token-0123456789abcdefg";
  static final String ADMIN_TOKEN = "admin-token-0123456789abcdefghi";
  @TempDir static Path dir;
  static ConfigurableApplicationContext ctx;
  static String url;
  static Path operatorToken;
  static Path viewerToken;

  @BeforeAll
  static void start() throws Exception {
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", "0");
    p.put("server.address", "127.0.0.1");
    p.put("tandem.data-dir", dir.toString());
    p.put("tandem.security.tokens[0].name", "cli");
    p.put("tandem.security.tokens[0].role", "OPERATOR");
    p.put("tandem.security.tokens[0].token", TOKEN);
    p.put("tandem.security.tokens[1].name", "viewer");
    p.put("tandem.security.tokens[1].role", "VIEWER");
    p.put("tandem.security.tokens[1].token", VIEWER_TOKEN);
    p.put("tandem.security.tokens[2].name", "root");
    p.put("tandem.security.tokens[2].role", "ADMIN");
    p.put("tandem.security.tokens[2].token", ADMIN_TOKEN);
    ctx = TandemServer.start(p, Map.of("clusterRuntime", new FakeClusterRuntime()));
    url = "http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port");
    operatorToken = Files.writeString(dir.resolve("op.token"), TOKEN);
    viewerToken = Files.writeString(dir.resolve("viewer.token"), VIEWER_TOKEN);
  }

  @AfterAll
  static void stop() {
    ctx.close();
  }

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream oldOut = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    StringWriter picocliOut = new StringWriter();
    PrintWriter outWriter = new PrintWriter(picocliOut, true);
    int code;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      // built after System.out is replaced: help of inherited options goes to System.out
      CommandLine cl = TandemCommand.commandLine();
      cl.setOut(outWriter);
      cl.setErr(new PrintWriter(err, true));
      code = cl.execute(args);
    } finally {
      outWriter.flush();
      System.setOut(oldOut);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8) + picocliOut, err.toString());
  }

  @Test
  void statusForPeopleAndForScripts() {
    Run human = run("status", "--url", url, "--token-file", viewerToken.toString());
    assertThat(human.code()).isEqualTo(ExitCodes.OK);
    assertThat(human.out()).contains("cluster lab (simulated lab)", "active  site-a", "site-b");
    Run json = run("status", "--url", url, "--token-file", viewerToken.toString(), "-o", "json");
    assertThat(json.code()).isEqualTo(ExitCodes.OK);
    assertThat(JsonMapper.shared().readTree(json.out()).path("activeSite").asString())
        .isEqualTo("site-a");
  }

  @Test
  void exitCodesTellScriptsWhatHappened() {
    Run forbidden =
        run("switchover", "--to", "site-b", "--url", url, "--token-file", viewerToken.toString());
    assertThat(forbidden.code()).as(forbidden.err()).isEqualTo(ExitCodes.FORBIDDEN);
    Run refused =
        run("switchover", "--to", "site-a", "--url", url, "--token-file", operatorToken.toString());
    assertThat(refused.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(refused.err()).contains("already active");
    // a refusal is a sentence, not the API's JSON (issue 18.8)
    assertThat(refused.err()).doesNotContain("{", "\"accepted\"");
    assertThat(run("status", "--url", "http://127.0.0.1:9").code())
        .isEqualTo(ExitCodes.UNREACHABLE);
    assertThat(run("switchover").code()).isEqualTo(ExitCodes.INVALID);
    assertThat(run("status", "--url", url, "--timeout", "soon").err())
        .contains("--timeout: expected a duration like 500ms");
  }

  @Test
  void aForcedAcquireNeedsAnAdminAndTheSentenceTypedOut() throws Exception {
    Path admin = Files.writeString(dir.resolve("admin.token"), ADMIN_TOKEN);
    String sentence = io.tandem.app.api.ClusterRuntime.FORCE_ACKNOWLEDGEMENT;
    Run missing = run("force-acquire", "--site", "site-b", "--url", url);
    assertThat(missing.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(missing.err()).contains("--acknowledge");
    Run operator =
        run(
            "force-acquire",
            "--site",
            "site-b",
            "--acknowledge",
            sentence,
            "--url",
            url,
            "--token-file",
            operatorToken.toString());
    assertThat(operator.code()).as(operator.err()).isEqualTo(ExitCodes.FORBIDDEN);
    Run wrong =
        run(
            "force-acquire",
            "--site",
            "site-b",
            "--acknowledge",
            "yes",
            "--url",
            url,
            "--token-file",
            admin.toString());
    assertThat(wrong.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(wrong.err()).contains("acknowledgement must be exactly: " + sentence);
    Run forced =
        run(
            "force-acquire",
            "--site",
            "site-b",
            "--acknowledge",
            sentence,
            "--url",
            url,
            "--token-file",
            admin.toString());
    assertThat(forced.code()).as(forced.err()).isEqualTo(ExitCodes.OK);
    assertThat(forced.out()).contains("forced acquire by site-b");
  }

  @Test
  void versionAndCompletion() {
    Run v = run("version", "-o", "json");
    assertThat(v.code()).isEqualTo(ExitCodes.OK);
    assertThat(JsonMapper.shared().readTree(v.out()).has("version")).isTrue();
    // what `tandem generate-completion` prints: a bash script covering every subcommand
    String script = picocli.AutoComplete.bash("tandem", TandemCommand.commandLine());
    assertThat(script).contains("complete -F", "switchover", "witness", "--output");
  }

  /** Issue 18.8: {@code --help} works on every subcommand, with exit 0, whatever it requires. */
  @Test
  void everySubcommandTakesHelp() {
    for (String name : TandemCommand.commandLine().getSubcommands().keySet()) {
      Run help = run(name, "--help");
      assertThat(help.code()).as(name + " --help: " + help.err()).isEqualTo(ExitCodes.OK);
      assertThat(help.out() + help.err()).as(name).contains("Usage: tandem " + name);
    }
    Run validate = run("validate", "--help");
    assertThat(validate.out())
        .containsPattern("every \\$\\{env:\\.\\.\\.} and \\$\\{file:\\.\\.\\.} secret\\s+reference")
        .doesNotContain("null");
  }

  /** Issue 18.8: the version is the build's, never "dev". */
  @Test
  void theVersionIsTheBuilds() {
    Run v = run("version");
    assertThat(v.out()).matches("(?s)tandem \\d+\\.\\d+\\.\\d+\\S* \\(java .*");
    assertThat(run("--version").out()).containsPattern("tandem \\d+\\.\\d+");
  }
}
