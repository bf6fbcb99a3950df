package io.tandem.app.agent;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.PbxStatus;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How the successor in a planned handover watches the old site's PBX drain: the {@link PbxControl}
 * that the switchover runbook's drain step uses for the old site.
 *
 * <p>Which source, and why: the old PBX itself, directly, when the cluster file gives it (every
 * site's {@code pbx:} is in the shared file) and this host can log in to it — the count then comes
 * from the PBX, independent of the old agent, which is busy handing over and may be slow or gone;
 * otherwise (its secret does not resolve here, its management network is not reachable from this
 * site, the login is refused) the old agent's peer reports, which carry its active calls and
 * whether it still takes new calls, over the authenticated peer link that every pair of agents has
 * anyway. The drain step's words say which source answered.
 *
 * <p>Only {@link #status} and {@link #stopNewCalls} are used by a drain; the other controls are
 * refused: a successor never reconfigures the old site's PBX.
 */
final class HandoverPbx implements PbxControl {

  /**
   * What the old agent last reported about its PBX.
   *
   * @param activeCalls calls in progress, or -1 when its agent cannot tell
   * @param acceptingCalls whether its PBX still takes new calls
   * @param ageMillis how old the report is
   */
  record Reported(int activeCalls, boolean acceptingCalls, long ageMillis) {}

  private final String site;
  private final Optional<PbxControl> direct;
  private final Supplier<Optional<Reported>> reports;

  HandoverPbx(String site, Optional<PbxControl> direct, Supplier<Optional<Reported>> reports) {
    this.site = Objects.requireNonNull(site, "site");
    this.direct = Objects.requireNonNull(direct, "direct");
    this.reports = Objects.requireNonNull(reports, "reports");
  }

  @Override
  public PbxStatus status() {
    String directFailure = "no direct access configured here";
    if (direct.isPresent()) {
      try {
        PbxStatus s = direct.get().status();
        return new PbxStatus(
            s.up(),
            s.version() + " (asked directly)",
            s.activeCalls(),
            s.activeChannels(),
            s.acceptingCalls());
      } catch (TandemException e) {
        directFailure = e.getMessage();
      }
    }
    Optional<Reported> r = reports.get();
    if (r.isEmpty() || r.get().activeCalls() < 0) {
      throw new TransientException(
          "PBX of "
              + site
              + ": cannot be asked directly ("
              + directFailure
              + ") and its agent has not reported its calls"
              + r.map(x -> " (last report " + x.ageMillis() + " ms old)").orElse(""));
    }
    return new PbxStatus(
        true,
        "as reported by the agent of " + site + " " + r.get().ageMillis() + " ms ago",
        r.get().activeCalls(),
        // peer reports carry calls, not channels: at least one channel per call
        r.get().activeCalls(),
        r.get().acceptingCalls());
  }

  @Override
  public void stopNewCalls() {
    if (direct.isPresent()) {
      try {
        direct.get().stopNewCalls();
        return;
      } catch (TandemException e) {
        if (reports.get().filter(r -> !r.acceptingCalls()).isPresent()) {
          return; // its own agent stopped new calls when it handed over
        }
        throw new TransientException(
            "cannot tell the PBX of " + site + " to stop new calls: " + e.getMessage(), e);
      }
    }
    if (reports.get().filter(r -> !r.acceptingCalls()).isEmpty()) {
      throw new TransientException(
          "the PBX of "
              + site
              + " cannot be asked directly and its agent does not report that it stopped new"
              + " calls");
    }
  }

  @Override
  public void acceptNewCalls() {
    throw refused("accept new calls");
  }

  @Override
  public void registerTrunk(String trunk) {
    throw refused("register trunk " + trunk);
  }

  @Override
  public void unregisterTrunk(String trunk) {
    throw refused("unregister trunk " + trunk);
  }

  @Override
  public void gracefulStop() {
    throw refused("stop");
  }

  private ConfigException refused(String what) {
    return new ConfigException(
        "a successor only watches the PBX of " + site + " drain; it does not " + what + " it");
  }
}
