package io.tandem.core.agent;

import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.Witness;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The agent core's asynchronous view of the witness: every call is sent now and its answer handed
 * back later through the returned stage (on any thread; {@link AgentCore} moves it onto its own). A
 * stage that completes exceptionally is a failed call (unreachable, timed out); a refusal is an
 * answer. A stage may also never complete (a message lost in the simulation): the core does not
 * wait for it.
 */
public interface WitnessLink {

  CompletionStage<TicketResult> acquire(TicketRequest request);

  CompletionStage<TicketResult> renew(TicketRequest request);

  /** Read the current ticket: the agent's reachability ping, which also names the holder. */
  CompletionStage<Optional<Ticket>> observe(String cluster);

  CompletionStage<Void> release(String cluster, String site, long epoch);

  /**
   * Whether the agent may resend an acquire while one is in flight ({@link
   * Witness#answersConcurrentAcquiresAlike()}); false unless the witness says so.
   */
  default boolean answersConcurrentAcquiresAlike() {
    return false;
  }

  /**
   * A blocking {@link Witness} (whose calls have their own timeouts, per its contract) run on
   * {@code io}, e.g. a virtual-thread-per-task executor.
   */
  static WitnessLink blocking(Witness witness, Executor io) {
    Objects.requireNonNull(witness, "witness");
    Objects.requireNonNull(io, "io");
    return new WitnessLink() {
      @Override
      public CompletionStage<TicketResult> acquire(TicketRequest request) {
        return CompletableFuture.supplyAsync(() -> witness.acquire(request), io);
      }

      @Override
      public CompletionStage<TicketResult> renew(TicketRequest request) {
        return CompletableFuture.supplyAsync(() -> witness.renew(request), io);
      }

      @Override
      public CompletionStage<Optional<Ticket>> observe(String cluster) {
        return CompletableFuture.supplyAsync(() -> witness.observe(cluster), io);
      }

      @Override
      public CompletionStage<Void> release(String cluster, String site, long epoch) {
        return CompletableFuture.runAsync(() -> witness.release(cluster, site, epoch), io);
      }

      @Override
      public boolean answersConcurrentAcquiresAlike() {
        return witness.answersConcurrentAcquiresAlike();
      }
    };
  }
}
