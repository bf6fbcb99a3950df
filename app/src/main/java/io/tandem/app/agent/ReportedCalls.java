package io.tandem.app.agent;

import io.tandem.core.health.SiteHealth;
import io.tandem.core.port.PbxControl;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The calls this agent reports to its peers (the count a successor's drain reads when it cannot ask
 * this site's PBX itself, {@link HandoverPbx}): a calls sensor's latest reading when one is
 * configured; otherwise, while the site is unhealthy, 0 once the PBX is known not to run (its
 * management port on this machine refuses connections, {@link PbxControl#notRunning}: a PBX that is
 * not running carries no calls), and -1 ("cannot tell") in every other case.
 *
 * <p>Never blocks its caller (the decision loop builds a report every tick): the PBX is asked on a
 * virtual thread, at most once per {@link #RECHECK}, and the answer is used from the next report
 * on. A healthy site's PBX is never asked.
 */
final class ReportedCalls implements IntSupplier {

  /**
   * How long an answer of {@link PbxControl#notRunning} is used before it is asked again: each ask
   * is one TCP connection to the PBX's management port, so a running PBX of an unhealthy site sees
   * one a second. The first ask goes at once, so a crash is reported on the next report but one.
   */
  static final Duration RECHECK = Duration.ofSeconds(1);

  private final Supplier<SiteHealth> health;
  private final PbxControl pbx;
  private final LongSupplier nanos;
  private final AtomicBoolean asking = new AtomicBoolean();
  private volatile boolean notRunning;
  private volatile long askedAt = Long.MIN_VALUE;

  ReportedCalls(Supplier<SiteHealth> health, PbxControl pbx, LongSupplier nanos) {
    this.health = health;
    this.pbx = pbx;
    this.nanos = nanos;
  }

  @Override
  public int getAsInt() {
    SiteHealth h = health.get();
    int counted = AgentDriver.activeCalls(h);
    if (counted >= 0) {
      return counted;
    }
    if (h.healthy()) {
      notRunning = false;
      askedAt = Long.MIN_VALUE; // the first report after the site turns unhealthy asks at once
      return -1;
    }
    long now = nanos.getAsLong();
    long last = askedAt;
    if ((last == Long.MIN_VALUE || now - last >= RECHECK.toNanos())
        && asking.compareAndSet(false, true)) {
      askedAt = now;
      Thread.ofVirtual()
          .name("reported-calls")
          .start(
              () -> {
                try {
                  notRunning = pbx.notRunning();
                } catch (RuntimeException e) {
                  notRunning = false; // cannot tell
                } finally {
                  asking.set(false);
                }
              });
    }
    return notRunning ? 0 : -1;
  }
}
