package io.tandem.app.security;

import io.tandem.app.server.Problems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.csrf.CsrfException;

/**
 * The security layer's refusals as RFC 9457 problem details, like every other error: 401 with a
 * {@code WWW-Authenticate} challenge (RFC 9110 §15.5.2) for a missing or wrong credential, 403 for
 * a role that may not act or a missing CSRF token. A browser navigating to a page (not the API) is
 * sent to the login form instead.
 */
final class ProblemRefusals implements AuthenticationEntryPoint, AccessDeniedHandler {

  static final String CHALLENGE = "Basic realm=\"tandem\", Bearer realm=\"tandem\"";

  /**
   * For the console's own calls ({@code X-Requested-With: XMLHttpRequest}): a browser answers a
   * Basic challenge with its password dialog, so only the Bearer scheme is named, as Spring
   * Security leaves the challenge out for such requests.
   */
  static final String SCRIPT_CHALLENGE = "Bearer realm=\"tandem\"";

  private final LoginUrlAuthenticationEntryPoint login =
      new LoginUrlAuthenticationEntryPoint("/login");
  private final RefusalAudit audit;

  ProblemRefusals(RefusalAudit audit) {
    this.audit = audit;
  }

  @Override
  public void commence(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException, jakarta.servlet.ServletException {
    if (isPageNavigation(request)) {
      login.commence(request, response, e);
      return;
    }
    if (e instanceof LoginThrottledException t) {
      throttled(request, response, t);
      return;
    }
    String why =
        e instanceof BadCredentialsException
            ? "wrong user name or password"
            : "authentication required: a valid user or API token";
    audit.refused(request, HttpServletResponse.SC_UNAUTHORIZED, why);
    unauthorized(request, response, why);
  }

  /** 429 with {@code Retry-After}: counted in the audit's summary, not one entry each. */
  void throttled(
      HttpServletRequest request, HttpServletResponse response, LoginThrottledException t)
      throws IOException {
    audit.refused(request, 429, t.getMessage());
    response.setHeader("Retry-After", Long.toString(t.retryAfterSeconds()));
    Problems.write(request, response, 429, "Too Many Requests", t.getMessage());
  }

  static void unauthorized(HttpServletRequest request, HttpServletResponse response, String detail)
      throws IOException {
    boolean script = "XMLHttpRequest".equals(request.getHeader("X-Requested-With"));
    response.setHeader("WWW-Authenticate", script ? SCRIPT_CHALLENGE : CHALLENGE);
    Problems.write(request, response, HttpServletResponse.SC_UNAUTHORIZED, "Unauthorized", detail);
  }

  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    String detail =
        e instanceof CsrfException
            ? "missing or wrong CSRF token for this session (send the XSRF-TOKEN cookie's value"
                + " as the X-XSRF-TOKEN header)"
            : "your role may not do this";
    audit.refused(request, HttpServletResponse.SC_FORBIDDEN, detail);
    Problems.write(request, response, HttpServletResponse.SC_FORBIDDEN, "Forbidden", detail);
  }

  /** A browser loading a page (not the API, not a script): the login form helps it more. */
  static boolean isPageNavigation(HttpServletRequest request) {
    String uri = request.getRequestURI();
    if (uri.startsWith("/api/") || uri.startsWith("/actuator/")) {
      return false;
    }
    String accept = request.getHeader("Accept");
    return "GET".equals(request.getMethod()) && accept != null && accept.contains("text/html");
  }
}
