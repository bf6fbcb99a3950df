package io.tandem.app.server;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.audit.AuditEntry;
import io.tandem.app.audit.AuditLog;
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
}
