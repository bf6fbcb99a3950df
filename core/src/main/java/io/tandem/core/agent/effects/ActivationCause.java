package io.tandem.core.agent.effects;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Why this site takes over the service. The cause, not words, decides which runbook runs and whom
 * it may fence (design brief, "Runbooks"): a first activation fences nobody; an outage fences only
 * a site seen serving under an older epoch; a planned handover drains the cooperating old site and
 * does not fence it; a forced acquire was acknowledged by an operator; a drill is marked as such.
 */
public sealed interface ActivationCause {

  /** A short lower-case label for reports, metrics and notifications ("outage", "handover"...). */
  String label();

  /** A cold cluster: no site was ever seen serving and the witness names no earlier holder. */
  record FirstActivation() implements ActivationCause {
    @Override
    public String label() {
      return "first-activation";
    }
  }

  /**
   * The active site was lost.
   *
   * @param lastServing the site last seen serving (peer reports), if any
   * @param lastServingEpoch the epoch it was seen serving under (0 if unknown)
   * @param faultFirstSeen the fault's first sign on our clock, converted to wall time: the last
   *     successful contact with the old active, or its first failing report, whichever is earlier
   */
  record Outage(Optional<String> lastServing, long lastServingEpoch, Instant faultFirstSeen)
      implements ActivationCause {
    public Outage {
      Objects.requireNonNull(lastServing, "lastServing");
      Objects.requireNonNull(faultFirstSeen, "faultFirstSeen");
    }

    @Override
    public String label() {
      return "outage";
    }
  }

  /**
   * The active site {@code from} handed the ticket to us in a planned switchover: it stopped taking
   * new calls before releasing, and its remaining calls are drained by the switchover runbook.
   *
   * @param from the site that handed over
   * @param fromEpoch the epoch it held
   */
  record PlannedHandover(String from, long fromEpoch) implements ActivationCause {
    public PlannedHandover {
      Objects.requireNonNull(from, "from");
    }

    @Override
    public String label() {
      return "handover";
    }
  }

  /**
   * An operator forced the acquire and acknowledged that another site may still be serving.
   *
   * @param lastServing the site last seen serving, if any (fenced as in an outage)
   * @param lastServingEpoch its epoch (0 if unknown)
   */
  record Forced(Optional<String> lastServing, long lastServingEpoch) implements ActivationCause {
    public Forced {
      Objects.requireNonNull(lastServing, "lastServing");
    }

    @Override
    public String label() {
      return "forced";
    }
  }

  /**
   * One leg of a drill (a planned switchover marked as a drill in its report).
   *
   * @param from the site the drill leg moves the service from
   * @param fromEpoch the epoch it held
   */
  record Drill(String from, long fromEpoch) implements ActivationCause {
    public Drill {
      Objects.requireNonNull(from, "from");
    }

    @Override
    public String label() {
      return "drill";
    }
  }
}
