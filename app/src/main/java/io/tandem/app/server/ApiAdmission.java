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
 */
public final class ApiAdmission extends OncePerRequestFilter {

  private final Semaphore permits;
  private final long waitMillis;

  public ApiAdmission(int permits, long waitMillis) {
    this.permits = new Semaphore(permits);
    this.waitMillis = waitMillis;
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
    boolean admitted;
    try {
      admitted = permits.tryAcquire(waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      admitted = false;
    }
    if (!admitted) {
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
      permits.release();
    }
  }
}
