package io.tandem.core.sim;

import io.tandem.core.agent.WitnessLink;
import io.tandem.core.error.TransientException;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * An agent's witness link over the simulated network, handling answers as the product's client does
 * ({@code app.witness.DatagramWitness}, the built-in witness's client): each call is one datagram
 * with a fresh nonce (the agent's wall clock in µs, above the last one used); a renewal waits for
 * its answer up to the TTL it asks for (at least the call timeout), every other call up to the call
 * timeout ({@code timings.retryTimeout}), measured from the send; an answer after that is dropped
 * (the call already failed: {@link TransientException}, the holder's {@code onFailure}), and so is
 * a second answer to the same call. The witness's datagram listener ({@code
 * WitnessDatagramServer.handle}) answers a nonce not above the highest it has seen from the site
 * with STALE, upon which the client sends the call once more with a fresh nonce, within the same
 * deadline. The HTTPS fallback the client adds after two timeouts without any answer is not
 * modelled (a pessimistic simplification: the real client has that second path).
 *
 * <p>The default since session 8 ({@link Simulation.Builder#strictWitnessClient}); turned off, the
 * older, kinder link (a lost request never completes, a late answer still counts).
 *
 * <p>For the other witness kinds (etcd, DynamoDB, Azure Blob: their adapters' calls are bounded by
 * the call timeout too) there are no nonces; a lost request or answer fails the call at its
 * timeout.
 */
final class SimDatagramLink implements WitnessLink {

  /** Renewals an agent sent (true send time) and the send times of those answered in time. */
  static final class Log {
    final java.util.List<Long> renewalsSent = new java.util.ArrayList<>();
    final java.util.List<Long> renewalsAnswered = new java.util.ArrayList<>();

    /**
     * The longest time between the sends of two consecutive answered renewals, after {@code from}.
     */
    long longestAnsweredGap(long from) {
      long prev = Long.MIN_VALUE;
      long longest = 0;
      for (long t : renewalsAnswered.stream().filter(x -> x >= from).sorted().toList()) {
        if (prev != Long.MIN_VALUE) {
          longest = Math.max(longest, t - prev);
        }
        prev = t;
      }
      return longest;
    }
  }

  private final Simulation sim;
  private final SimAgent agent;
  private final Runnable counted;
  private final long timeoutNanos;
  private final Log log;
  private long lastNonce;

  SimDatagramLink(Simulation sim, SimAgent agent, Duration timeout, Runnable counted, Log log) {
    this.log = log;
    this.sim = sim;
    this.agent = agent;
    this.timeoutNanos = timeout.toNanos();
    this.counted = counted;
  }

  private long nextNonce() {
    lastNonce = Math.max(lastNonce + 1, agent.ntpWall() / 1_000);
    return lastNonce;
  }

  private <T> CompletionStage<T> call(long waitNanos, Supplier<T> atWitness) {
    CompletableFuture<T> reply = new CompletableFuture<>();
    if (!sim.strictWitnessClient()) {
      lenient(reply, atWitness);
      return reply;
    }
    long sent = sim.now();
    sim.scheduler()
        .at(
            sent + waitNanos,
            () -> {
              if (!reply.isDone()) { // most calls are answered: build no exception for them
                reply.completeExceptionally(
                    new TransientException(
                        "witness: no datagram answer within " + waitNanos / 1_000_000 + " ms"));
              }
            });
    attempt(reply, 0, atWitness);
    return reply;
  }

  /**
   * One request datagram (counted) from this agent to the witness; {@code atWitness} runs there if
   * it arrives while the witness is up.
   */
  private void toWitness(Runnable atWitness) {
    counted.run();
    sim.network()
        .send(
            agent.site,
            SimWitness.NAME,
            () -> {
              if (sim.witness().up()) {
                atWitness.run();
              }
            });
  }

  /** The witness's answer on its way back to this agent. */
  private void toAgent(Runnable atAgent) {
    sim.network().send(SimWitness.NAME, agent.site, atAgent);
  }

  /** The older link: a lost request or answer never completes, a late answer still counts. */
  private <T> void lenient(CompletableFuture<T> reply, Supplier<T> atWitness) {
    toWitness(
        () -> {
          T result = atWitness.get();
          toAgent(() -> reply.complete(result));
        });
  }

  private <T> void attempt(CompletableFuture<T> reply, int attempt, Supplier<T> atWitness) {
    long nonce = nextNonce();
    boolean datagrams = sim.witness().kind() == SimWitness.Kind.BUILT_IN;
    toWitness(
        () -> {
          long seen = datagrams ? sim.witness().checkNonce(agent.site, nonce) : -1;
          if (seen >= 0) {
            toAgent(
                () -> {
                  if (reply.isDone()) {
                    return; // the client stopped waiting: nobody reads it
                  }
                  lastNonce = Math.max(lastNonce, seen);
                  if (attempt == 0) {
                    attempt(reply, 1, atWitness);
                  } else {
                    reply.completeExceptionally(
                        new TransientException("witness: datagram nonce refused twice"));
                  }
                });
            return;
          }
          T result = atWitness.get();
          toAgent(() -> reply.complete(result));
        });
  }

  /**
   * The built-in witness serialises a cluster's requests (one lock per cluster), so a second
   * acquire of this site gets the same grant; the other backends grant by a conditional write and
   * may refuse it ({@link io.tandem.core.witness.Witness#answersConcurrentAcquiresAlike()}).
   */
  @Override
  public boolean answersConcurrentAcquiresAlike() {
    return sim.witness().kind() == SimWitness.Kind.BUILT_IN;
  }

  /**
   * Acquires of this agent the witness service has processed whose calls have not ended yet. For
   * the backends that grant by a conditional write the strict link refuses what they refuse: an
   * acquire that reaches the service while another of the same site is being processed read the
   * state before the other's write committed, and its own write fails — {@code EtcdWitness.grant}:
   * a transaction on {@code create_revision == 0} that does not succeed answers "not granted:
   * another site acquired first" with the ticket as it now is, naming this very site; {@code
   * BlobLeaseWitness.acquire}: 409/412 "lost the race for the lease". Their adapters' calls are
   * several round trips (etcd: read, lease grant, transaction), so the window is the whole call,
   * until its answer is back.
   */
  private int acquiresBeingProcessed;

  @Override
  public CompletionStage<TicketResult> acquire(TicketRequest request) {
    if (!sim.strictWitnessClient() || answersConcurrentAcquiresAlike()) {
      return call(timeoutNanos, () -> sim.witness().acquire(request));
    }
    boolean[] processed = {false};
    CompletionStage<TicketResult> r =
        call(
            timeoutNanos,
            () -> {
              boolean raced = acquiresBeingProcessed > 0;
              processed[0] = true;
              acquiresBeingProcessed++;
              return raced
                  ? TicketResult.refused(
                      sim.witness().observe(request.cluster()).orElse(null),
                      sim.witness().kind() == SimWitness.Kind.AZURE_BLOB
                          ? "lost the race for the lease"
                          : "not granted: another site acquired first")
                  : sim.witness().acquire(request);
            });
    r.whenComplete(
        (x, e) -> {
          if (processed[0]) {
            acquiresBeingProcessed--;
          }
        });
    return r;
  }

  /** DatagramWitness.renew: the answer is awaited up to the TTL asked (at least the timeout). */
  @Override
  public CompletionStage<TicketResult> renew(TicketRequest request) {
    long sent = sim.now();
    log.renewalsSent.add(sent);
    CompletionStage<TicketResult> r =
        call(Math.max(timeoutNanos, request.ttl().toNanos()), () -> sim.witness().renew(request));
    r.thenRun(() -> log.renewalsAnswered.add(sent));
    return r;
  }

  @Override
  public CompletionStage<Optional<Ticket>> observe(String cluster) {
    return call(timeoutNanos, () -> sim.witness().observe(cluster));
  }

  /**
   * Not awaited by the agent core, but a call like the others: {@code DatagramWitness.release}
   * sends the release datagram and, answered STALE (a later datagram of this agent reached the
   * witness first), sends it once more with a fresh nonce within the call timeout ({@code
   * viaDatagram}). Before session 8 the strict link dropped a STALE release without the resend, so
   * a handing-over site's ticket had to lapse (PbxCrashHandOverTest seed 9: 3.8 s instead of
   * 1.5–2.5 s).
   */
  @Override
  public CompletionStage<Void> release(String cluster, String s, long epoch) {
    if (!sim.strictWitnessClient()) { // the older link: sent, never answered
      toWitness(() -> sim.witness().release(cluster, s, epoch));
      return CompletableFuture.completedFuture(null);
    }
    call(
        timeoutNanos,
        () -> {
          sim.witness().release(cluster, s, epoch);
          return Boolean.TRUE;
        });
    return CompletableFuture.completedFuture(null);
  }
}
