package io.tandem.core.agent.effects;

import io.tandem.core.witness.FencingToken;
import java.time.Instant;
import java.util.Objects;

/**
 * What the agent core hands to {@link SiteEffects#activate}: take over the service under {@code
 * token} because of {@code cause}.
 *
 * @param token the ticket's fencing token every mutation carries
 * @param cause why (decides the runbook and whom it may fence)
 * @param words the decision in words, for the report
 * @param decidedAt when the decision was taken (wall clock)
 */
public record Activation(
    FencingToken token, ActivationCause cause, String words, Instant decidedAt) {

  public Activation {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(words, "words");
    Objects.requireNonNull(decidedAt, "decidedAt");
  }
}
