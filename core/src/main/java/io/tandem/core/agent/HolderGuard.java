package io.tandem.core.agent;

import io.tandem.core.runbook.TicketGuard;
import io.tandem.core.witness.FencingToken;
import io.tandem.core.witness.TicketHolder;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The runbook's ticket guard over the agent's own {@link TicketHolder} (issue 12.6): a step applies
 * only while the holder {@link TicketHolder#holds holds} the run's epoch and its self-fence is not
 * due, and each apply is bounded by {@link TicketHolder#timeLeft the time left} until the
 * self-fence point (local deadline − fence lead), which is also the deadline the fence guard beside
 * the PBX is given. The production assembly and the simulation's activation both ask this one.
 *
 * @param holder the agent's ticket holder, built before everything that asks it
 */
public record HolderGuard(TicketHolder holder) implements TicketGuard {

  public HolderGuard {
    Objects.requireNonNull(holder, "holder");
  }

  @Override
  public boolean holds(FencingToken token) {
    return holder.holds(token.epoch());
  }

  @Override
  public Optional<Duration> timeLeft(FencingToken token) {
    return Optional.of(holder.timeLeft(token.epoch()));
  }
}
