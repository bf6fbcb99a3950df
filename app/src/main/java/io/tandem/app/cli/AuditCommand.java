package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.app.audit.AuditLog;
import io.tandem.app.audit.AuditVerification;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tandem audit verify [--data-dir /var/lib/tandem | --file audit.jsonl]}: checks the audit
 * log's hash chain on this host, offline (no running agent needed). Exit 0 when intact, 1 when a
 * changed, removed or unreadable entry was found, 2 when the file cannot be read.
 */
@Command(
    name = "audit",
    description = "Check the audit log.",
    subcommands = {AuditCommand.Verify.class})
public final class AuditCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code tandem audit verify}. */
  @Command(
      name = "verify",
      description =
          "Recompute the audit log's hash chain: report edited, removed or torn entries and print"
              + " the head to record elsewhere (exit 0 intact, 1 damaged).")
  public static final class Verify implements Callable<Integer> {

    @Option(
        names = "--data-dir",
        defaultValue = "/var/lib/tandem",
        description = "The agent's (or witness's) data directory holding audit.jsonl.")
    Path dataDir;

    @Option(names = "--file", description = "An audit file to check (e.g. a rotated one).")
    Path file;

    @Mixin OutputOptions output;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Path f = file != null ? file : dataDir.resolve("audit.jsonl");
      if (!Files.isRegularFile(f) || !Files.isReadable(f)) {
        throw new CliException(f + ": no readable audit log here", ExitCodes.INVALID);
      }
      // read-only: the running agent may be writing; it repairs a torn tail itself at start
      AuditVerification v = AuditLog.verify(f);
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(v));
      } else {
        out.println(
            f
                + (v.ok() ? ": intact, " : ": DAMAGED, ")
                + v.entries()
                + " chained entries"
                + (v.legacy() > 0 ? " after " + v.legacy() + " older unchained ones" : "")
                + "; head: entry "
                + v.headSeq()
                + " hash "
                + v.head()
                + (v.anchor().equals(io.tandem.app.audit.AuditChain.GENESIS)
                    ? ""
                    : "; starts after hash " + v.anchor() + " (a rotated file)"));
        v.problems().forEach(p -> out.println("  " + p));
        if (v.tornTail()) {
          out.println(
              "  the file ends in an incomplete entry (a write in progress, or a crash: the agent"
                  + " cuts it off when it starts)");
        }
      }
      out.flush();
      return v.ok() ? ExitCodes.OK : ExitCodes.REFUSED;
    }
  }
}
