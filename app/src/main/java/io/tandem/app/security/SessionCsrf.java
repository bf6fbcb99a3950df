package io.tandem.app.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * CSRF protection tied to the console's session (OWASP's "synchronizer token"): the token lives in
 * the server-side session, and a request is checked against that session's token, never against a
 * value the client also sent in a cookie (a cookie planted by a sibling host would pass a plain
 * double-submit check). The console's JavaScript reads a copy from the {@code XSRF-TOKEN} cookie
 * ({@code SameSite=Strict}, not {@code HttpOnly}), written here whenever a session exists.
 *
 * <p>Only requests from a non-browser client are exempt ({@link #STATELESS_CLIENT}): a bearer token
 * (browsers never attach one by themselves), or basic credentials on a request that shows none of a
 * browser's marks — no session cookie, no {@code Origin}, no cross-site {@code Sec-Fetch-Site}. A
 * browser that remembers basic credentials for this host sends them on a cross-site form post too;
 * such a request is checked.
 */
final class SessionCsrf extends OncePerRequestFilter {

  static final String COOKIE = "XSRF-TOKEN";

  /** Requests that cannot come from a browser riding on someone's session. */
  static final RequestMatcher STATELESS_CLIENT =
      r -> {
        String auth = r.getHeader("Authorization");
        if (auth == null) {
          return false;
        }
        if (auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
          return true;
        }
        String fetchSite = r.getHeader("Sec-Fetch-Site");
        return auth.regionMatches(true, 0, "Basic ", 0, 6)
            && r.getRequestedSessionId() == null
            && r.getHeader("Origin") == null
            && (fetchSite == null || fetchSite.equals("none"));
      };

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    CsrfToken token = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
    // only a request with a session has a token worth showing; never create a session here
    if (token != null && request.getSession(false) != null) {
      String value = token.getToken();
      if (!value.equals(cookie(request))) {
        Cookie c = new Cookie(COOKIE, value);
        c.setPath("/");
        c.setSecure(request.isSecure());
        c.setHttpOnly(false); // the console's script copies it into the X-XSRF-TOKEN header
        c.setAttribute("SameSite", "Strict");
        response.addCookie(c);
      }
    }
    chain.doFilter(request, response);
  }

  private static String cookie(HttpServletRequest request) {
    if (request.getCookies() == null) {
      return null;
    }
    for (Cookie c : request.getCookies()) {
      if (COOKIE.equals(c.getName())) {
        return c.getValue();
      }
    }
    return null;
  }
}
