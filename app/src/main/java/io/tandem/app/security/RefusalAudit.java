package io.tandem.app.security;

import io.tandem.app.audit.AuditEntry;
import io.tandem.app.audit.AuditLog;
import io.tandem.app.audit.AuditUnavailableException;
import io.tandem.core.config.SafeText;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes refused requests to the audit log and the application log: who it claimed to be, from
 * where, what it asked for, and why it was refused. Never records a password, a token or a request
 * body: the claimed identity is the user name of a basic credential or the login form, {@code
 * token:unknown} for a bearer token.
 *
 * <p>A flood must not turn the audit log into the bottleneck (each entry is an fsync): each client
 * address may have {@value #BURST} refusals written one by one, then one per second; the rest, and
 * every 429 (throttled) answer, are counted and written as one summary entry per client every
 * {@value #SUMMARY_SECONDS} s ({@code "refused 57 more requests: 401 x3, 429 x54"}). Failed logins
 * are rationed more tightly by the login throttle, so each one that is checked gets its own entry.
 *
 * <p>A refusal whose entry cannot be written is still refused (and logged). Thread-safe.
 */
public final class RefusalAudit implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RefusalAudit.class);

  static final int BURST = 30;
  static final int SUMMARY_SECONDS = 10;

  private record Pending(Instant first, Instant last, Map<Integer, Integer> byStatus) {}

  private final AuditLog audit;
  private final Clock clock;
  private final ClientBuckets budget;
  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private final ScheduledExecutorService flusher;

  public RefusalAudit(AuditLog audit, Clock clock) {
    this.audit = audit;
    this.clock = clock;
    this.budget = new ClientBuckets(BURST, Duration.ofSeconds(1), 10_000, System::nanoTime);
    this.flusher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tandem-refusal-audit");
              t.setDaemon(true);
              return t;
            });
    flusher.scheduleWithFixedDelay(this::flush, SUMMARY_SECONDS, SUMMARY_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Records that {@code request} was answered {@code status} because of {@code why}.
   *
   * @param why the server's own words
   */
  public void refused(HttpServletRequest request, int status, String why) {
    String client = request.getRemoteAddr();
    if (status == 429 || !budget.tryTake(client)) {
      count(client, status);
      return;
    }
    String actor = claimedActor(request);
    String action = request.getMethod() + " " + request.getRequestURI();
    String detail = status + " " + why + " (from " + client + ")";
    log.warn("refused {} by {}: {}", SafeText.cut(action, 120), SafeText.cut(actor, 64), detail);
    write(AuditEntry.of(clock.instant(), actor, action, "", "refused", detail));
  }

  private synchronized void count(String client, int status) {
    Instant now = clock.instant();
    Pending p = pending.computeIfAbsent(client, c -> new Pending(now, now, new TreeMap<>()));
    p.byStatus().merge(status, 1, Integer::sum);
    pending.put(client, new Pending(p.first(), now, p.byStatus()));
  }

  /** Writes one summary entry per client with refusals not written one by one. */
  void flush() {
    Map<String, Pending> due;
    synchronized (this) {
      if (pending.isEmpty()) {
        return;
      }
      due = new LinkedHashMap<>(pending);
      pending.clear();
    }
    due.forEach(
        (client, p) -> {
          int total = p.byStatus().values().stream().mapToInt(Integer::intValue).sum();
          StringBuilder by = new StringBuilder();
          p.byStatus()
              .forEach(
                  (s, n) -> by.append(by.isEmpty() ? "" : ", ").append(s).append(" x").append(n));
          String detail =
              "refused "
                  + total
                  + " more requests from "
                  + client
                  + " between "
                  + p.first()
                  + " and "
                  + p.last()
                  + " ("
                  + by
                  + "), not written one by one";
          log.warn("{}", detail);
          write(
              AuditEntry.of(
                  clock.instant(), "client:" + client, "requests", "", "refused", detail));
        });
  }

  private void write(AuditEntry e) {
    try {
      audit.append(e);
    } catch (AuditUnavailableException x) {
      log.error("refusal not audited: {}", x.getMessage());
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

  /** Writes what is still counted, then stops. */
  @Override
  public void close() {
    flusher.shutdownNow();
    flush();
  }
}
