package io.tandem.onprem.pbx;

import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One supervised management session with a PBX (AMI or event socket), shared by the PBX controls
 * and sensors of a site. What it guarantees, whatever the product:
 *
 * <ul>
 *   <li><b>One request at a time</b>, each bounded by the caller's own budget (a sensor passes less
 *       than its timeout, so the adapter's error, not the sensor's timeout, explains a failure).
 *   <li><b>Dead connections are dropped</b>: an idle session is pinged every {@link
 *       PbxAccess#keepAlive()}; a ping or request without an answer in time, or a closed socket,
 *       discards the connection and a new one is opened at once, then every keep-alive period.
 *   <li><b>Logins happen in the background</b> with the full {@link PbxAccess#timeout()} (Asterisk
 *       answers a refused login only after a second), so a refusal is learned and reported in the
 *       PBX's words even by a sensor with a shorter budget.
 *   <li><b>fail2ban-safe</b>: after the PBX refuses the credentials, no login (shared or fresh) is
 *       tried for {@link PbxAccess#loginBackoff()}; callers get the remembered refusal meanwhile.
 *   <li><b>An interrupt does not close it</b>: a caller on a virtual thread that is interrupted
 *       mid-call (a runbook step cut off) stops waiting; the exchange ends on a thread of its own,
 *       so the next caller (the fence) finds the connection open.
 *   <li><b>Quiet</b>: each change of state (connected, lost, unreachable, refused, stopping) is
 *       logged once, not on every retry.
 * </ul>
 *
 * <p>Hand-written rather than taken from a client library: asterisk-java's {@code
 * ManagerConnection} owns reconnection itself (an endless loop on a fixed 50 ms / 5 s cadence that
 * logs every attempt, with no keep-alive and no login backoff), holds its connection lock across
 * the login, and warns on every header newer than the library. Tandem needs these few rules to
 * hold, over two simple text protocols.
 *
 * <p>Thread-safe. A keeper thread (virtual) runs from the first use until {@link #close()}.
 *
 * @param <L> the product's connection type
 */
public final class PbxSession<L extends PbxSession.Link> implements AutoCloseable {

  /** An authenticated management connection. Used by one thread at a time (the session's lock). */
  public interface Link extends AutoCloseable {

    /** A keep-alive round trip within the deadline; {@link LinkBrokenException} when it fails. */
    void ping(Deadline deadline);

    /** Logs off if it can, and closes the socket; quiet and idempotent. */
    @Override
    void close();
  }

  /** Work done on the shared connection, within the caller's deadline. */
  @FunctionalInterface
  public interface Work<L, T> {
    T run(L link, Deadline deadline);
  }

  /** Opens and authenticates a new connection within the deadline. */
  @FunctionalInterface
  public interface Opener<L> {
    /**
     * @throws LoginRefusedException the PBX refused the credentials
     * @throws PbxStoppingException the PBX is shutting down
     * @throws TransientException unreachable, or no answer in time
     */
    L open(Deadline deadline);
  }

  private enum Kind {
    DOWN,
    STOPPING,
    REFUSED
  }

  /** Why there is no connection now. */
  private record Problem(Kind kind, TandemException cause, long sinceNanos, long retryAtNanos) {}

  private static final Logger LOG = LoggerFactory.getLogger(PbxSession.class);

  private final String product;
  private final PbxAccess access;
  private final Opener<L> opener;
  private final ReentrantLock lock = new ReentrantLock(true);
  private final Condition changed = lock.newCondition();
  private final Semaphore kick = new Semaphore(0);
  private L link; // guarded by lock
  private volatile long lastUsedNanos;
  private volatile L inUse;
  private volatile Problem problem;
  private volatile boolean attempted;
  private volatile String activity = "idle";
  private volatile long activitySinceNanos = System.nanoTime();
  private volatile long busyUntilNanos; // the running request's own deadline, 0 when none
  private volatile String lastLogged = "";
  private volatile boolean closed;
  private Thread keeper; // guarded by this
  private CompletableFuture<Duration> freshLogin; // guarded by this
  private volatile long freshLoginDoneNanos;

  /**
   * @param product {@code Asterisk} or {@code FreeSWITCH}, for messages
   */
  public PbxSession(String product, PbxAccess access, Opener<L> opener) {
    this.product = Objects.requireNonNull(product, "product");
    this.access = Objects.requireNonNull(access, "access");
    this.opener = Objects.requireNonNull(opener, "opener");
  }

  public PbxAccess access() {
    return access;
  }

  /** {@code Asterisk at 10.0.10.5:5038}. */
  public String where() {
    return product + " at " + access.where();
  }

  /**
   * Runs {@code action} on the shared connection within {@code within}.
   *
   * @throws LoginRefusedException the credentials were refused (remembered for the back-off)
   * @throws PbxStoppingException the PBX is shutting down
   * @throws TransientException no connection, or no answer in time; the message says which
   */
  public <T> T call(String what, Duration within, Work<L, T> action) {
    startKeeper();
    Deadline d = Deadline.in(within);
    if (!Thread.currentThread().isVirtual()) {
      return exchange(what, d, action, () -> false);
    }
    // A virtual thread interrupted while it waits on a java.net.Socket closes the socket (the
    // JDK's Socket input and output streams: "Closed by interrupt"; JEP 444). A runbook step cut
    // off mid-call when its ticket's time runs out would so close the session that every control
    // and sensor of the site shares, and the fence that follows at once would first wait for a new
    // login (~165 ms against the fast timings' 100 ms fence budget). So the exchange runs on a
    // thread nobody interrupts: an interrupted caller stops waiting (an exchange not yet begun is
    // skipped); one already sent ends within its deadline and leaves the connection as it was.
    AtomicBoolean abandoned = new AtomicBoolean();
    CompletableFuture<T> done = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("pbx-call")
        .start(
            () -> {
              try {
                done.complete(exchange(what, d, action, abandoned::get));
              } catch (Throwable t) {
                done.completeExceptionally(t);
              }
            });
    try {
      // bounded: the exchange waits at most the deadline for the session, the link and the answer
      return done.get(d.remaining().plus(access.timeout()).toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      abandoned.set(true);
      Thread.currentThread().interrupt();
      throw new TransientException(
          where() + ": interrupted during " + what + " (the session stays open)", e);
    } catch (TimeoutException e) {
      abandoned.set(true);
      throw new TransientException(
          where() + ": " + what + " did not end within " + Deadline.words(d.budget()), e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new TransientException(where() + ": " + what + " failed: " + cause, cause);
    }
  }

  /** {@link #call}'s exchange, on the calling thread; skipped once {@code abandoned} says so. */
  private <T> T exchange(
      String what, Deadline d, Work<L, T> action, java.util.function.BooleanSupplier abandoned) {
    acquire(what, d);
    try {
      L l = awaitLink(what, d);
      if (abandoned.getAsBoolean()) {
        throw new TransientException(
            where() + ": " + what + " not sent: its caller was interrupted");
      }
      activity("running " + what);
      inUse = l;
      busyUntilNanos = d.endNanos();
      try {
        T result = action.run(l, d);
        lastUsedNanos = System.nanoTime();
        return result;
      } catch (LinkBrokenException e) {
        discard(e);
        throw e;
      } finally {
        inUse = null;
        busyUntilNanos = 0;
        activity("idle");
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A new, separate login (the login sensor), timed by the caller: it runs in the background with
   * the full {@link PbxAccess#timeout()}; a reading that ends before the PBX answers says so, and
   * the next reading reports the answer (Asterisk takes a second to refuse). Refusals start the
   * shared back-off. Returns how long the login took.
   */
  public Duration freshLogin(Duration within) {
    CompletableFuture<Duration> attempt;
    synchronized (this) {
      long now = System.nanoTime();
      if (freshLogin != null
          && freshLogin.isDone()
          && now - freshLoginDoneNanos > 2 * access.timeout().toNanos()) {
        freshLogin = null; // an answer nobody collected in time is too old to report
      }
      if (freshLogin == null) {
        Problem p = problem;
        if (p != null && p.kind == Kind.REFUSED && now < p.retryAtNanos) {
          throw refusedNow(p);
        }
        freshLogin = startFreshLogin();
      }
      attempt = freshLogin;
    }
    try {
      Duration took = attempt.get(Math.max(1, within.toMillis()), TimeUnit.MILLISECONDS);
      clearFreshLogin(attempt);
      return took;
    } catch (TimeoutException notYet) {
      Problem p = problem;
      if (p != null && p.kind == Kind.REFUSED) {
        throw refusedNow(p); // the last definite answer, while a new login is under way
      }
      throw new TransientException(
          where()
              + ": a new login is not answered after "
              + Deadline.words(within)
              + "; its outcome is reported by the next reading");
    } catch (ExecutionException e) {
      clearFreshLogin(attempt);
      if (e.getCause() instanceof TandemException t) {
        throw t;
      }
      throw new TransientException(where() + ": login failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException(where() + ": interrupted while logging in", e);
    }
  }

  private CompletableFuture<Duration> startFreshLogin() {
    CompletableFuture<Duration> f = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("pbx-fresh-login")
        .start(
            () -> {
              Deadline d = Deadline.in(access.timeout());
              try (L l = opener.open(d)) {
                Problem p = problem;
                if (p != null && p.kind == Kind.REFUSED) {
                  problem = null; // the credentials work again: reconnect without waiting
                  kick.release();
                }
                freshLoginDoneNanos = System.nanoTime();
                f.complete(d.elapsed());
              } catch (LoginRefusedException e) {
                remember(new Problem(Kind.REFUSED, e, System.nanoTime(), retryAt()));
                freshLoginDoneNanos = System.nanoTime();
                f.completeExceptionally(e);
              } catch (RuntimeException e) {
                freshLoginDoneNanos = System.nanoTime();
                f.completeExceptionally(e);
              }
            });
    return f;
  }

  private synchronized void clearFreshLogin(CompletableFuture<Duration> attempt) {
    if (freshLogin == attempt) {
      freshLogin = null;
    }
  }

  /** Drops the shared connection now (as a lost one); a new one is opened at once. */
  public void drop(String why) {
    lock.lock();
    try {
      discard(new LinkBrokenException(where() + ": " + why, null));
    } finally {
      lock.unlock();
    }
  }

  /** Stops the keeper and closes the connection; idempotent. */
  @Override
  public void close() {
    closed = true;
    kick.release();
    L busy = inUse;
    if (busy != null) {
      busy.close(); // aborts a request in flight
    }
    try {
      if (lock.tryLock(access.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        try {
          if (link != null) {
            link.close();
            link = null;
          }
          changed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- internals --------------------------------------------------------------------------

  private void acquire(String what, Deadline d) {
    try {
      if (!lock.tryLock(d.remaining().toNanos(), TimeUnit.NANOSECONDS)) {
        long now = System.nanoTime();
        long until = busyUntilNanos;
        String doing = activity;
        if (until != 0 && now < until && doing.startsWith("running ")) {
          // Another request of this site's own holds the session and is within its budget
          // (Asterisk's manager runs one action at a time per session, as we do): its answer
          // or its timeout decides, not this caller's shorter wait.
          throw new SessionBusyException(
              where()
                  + ": "
                  + what
                  + " not checked: the session is busy "
                  + doing
                  + " for "
                  + Deadline.words(Duration.ofNanos(now - activitySinceNanos))
                  + " (its answer is due within "
                  + Deadline.words(Duration.ofNanos(until - now))
                  + ")");
        }
        throw new TransientException(
            where()
                + ": "
                + what
                + " could not start within "
                + Deadline.words(d.budget())
                + ": the session has been "
                + activity
                + " for "
                + Deadline.words(Duration.ofNanos(System.nanoTime() - activitySinceNanos)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException(where() + ": interrupted before " + what, e);
    }
  }

  /** Holding the lock: the link, or the reason there is none. */
  private L awaitLink(String what, Deadline d) {
    // Bounded by the deadline: each wait is at most the time left.
    while (link == null) {
      if (closed) {
        throw new TransientException(where() + ": the session is closed");
      }
      Problem p = problem;
      if (p != null) {
        throw p.kind == Kind.REFUSED ? refusedNow(p) : p.cause;
      }
      kick.release();
      long left = d.remaining().toNanos();
      if (left <= 0) {
        throw new TransientException(
            where()
                + ": "
                + what
                + " could not start within "
                + Deadline.words(d.budget())
                + ": "
                + (attempted ? "still logging in" : "not connected yet"));
      }
      try {
        changed.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransientException(where() + ": interrupted before " + what, e);
      }
    }
    return link;
  }

  private LoginRefusedException refusedNow(Problem p) {
    long left = p.retryAtNanos - System.nanoTime();
    return new LoginRefusedException(
        p.cause.getMessage()
            + (left > 0
                ? " (no new login for "
                    + Deadline.words(Duration.ofNanos(left))
                    + ", so a wrong secret cannot trip fail2ban)"
                : " (a new login is under way)"));
  }

  private synchronized void startKeeper() {
    if (keeper == null && !closed) {
      keeper = Thread.ofVirtual().name("pbx-session-" + access.where()).start(this::keep);
    }
  }

  private void keep() {
    // Bounded by close(): each pass waits for the next due time or a kick.
    while (!closed) {
      try {
        kick.tryAcquire(nextWakeNanos(), TimeUnit.NANOSECONDS);
        kick.drainPermits();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (closed) {
        return;
      }
      lock.lock();
      try {
        keepAliveOrReconnect();
      } finally {
        lock.unlock();
      }
    }
  }

  private long nextWakeNanos() {
    long keepAlive = access.keepAlive().toNanos();
    Problem p = problem;
    if (p != null && p.kind == Kind.REFUSED) {
      return Math.max(0, p.retryAtNanos - System.nanoTime());
    }
    if (p == null && attempted) {
      return Math.max(0, lastUsedNanos + keepAlive - System.nanoTime()); // next ping due
    }
    return attempted ? keepAlive : 0;
  }

  /** Holding the lock. */
  private void keepAliveOrReconnect() {
    if (link != null && System.nanoTime() - lastUsedNanos >= access.keepAlive().toNanos()) {
      activity("pinging");
      inUse = link;
      try {
        link.ping(Deadline.in(access.timeout()));
        lastUsedNanos = System.nanoTime();
      } catch (RuntimeException e) {
        discard(e);
      } finally {
        inUse = null;
        activity("idle");
      }
    }
    if (link == null) {
      Problem p = problem;
      if (p == null || p.kind != Kind.REFUSED || System.nanoTime() >= p.retryAtNanos) {
        open();
      }
    }
  }

  /** Holding the lock. */
  private void open() {
    activity("logging in");
    attempted = true;
    try {
      link = opener.open(Deadline.in(access.timeout()));
      lastUsedNanos = System.nanoTime();
      Problem before = problem;
      problem = null;
      say(
          "connected",
          () ->
              LOG.info(
                  "{}: connected{}{}",
                  where(),
                  access.user().map(u -> " as " + u).orElse(""),
                  before == null
                      ? ""
                      : " again after "
                          + Deadline.words(
                              Duration.ofNanos(System.nanoTime() - before.sinceNanos))));
    } catch (LoginRefusedException e) {
      remember(new Problem(Kind.REFUSED, e, System.nanoTime(), retryAt()));
    } catch (PbxStoppingException e) {
      remember(new Problem(Kind.STOPPING, e, since(Kind.STOPPING), 0));
    } catch (TandemException e) {
      remember(new Problem(Kind.DOWN, e, since(Kind.DOWN), 0));
    } finally {
      activity("idle");
      changed.signalAll();
    }
  }

  private long since(Kind kind) {
    Problem p = problem;
    return p != null && p.kind == kind ? p.sinceNanos : System.nanoTime();
  }

  private long retryAt() {
    return System.nanoTime() + access.loginBackoff().toNanos();
  }

  /** Holding the lock: closes the link after a failure and reconnects at once. */
  private void discard(RuntimeException why) {
    if (link != null) {
      link.close();
      link = null;
    }
    TandemException cause =
        why instanceof TandemException t
            ? t
            : new TransientException(where() + ": " + why.getMessage(), why);
    remember(
        new Problem(
            why instanceof PbxStoppingException ? Kind.STOPPING : Kind.DOWN,
            cause,
            System.nanoTime(),
            0));
    kick.release();
  }

  private void remember(Problem p) {
    problem = p;
    String line = p.kind + ": " + p.cause.getMessage();
    switch (p.kind) {
      case REFUSED ->
          say(
              line,
              () ->
                  LOG.warn(
                      "{}; no new login for {} (fail2ban-safe)",
                      p.cause.getMessage(),
                      Deadline.words(access.loginBackoff())));
      case STOPPING -> say(line, () -> LOG.warn("{}", p.cause.getMessage()));
      case DOWN ->
          say(
              line,
              () ->
                  LOG.warn(
                      "{}; reconnecting every {}",
                      p.cause.getMessage(),
                      Deadline.words(access.keepAlive())));
    }
  }

  /** Logs once per change of state. */
  private void say(String state, Runnable log) {
    String key = state.replaceAll("\\d+(\\.\\d+)? (ms|s|min)\\b", "#");
    if (!key.equals(lastLogged)) {
      lastLogged = key;
      log.run();
    }
  }

  private void activity(String what) {
    activity = what;
    activitySinceNanos = System.nanoTime();
  }
}
