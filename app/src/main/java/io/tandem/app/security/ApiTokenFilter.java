package io.tandem.app.security;

import io.tandem.app.server.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer <token>} against the configured API tokens.
 *
 * <p>Only SHA-256 digests of the tokens are kept, compared in constant time. An unknown token is
 * answered 401 at once (it does not fall through to other mechanisms). Thread-safe.
 */
public final class ApiTokenFilter extends OncePerRequestFilter {

  private record Entry(String name, Role role, byte[] digest) {}

  private final List<Entry> entries;
  private final RefusalAudit audit;
  private final ClientBuckets failures;

  /**
   * @param failures the failed-login budget per client, shared with password logins: a client that
   *     spent it gets 429 for unknown tokens too
   */
  public ApiTokenFilter(
      List<SecurityProperties.Token> tokens, RefusalAudit audit, ClientBuckets failures) {
    this.audit = audit;
    this.failures = failures;
    this.entries =
        tokens.stream().map(t -> new Entry(t.name(), t.role(), sha256(t.token()))).toList();
  }

  /**
   * Sites authenticate to the witness endpoints with their own secrets, and agents to each other's
   * peer endpoints with the cluster's peer secret (HMAC), not API tokens.
   */
  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return request.getRequestURI().startsWith("/witness/")
        || request.getRequestURI().startsWith("/peer/");
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String header = request.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      chain.doFilter(request, response);
      return;
    }
    byte[] presented = sha256(header.substring(7).trim());
    Entry match = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.digest(), presented)) {
        match = e;
      }
    }
    if (match == null) {
      String client = request.getRemoteAddr();
      if (!failures.has(client)) {
        long retry = failures.retryAfterSeconds(client);
        audit.refused(request, 429, "too many failed logins");
        response.setHeader("Retry-After", Long.toString(retry));
        Problems.write(
            request,
            response,
            429,
            "Too Many Requests",
            "too many failed logins from " + client + "; try again later");
        return;
      }
      failures.take(client);
      audit.refused(request, HttpServletResponse.SC_UNAUTHORIZED, "unknown API token");
      response.setHeader("WWW-Authenticate", "Bearer realm=\"tandem\", error=\"invalid_token\"");
      Problems.write(
          request,
          response,
          HttpServletResponse.SC_UNAUTHORIZED,
          "Unauthorized",
          "unknown API token");
      return;
    }
    var auth =
        UsernamePasswordAuthenticationToken.authenticated(
            "token:" + match.name(),
            null,
            List.of(new SimpleGrantedAuthority(match.role().authority())));
    SecurityContextHolder.getContext().setAuthentication(auth);
    try {
      chain.doFilter(request, response);
    } finally {
      SecurityContextHolder.clearContext();
    }
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
  }
}
