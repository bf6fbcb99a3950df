package io.tandem.onprem.sensor;

import java.time.Instant;
import java.util.Objects;

/**
 * A user-defined action Tandem can take on something outside itself: switch a network power outlet
 * off (hard fencing of a host), flip an ISDN/E1 switch to the standby site, run a script. One
 * controller is one action; configure "outlet-3-off" and "outlet-3-on" as two controllers.
 *
 * <p>Contract: {@link #act()} is bounded by the controller's timeout and reports failure in its
 * result rather than throwing. It may not be idempotent (that depends on the device): runbooks call
 * it once per step and journal the result. Implementations are thread-safe.
 */
public interface Controller {

  String name();

  Result act();

  /**
   * What happened.
   *
   * @param ok whether the action was accepted
   * @param detail a short sentence (never a secret)
   * @param at when it finished
   */
  record Result(boolean ok, String detail, Instant at) {
    public Result {
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(at, "at");
    }
  }
}
