package io.tandem.app.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.ExitCodes;
import io.tandem.app.cli.TandemCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 18.8: every command the README, the docs and the packaging files tell people to type. Each
 * one is found (fenced code blocks of README.md and docs/*.md, the units' {@code ExecStart}, the
 * examples' header comments), and each is accounted for:
 *
 * <ul>
 *   <li>every {@code tandem} command line is parsed by the real command line as written (unknown
 *       options, missing required ones and misspelt subcommands fail here);
 *   <li>{@code tandem validate} of a file in this repository is run, and must say "valid";
 *   <li>the quickstart's commands are run end to end by {@link QuickstartIT}, {@code ./scripts/lab}
 *       by {@code LabScriptIT}, {@code ./scripts/test} is CI itself;
 *   <li>the rest need what CI hosts do not have (systemd, a real AWS account, a host's own files):
 *       they are in {@link #NOT_RUN}, each with its reason, and the test prints that list.
 * </ul>
 *
 * A command in a page that none of these covers fails the test: new documentation must say how it
 * is checked.
 */
class DocumentedCommandsTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** Commands (prefix as written) that are not run here, and why. */
  static final Map<String, String> NOT_RUN = new LinkedHashMap<>();

  static {
    NOT_RUN.put(
        "systemctl ",
        "needs systemd, which CI hosts do not run (PackagingTest checks the"
            + " units with systemd-analyze --offline)");
    NOT_RUN.put(
        "tandem witness init ",
        "creates a DynamoDB table in a real AWS account (parsed"
            + " here; WitnessInitCommandTest runs it against the emulator)");
    NOT_RUN.put(
        "tandem validate --resolve-secrets --site \"$TANDEM_SITE\" /etc/tandem/",
        "reads a host's /etc/tandem (parsed here; ValidateCommandTest runs --resolve-secrets)");
    NOT_RUN.put("tandem validate /etc/tandem/", "reads a host's /etc/tandem (parsed here)");
    NOT_RUN.put("tandem validate broken.yaml", "a file the page shows being fixed (parsed here)");
    NOT_RUN.put(
        "tandem audit verify --data-dir /var/lib/tandem",
        "reads a host's audit log (parsed here; AuditCommandTest runs it on a real agent's)");
    NOT_RUN.put("tandem lab --real-peers ", "the lab's own tests run it (parsed here)");
    NOT_RUN.put(
        "/usr/local/bin/tandem ",
        "a unit's ExecStart: needs systemd and /etc/tandem"
            + " (parsed here; AgentCommandTest and WitnessCommandTest start the same commands)");
    NOT_RUN.put("tandem witness --config loopback.yaml", "needs the example's peers (parsed here)");
    NOT_RUN.put("tandem agent --config loopback.yaml", "needs the example's peers (parsed here)");
  }

  /** Run elsewhere, end to end. */
  static final Map<String, String> RUN_BY =
      Map.of(
          "docs/quickstart.md", "QuickstartIT",
          "./scripts/lab", "LabScriptIT",
          "./scripts/test", "CI itself (.ci/run)",
          "./mvnw ", "the build CI runs",
          "tandem status", "ApprovalGatesTest (and PeerStatusTruthTest, QuickstartIT)",
          "tandem approve ", "ApprovalGatesTest",
          "tandem deny ", "ApprovalGatesTest",
          "tandem force-acquire ", "CliTest (AgentAssemblyTest: the sentence on a real agent)");

  record Command(String page, String line) {}

  static List<Command> documented() throws IOException {
    List<Command> out = new ArrayList<>();
    List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    Pattern block = Pattern.compile("```[a-z]*\\n(.*?)```", Pattern.DOTALL);
    Pattern command =
        Pattern.compile("^(?:\\$ )?((?:\\./scripts/|\\./mvnw|tandem |systemctl ).*)$");
    for (Path page : pages) {
      Matcher m = block.matcher(Files.readString(page));
      while (m.find()) {
        for (String line : m.group(1).split("\n")) {
          Matcher c = command.matcher(line.strip());
          // "tandem lab: a SIMULATED cluster ..." is output shown, not a command
          if (c.matches() && !c.group(1).matches("tandem [a-z-]+:.*")) {
            out.add(new Command(ROOT.relativize(page).toString(), c.group(1)));
          }
        }
      }
    }
    try (Stream<Path> units = Files.list(ROOT.resolve("packaging/systemd"))) {
      for (Path unit : units.sorted().toList()) {
        for (String line : Files.readAllLines(unit)) {
          if (line.startsWith("ExecStart=")) {
            out.add(new Command(ROOT.relativize(unit).toString(), line.substring(10)));
          }
        }
      }
    }
    try (Stream<Path> examples = Files.list(ROOT.resolve("docs/examples"))) {
      for (Path ex : examples.sorted().toList()) {
        for (String line : Files.readAllLines(ex)) {
          if (line.matches("#\\s+tandem .*")) {
            out.add(new Command(ROOT.relativize(ex).toString(), line.replaceFirst("#\\s+", "")));
          }
        }
      }
    }
    return out;
  }

  /** The words of a shell line up to a redirection, pipe, {@code &} or comment. */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(line);
    while (m.find()) {
      String w = m.group(3);
      if (w != null
          && (w.startsWith(">")
              || w.startsWith("2>")
              || w.equals("&")
              || w.equals("|")
              || w.equals("&&")
              || w.startsWith("#"))) {
        break;
      }
      out.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : w);
    }
    return out;
  }

  @Test
  void everyDocumentedCommandIsRunParsedOrListedWithAReason() throws IOException {
    List<Command> commands = documented();
    assertThat(commands).hasSizeGreaterThan(15);
    List<String> unaccounted = new ArrayList<>();
    List<String> notRun = new ArrayList<>();
    int parsed = 0;
    int ran = 0;
    for (Command c : commands) {
      String line = c.line();
      String elsewhere =
          RUN_BY.entrySet().stream()
              .filter(e -> c.page().equals(e.getKey()) || line.startsWith(e.getKey()))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElse(null);
      boolean tandem = line.startsWith("tandem ") || line.startsWith("/usr/local/bin/tandem ");
      if (tandem) {
        List<String> args = words(line.replace("${TANDEM_SITE}", "alpha"));
        args.removeFirst();
        args.removeIf(a -> a.startsWith("[") || a.endsWith("]")); // "[--profile admin]": optional
        String why = parse(args);
        if (why != null) {
          unaccounted.add(c.page() + ": `" + line + "` does not parse: " + why);
          continue;
        }
        parsed++;
        if (args.getFirst().equals("validate") && elsewhere == null) {
          Path file = ROOT.resolve(c.page()).getParent().resolve(args.getLast());
          if (Files.isRegularFile(file)) {
            args.set(args.size() - 1, file.toString());
            Run r = run(args);
            assertThat(r.code()).as(c + ": " + r.out()).isEqualTo(ExitCodes.OK);
            assertThat(r.out()).as(c.toString()).contains("valid");
            ran++;
            continue;
          }
        }
      }
      if (elsewhere != null) {
        continue;
      }
      String reason =
          NOT_RUN.entrySet().stream()
              .filter(e -> line.startsWith(e.getKey()))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElse(null);
      if (reason == null) {
        unaccounted.add(
            c.page() + ": `" + line + "` is neither run, nor run elsewhere, nor listed");
      } else {
        notRun.add(c.page() + ": `" + line + "`\n    not run here: " + reason);
      }
    }
    System.out.println(
        commands.size()
            + " documented commands; "
            + parsed
            + " parsed by the CLI, "
            + ran
            + " run here; not run, with the reason:");
    notRun.forEach(System.out::println);
    assertThat(unaccounted).isEmpty();
  }

  /** Why picocli refuses the command line as written, or null when it parses. */
  static String parse(List<String> args) {
    try {
      TandemCommand.commandLine().parseArgs(args.toArray(String[]::new));
      return null;
    } catch (CommandLine.ParameterException e) {
      return e.getMessage();
    }
  }

  record Run(int code, String out) {}

  static Run run(List<String> args) {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      CommandLine cl = TandemCommand.commandLine();
      cl.setErr(new PrintWriter(err, true));
      int code = cl.execute(args.toArray(String[]::new));
      return new Run(code, out.toString(StandardCharsets.UTF_8) + err);
    } finally {
      System.setOut(old);
    }
  }
}
