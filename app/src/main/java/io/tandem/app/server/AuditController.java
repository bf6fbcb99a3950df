package io.tandem.app.server;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.audit.AuditEntry;
import io.tandem.app.audit.AuditLog;
import io.tandem.app.audit.AuditVerification;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The append-only audit log of every mutation (operator). */
@RestController
@Tag(name = "audit")
public class AuditController {

  private final AuditLog audit;

  public AuditController(AuditLog audit) {
    this.audit = audit;
  }

  @GetMapping("/api/v1/audit")
  @Operation(summary = "Who did what, when, with which result; newest first")
  public List<AuditEntry> audit(@RequestParam(defaultValue = "100") int limit) {
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit: expected 1..10000, got " + limit);
    }
    return audit.newest(limit);
  }

  @GetMapping("/api/v1/audit/verify")
  @Operation(
      summary = "Check the audit log's hash chain",
      description =
          "Recomputes every entry's hash: an edited entry, a removed one or a gap in the sequence"
              + " is reported with its line. Compare the head with one recorded earlier to detect"
              + " entries removed from the end.")
  public AuditVerification verify() {
    AuditVerification v = audit.verify();
    // the data directory is the operator's business, not the API's
    return new AuditVerification(
        "audit.jsonl",
        v.ok(),
        v.entries(),
        v.legacy(),
        v.anchor(),
        v.headSeq(),
        v.head(),
        v.problems(),
        v.tornTail());
  }
}
