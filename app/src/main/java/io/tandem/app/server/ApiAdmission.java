package io.tandem.app.server;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Keeps the API from taking the agent's threads: at most {@code permits} API, console and actuator
 * requests are worked on at once; one that finds no permit within {@code waitMillis} is answered
 * 503 with {@code Retry-After: 1} instead of queueing. The peer link ({@code /peer/**}), the
 * witness endpoints ({@code /witness/**}) and the health probe are not counted, so a flood of API
 * requests never delays the messages the decision loop depends on (the container's thread pool is
 * larger than {@code permits}). The decision loop, ticket renewals and sensors run on their own
 * threads, not the container's. Thread-safe.
 *
 * <p><b>Operator commands keep a reserve.</b> {@code commandPermits} more permits are kept for
 * {@code POST /api/v1/commands/**} that carry credentials (an {@code Authorization} header or a
 * console session cookie): a command takes one of those first, then a shared one. So a flood of
 * reads, however many clients send it, never keeps an operator's switchover out — the way database
 * servers keep connections for administrators ({@code superuser_reserved_connections} in
 * PostgreSQL, MySQL's extra admin connection). Who may run the command is decided after admission
 * by the security chain, as for any request; a command without credentials gets no reserve (it is
 * refused there at once anyway), and wrong passwords are throttled per address before any costly
 * check, so the reserve cannot be held long by anyone who cannot log in.
 */
public final class ApiAdmission extends OncePerRequestFilter {

  /** Where operator commands live (every one is a POST). */
  static final String COMMANDS = "/api/v1/commands/";

  private final Semaphore permits;
  private final Semaphore commandReserve;
  private final long waitMillis;

  public ApiAdmission(int permits, long waitMillis) {
    this(permits, 0, waitMillis);
  }

  /**
   * @param permits requests of any kind worked on at once
   * @param commandPermits further permits only operator commands with credentials may take
   * @param waitMillis how long a request waits for a permit before it is answered 503
   */
  public ApiAdmission(int permits, int commandPermits, long waitMillis) {
    if (permits < 1 || commandPermits < 0) {
      throw new IllegalArgumentException(
          "api permits must be >= 1 and command permits >= 0, were "
              + permits
              + " and "
              + commandPermits);
    }
    this.permits = new Semaphore(permits);
    this.commandReserve = new Semaphore(commandPermits);
    this.waitMillis = waitMillis;
  }

  /** An operator command with credentials of some kind (checked later by the security chain). */
  static boolean command(HttpServletRequest request) {
    if (!"POST".equals(request.getMethod()) || !request.getRequestURI().startsWith(COMMANDS)) {
      return false;
    }
    return request.getHeader("Authorization") != null || request.getRequestedSessionId() != null;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String uri = request.getRequestURI();
    return uri.startsWith("/peer/")
        || uri.startsWith("/witness/")
        || uri.equals("/actuator/health")
        || uri.startsWith("/actuator/health/");
  }

  @Override
  protected boolean shouldNotFilterAsyncDispatch() {
    return true;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Semaphore taken = null;
    if (command(request) && commandReserve.tryAcquire()) {
      taken = commandReserve;
    } else {
      try {
        if (permits.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
          taken = permits;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (taken == null) {
      response.setHeader("Retry-After", "1");
      Problems.write(
          request,
          response,
          HttpServletResponse.SC_SERVICE_UNAVAILABLE,
          "API busy",
          "the API is answering as many requests as it may at once; retry in a second");
      return;
    }
    try {
      chain.doFilter(request, response);
    } finally {
      taken.release();
    }
  }
}
