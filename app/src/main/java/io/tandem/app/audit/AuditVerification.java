package io.tandem.app.audit;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * The result of checking an audit log's hash chain from its first line to its last.
 *
 * @param file the file checked
 * @param ok no problem found
 * @param entries chained entries read
 * @param legacy entries written before the log was chained (older versions), at its start
 * @param anchor the {@code prev} of the first chained entry: {@link AuditChain#GENESIS} for a log
 *     that starts at the beginning, another hash for a rotated file
 * @param headSeq the last entry's sequence number (0 when empty)
 * @param head the last entry's hash: record it elsewhere to detect entries removed from the end
 * @param problems the first problems found, each with its line number
 * @param tornTail the file ends in an incomplete entry, not counted (a write in progress, or a
 *     crash that the agent repairs when it starts)
 */
public record AuditVerification(
    String file,
    boolean ok,
    long entries,
    long legacy,
    String anchor,
    long headSeq,
    String head,
    List<String> problems,
    boolean tornTail) {

  static final int MAX_PROBLEMS = 20;

  public AuditVerification {
    problems = List.copyOf(problems);
  }

  static AuditVerification of(String file, List<String> lines, boolean tornTail, JsonMapper json) {
    List<String> problems = new ArrayList<>();
    long entries = 0;
    long legacy = 0;
    String anchor = null;
    String prevHash = null;
    long prevSeq = 0;
    int lineNo = 0;
    int total = 0;
    for (String line : lines) {
      lineNo++;
      AuditEntry e;
      try {
        e = json.readValue(line, AuditEntry.class);
      } catch (RuntimeException unreadable) {
        total += add(problems, "line " + lineNo + ": not a complete entry");
        continue;
      }
      if (e.hash() == null) {
        if (anchor == null) {
          legacy++;
        } else {
          total += add(problems, "line " + lineNo + ": an entry without a hash inside the chain");
        }
        continue;
      }
      if (anchor == null) {
        anchor = e.prev();
      } else {
        if (!e.prev().equals(prevHash)) {
          total +=
              add(
                  problems,
                  "line "
                      + lineNo
                      + ": entry "
                      + e.seq()
                      + " does not follow entry "
                      + prevSeq
                      + " (an entry was removed or changed before it)");
        }
        if (e.seq() != prevSeq + 1) {
          total +=
              add(
                  problems,
                  "line "
                      + lineNo
                      + ": entry "
                      + e.seq()
                      + " after entry "
                      + prevSeq
                      + " ("
                      + Math.abs(e.seq() - prevSeq - 1)
                      + " missing or out of order)");
        }
      }
      String expected = AuditChain.hash(e.prev(), e.chained(e.seq(), e.prev(), null));
      if (!expected.equals(e.hash())) {
        total +=
            add(
                problems,
                "line " + lineNo + ": entry " + e.seq() + " was changed after it was written");
      }
      entries++;
      prevHash = e.hash();
      prevSeq = e.seq();
    }
    if (total > problems.size()) {
      problems.add("… and " + (total - problems.size()) + " more");
    }
    return new AuditVerification(
        file,
        total == 0,
        entries,
        legacy,
        anchor == null ? AuditChain.GENESIS : anchor,
        prevSeq,
        prevHash == null ? AuditChain.GENESIS : prevHash,
        problems,
        tornTail);
  }

  private static int add(List<String> problems, String p) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(p);
    }
    return 1;
  }
}
