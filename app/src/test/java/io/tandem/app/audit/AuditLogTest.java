package io.tandem.app.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit file survives torn writes and shows edits and deletions. */
class AuditLogTest {

  @TempDir Path dir;

  static AuditEntry entry(String action, String target) {
    return AuditEntry.of(
        Instant.parse("2026-12-06T10:00:00Z"), "olive", action, target, "accepted", "ok");
  }

  @Test
  void aTornLastEntryIsCutOffAtOpenAndTheNextOneIsNotGluedToIt() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLog log = new AuditLog(file)) {
      log.append(entry("maintenance-on", "alpha"));
      log.append(entry("maintenance-off", "alpha"));
    }
    String torn = "{\"seq\":3,\"at\":\"2026-12-06T10:00:0";
    Files.writeString(file, torn, StandardOpenOption.APPEND);

    try (AuditLog log = new AuditLog(file)) {
      assertThat(log.repairAtOpen())
          .hasValueSatisfying(r -> assertThat(r.droppedBytes()).isEqualTo(torn.length()));
      log.append(entry("switchover", "beta"));

      assertThat(log.newest(10))
          .extracting(AuditEntry::seq, AuditEntry::action)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(3L, "switchover"),
              org.assertj.core.groups.Tuple.tuple(2L, "maintenance-off"),
              org.assertj.core.groups.Tuple.tuple(1L, "maintenance-on"));
      assertThat(log.verify().ok()).isTrue();
      assertThat(Files.readString(file)).endsWith("\n");
      assertThat(Files.readAllLines(file)).hasSize(3).allSatisfy(l -> assertThat(l).endsWith("}"));
    }
  }

  @Test
  void aTornTailLeftByAnOlderVersionIsRepairedAndItsEntriesCountAsLegacy() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    Files.writeString(
        file,
        "{\"at\":\"2026-12-01T10:00:00Z\",\"actor\":\"olive\",\"action\":\"drill\","
            + "\"target\":\"cluster\",\"result\":\"accepted\",\"detail\":\"drill started\"}\n"
            + "{\"at\":\"2026-12-01T10:05:00Z\",\"actor\":\"oli");
    try (AuditLog log = new AuditLog(file)) {
      assertThat(log.repairAtOpen()).isPresent();
      log.append(entry("maintenance-on", "alpha"));
      AuditVerification v = log.verify();
      assertThat(v.ok()).as(v.problems().toString()).isTrue();
      assertThat(v.legacy()).isEqualTo(1);
      assertThat(v.entries()).isEqualTo(1);
      assertThat(log.newest(10)).extracting(AuditEntry::action).contains("drill");
    }
  }

  @Test
  void anEditedEntryIsDetected() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLog log = new AuditLog(file)) {
      for (int i = 0; i < 3; i++) {
        log.append(entry("maintenance-on", "alpha"));
      }
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    lines.set(1, lines.get(1).replace("\"actor\":\"olive\"", "\"actor\":\"mallory\""));
    Files.write(file, lines, StandardCharsets.UTF_8);

    try (AuditLog log = new AuditLog(file)) {
      AuditVerification v = log.verify();
      assertThat(v.ok()).isFalse();
      assertThat(v.problems()).containsExactly("line 2: entry 2 was changed after it was written");
    }
  }

  @Test
  void aDeletedEntryIsDetected() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLog log = new AuditLog(file)) {
      for (int i = 0; i < 4; i++) {
        log.append(entry("maintenance-on", "alpha"));
      }
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    lines.remove(1);
    Files.write(file, lines, StandardCharsets.UTF_8);

    try (AuditLog log = new AuditLog(file)) {
      AuditVerification v = log.verify();
      assertThat(v.ok()).isFalse();
      assertThat(v.problems())
          .containsExactly(
              "line 2: entry 3 does not follow entry 1 (an entry was removed or changed before it)",
              "line 2: entry 3 after entry 1 (1 missing or out of order)");
      assertThat(v.headSeq()).isEqualTo(4);
    }
  }

  @Test
  void clientTextIsCutAndEscapedBeforeItIsWritten() throws Exception {
    try (AuditLog log = new AuditLog(dir.resolve("audit.jsonl"))) {
      AuditEntry e =
          log.append(
              AuditEntry.of(
                  Instant.now(),
                  "claimed:\u202Eeilo",
                  "switchover",
                  "x".repeat(10_000),
                  "refused",
                  "y".repeat(10_000)));
      assertThat(e.actor()).isEqualTo("claimed:\\u202Eeilo");
      assertThat(e.target()).hasSizeLessThan(200);
      assertThat(e.detail()).hasSizeLessThan(AuditEntry.MAX_FIELD + 40);
      assertThat(Files.size(log.file())).isLessThan(2_000);
    }
  }
}
