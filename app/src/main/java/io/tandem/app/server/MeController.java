package io.tandem.app.server;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.security.Role;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Who the caller is and what role it has (the console hides actions a viewer cannot take). */
@RestController
@Tag(name = "status")
public class MeController {

  /** The caller. */
  public record Me(String name, Role role) {}

  @GetMapping("/api/v1/me")
  @Operation(summary = "The authenticated caller and its highest role")
  public Me me(Authentication auth) {
    Role best = Role.VIEWER;
    for (var a : auth.getAuthorities()) {
      for (Role r : Role.values()) {
        if (r.authority().equals(a.getAuthority()) && r.ordinal() > best.ordinal()) {
          best = r;
        }
      }
    }
    return new Me(auth.getName(), best);
  }
}
