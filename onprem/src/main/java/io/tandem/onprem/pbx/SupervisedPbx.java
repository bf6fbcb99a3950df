package io.tandem.onprem.pbx;

import io.tandem.core.error.TransientException;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.PbxStatus;
import java.time.Duration;
import java.util.Objects;

/**
 * What the Asterisk and FreeSWITCH controls share: one {@link PbxSession}, the keep-alive round
 * trip, fresh logins, the status built from {@link #core}, the port watch and closing. Subclasses
 * add the product's own actions. Thread-safe.
 *
 * @param <L> the product's connection type
 */
public abstract class SupervisedPbx<L extends PbxSession.Link> implements PbxControl, PbxTelemetry {

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(SupervisedPbx.class);

  private final String product;
  protected final PbxSession<L> session;

  protected SupervisedPbx(String product, PbxAccess access, PbxSession.Opener<L> opener) {
    this.product = Objects.requireNonNull(product, "product");
    this.session = new PbxSession<>(product, access, opener);
  }

  @Override
  public final String product() {
    return product;
  }

  @Override
  public final String where() {
    return session.where();
  }

  /** Waits until the shared session is logged in (or says why it is not). */
  public final void connect() {
    ping(timeout());
  }

  @Override
  public final Duration ping(Duration within) {
    return session.call(
        "a keep-alive",
        within,
        (link, d) -> {
          long t0 = System.nanoTime();
          link.ping(d);
          return Duration.ofNanos(System.nanoTime() - t0);
        });
  }

  @Override
  public final Duration freshLogin(Duration within) {
    return session.freshLogin(within);
  }

  /** {@link #core} within the access timeout, as the port's status. */
  @Override
  public final PbxStatus status() {
    PbxCore core = core(timeout());
    return new PbxStatus(
        true, core.version(), core.calls(), core.channels(), core.acceptingCalls());
  }

  @Override
  public final boolean awaitStopped(Duration within) {
    return PortWatch.awaitRefused(session.access(), within);
  }

  /**
   * Runs {@code stop} (the product's "refuse new calls" control); when it fails and the management
   * port on this machine refuses a connection made right after ({@link PortWatch#refusedNow}), the
   * PBX is not running and takes no calls, so the stop is done and this returns normally — the rule
   * Pacemaker sets for a resource agent's {@code stop} ("stop" of a resource that is not running
   * succeeds, OCF resource agent API). The refusal is checked after the failure, never taken from
   * the session's memory of an earlier attempt: a PBX restarted since would take calls again. A PBX
   * that accepts the connection but does not answer may still take calls: the failure stands.
   */
  protected final void stopOrNotRunning(Runnable stop) {
    try {
      stop.run();
    } catch (TransientException e) {
      if (!notRunning()) {
        throw e;
      }
      LOG.info(
          "{}: not running (its management port refuses connections), so it takes no calls: the"
              + " stop is done ({})",
          where(),
          e.getMessage());
    }
  }

  /** One connection attempt to the management port on this machine: refused = not running. */
  @Override
  public final boolean notRunning() {
    return PortWatch.refusedNow(session.access(), timeout());
  }

  /** Closes the session and its keeper; idempotent. */
  @Override
  public final void close() {
    session.close();
  }

  /** The bound for one control ({@link PbxAccess#timeout()}). */
  protected final Duration timeout() {
    return session.access().timeout();
  }
}
