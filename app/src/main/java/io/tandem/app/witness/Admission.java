package io.tandem.app.witness;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Admission control of the witness listener: at most {@code permits} requests do their work at
 * once; beyond that a request waits in a bounded queue of its class for a bounded time, and is
 * otherwise answered 503 at once (cheap: no body read, no JSON, no authentication). A freed permit
 * goes to a waiting <em>ticket holder's</em> request (renew, release, acquire) before any poll
 * ({@code GET /ticket}, probe), so under overload the sites that serve keep their tickets while
 * observers are turned away. The same shape as a bounded thread pool with a priority queue and a
 * queue timeout (CoDel-style load shedding by sojourn time), built for virtual threads: the waiting
 * is parking, not a thread.
 *
 * <p>Hand-written because no library we use offers a two-class, bounded, timed semaphore; {@code
 * java.util.concurrent.Semaphore} has neither priority nor a queue bound. Thread-safe.
 */
final class Admission {

  /** Which queue a request waits in. */
  enum Kind {
    /** Requests of a site that holds or asks for the ticket: renew, release, acquire. */
    HOLDER,
    /** Observers: GET /ticket, probe. */
    POLL
  }

  /**
   * @param permits requests doing their work at once
   * @param holderQueue how many holder requests may wait
   * @param pollQueue how many polls may wait
   * @param holderWait how long a holder request may wait for a permit
   * @param pollWait how long a poll may wait for a permit
   */
  record Limits(
      int permits, int holderQueue, int pollQueue, Duration holderWait, Duration pollWait) {

    /** Defaults for one witness process: see docs/witness-protocol.md, "Capacity". */
    static Limits defaults() {
      int cpus = Runtime.getRuntime().availableProcessors();
      return new Limits(
          Math.max(8, 8 * cpus), 20_000, 5_000, Duration.ofMillis(500), Duration.ofMillis(100));
    }
  }

  private static final class Waiter {
    final Thread thread = Thread.currentThread();
    volatile boolean granted;
  }

  private final Limits limits;
  private final ArrayDeque<Waiter> holders = new ArrayDeque<>();
  private final ArrayDeque<Waiter> polls = new ArrayDeque<>();
  private int inUse;
  private long shed;

  Admission(Limits limits) {
    this.limits = limits;
  }

  /**
   * Takes a permit, waiting at most the class's wait time in its bounded queue.
   *
   * @return whether the request may proceed (then call {@link #exit()} exactly once)
   */
  boolean enter(Kind kind) {
    ArrayDeque<Waiter> queue = kind == Kind.HOLDER ? holders : polls;
    Waiter w;
    synchronized (this) {
      boolean ahead = !holders.isEmpty() || (kind == Kind.POLL && !polls.isEmpty());
      if (inUse < limits.permits() && !ahead) {
        inUse++;
        return true;
      }
      int bound = kind == Kind.HOLDER ? limits.holderQueue() : limits.pollQueue();
      if (queue.size() >= bound) {
        shed++;
        return false;
      }
      w = new Waiter();
      queue.addLast(w);
    }
    long wait = (kind == Kind.HOLDER ? limits.holderWait() : limits.pollWait()).toNanos();
    long deadline = System.nanoTime() + wait;
    while (!w.granted) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      LockSupport.parkNanos(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
    }
    synchronized (this) {
      if (w.granted) {
        return true; // handed over just as the wait ended: keep it
      }
      queue.remove(w);
      shed++;
      return false;
    }
  }

  /**
   * Takes a permit only if one is free and nobody waits ahead: never waits, never sheds (the caller
   * then takes the waiting path, {@link #enter}). Then call {@link #exit()} exactly once.
   */
  synchronized boolean tryEnter(Kind kind) {
    if (inUse < limits.permits() && holders.isEmpty() && (kind == Kind.HOLDER || polls.isEmpty())) {
      inUse++;
      return true;
    }
    return false;
  }

  /** Gives a permit back: to the first waiting holder request, else the first poll. */
  void exit() {
    Waiter next;
    synchronized (this) {
      next = holders.pollFirst();
      if (next == null) {
        next = polls.pollFirst();
      }
      if (next == null) {
        inUse--;
        return;
      }
      next.granted = true; // the permit passes on without being returned
    }
    LockSupport.unpark(next.thread);
  }

  /** Requests turned away so far (queue full or waited too long). */
  synchronized long shed() {
    return shed;
  }

  /** Requests doing their work now. */
  synchronized int inUse() {
    return inUse;
  }
}
