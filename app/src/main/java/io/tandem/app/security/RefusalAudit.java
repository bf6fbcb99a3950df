package io.tandem.app.security;

import io.tandem.app.audit.AuditEntry;
import io.tandem.app.audit.AuditLog;
import io.tandem.app.audit.AuditUnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Clock;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a refused request to the audit log and the application log: who it claimed to be, from
 * where, what it asked for, and why it was refused. A refusal whose entry cannot be written is
 * still refused (and logged). Never records a password, a token or a request body: the claimed
 * identity is the user name of a basic credential or the login form, {@code token:unknown} for a
 * bearer token. Thread-safe.
 */
public final class RefusalAudit {

  private static final Logger log = LoggerFactory.getLogger(RefusalAudit.class);

  private final AuditLog audit;
  private final Clock clock;

  public RefusalAudit(AuditLog audit, Clock clock) {
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Records that {@code request} was answered {@code status} because of {@code why}.
   *
   * @param why the server's own words
   */
  public void refused(HttpServletRequest request, int status, String why) {
    String actor = claimedActor(request);
    String action = request.getMethod() + " " + request.getRequestURI();
    String detail = status + " " + why + " (from " + request.getRemoteAddr() + ")";
    log.warn("refused {} by {}: {}", sanitized(action), sanitized(actor), detail);
    try {
      audit.append(AuditEntry.of(clock.instant(), actor, action, "", "refused", detail));
    } catch (AuditUnavailableException e) {
      log.error("refusal not audited: {}", e.getMessage());
    }
  }

  /** The authenticated name, else the identity a credential claims, else {@code anonymous}. */
  static String claimedActor(HttpServletRequest request) {
    Principal p = request.getUserPrincipal();
    if (p != null) {
      return p.getName();
    }
    String auth = request.getHeader("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String pair =
            new String(
                Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        return "claimed:" + (colon < 0 ? "?" : pair.substring(0, colon));
      } catch (IllegalArgumentException notBase64) {
        return "claimed:?";
      }
    }
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return "token:unknown";
    }
    if ("POST".equals(request.getMethod()) && "/login".equals(request.getRequestURI())) {
      String user = request.getParameter("username");
      return user == null ? "anonymous" : "claimed:" + user;
    }
    return "anonymous";
  }

  private static String sanitized(String s) {
    return io.tandem.core.config.SafeText.cut(s, 120);
  }
}
