package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.ExitCodes;
import io.tandem.app.audit.AuditEntry;
import io.tandem.app.audit.AuditLog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tandem audit verify --data-dir <dir>}, as docs/operations.md writes it. */
class AuditCommandTest {

  record Run(int code, String out) {}

  static Run run(String... args) {
    CommandLine cl = TandemCommand.commandLine();
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(out));
    return new Run(cl.execute(args), out.toString());
  }

  @Test
  void anIntactLogVerifiesAndAnEditedOneDoesNot(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLog log = new AuditLog(file)) {
      for (String action : List.of("maintenance-on", "switchover", "maintenance-off")) {
        log.append(AuditEntry.of(Instant.now(), "olive", action, "alpha", "accepted", "ok"));
      }
    }

    Run ok = run("audit", "verify", "--data-dir", dir.toString());
    assertThat(ok.code()).as(ok.out()).isEqualTo(ExitCodes.OK);
    assertThat(ok.out()).contains("intact, 3 chained entries; head: entry 3 hash ");

    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    lines.set(1, lines.get(1).replace("switchover", "drill"));
    Files.write(file, lines, StandardCharsets.UTF_8);

    Run damaged = run("audit", "verify", "--data-dir", dir.toString());
    assertThat(damaged.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(damaged.out())
        .contains("DAMAGED")
        .contains("line 2: entry 2 was changed after it was written");

    Run json = run("audit", "verify", "--file", file.toString(), "--output", "json");
    assertThat(json.out()).contains("\"ok\" : false");
  }
}
