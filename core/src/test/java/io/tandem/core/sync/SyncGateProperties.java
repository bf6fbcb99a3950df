package io.tandem.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * Both sides of the health gate (issue 14.2), pure: each refusal's reason and words, and as
 * properties over every combination of facts, that a gate opens exactly when every condition holds
 * — a run goes only from the holder, only while both sites are healthy and the peer link is
 * authenticated, and a receiver accepts only the holder the witness names, under its epoch, never
 * older than what it has seen.
 */
class SyncGateProperties {

  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  private static PeerFacts report(String site, boolean healthy, long ageMillis) {
    return new PeerFacts(site, healthy, healthy ? "STANDBY" : "DEGRADED", ageMillis * 1_000_000L);
  }

  private static SenderGate.Facts sender(boolean holds, boolean healthy, Optional<PeerFacts> peer) {
    return new SenderGate.Facts(
        "alpha",
        holds ? OptionalLong.of(7) : OptionalLong.empty(),
        holds ? "ACTIVE" : "STANDBY",
        healthy,
        healthy ? "healthy 3/3" : "unhealthy: critical ami down",
        peer,
        TIMEOUT);
  }

  @Example
  void theSenderSaysWhyItDoesNotSend() {
    Optional<PeerFacts> fine = Optional.of(report("beta", true, 500));
    assertThat(SenderGate.check("etc", "beta", sender(false, true, fine)))
        .isEqualTo(
            new GateVerdict(
                false,
                SyncReason.NOT_HOLDER,
                "sync etc: skipped, sender alpha is not the ticket holder (STANDBY)",
                0));
    assertThat(SenderGate.check("etc", "beta", sender(true, false, fine)).words())
        .isEqualTo("sync etc: skipped, sender alpha is unhealthy (unhealthy: critical ami down)");
    assertThat(SenderGate.check("etc", "beta", sender(true, true, Optional.empty())).words())
        .isEqualTo(
            "sync etc: skipped, no signed report from beta yet (peer link not authenticated)");
    GateVerdict late =
        SenderGate.check(
            "etc", "beta", sender(true, true, Optional.of(report("beta", true, 7200))));
    assertThat(late.reason()).isEqualTo(SyncReason.LINK_UNAUTHENTICATED);
    assertThat(late.words())
        .isEqualTo(
            "sync etc: skipped, the last signed report from beta is 7.2 s old (peer link not"
                + " authenticated now)");
    GateVerdict sick =
        SenderGate.check("etc", "beta", sender(true, true, Optional.of(report("beta", false, 1))));
    assertThat(sick.reason()).isEqualTo(SyncReason.PEER_UNHEALTHY);
    assertThat(sick.words())
        .isEqualTo("sync etc: skipped, receiver beta reports itself unhealthy (DEGRADED)");
    GateVerdict open = SenderGate.check("etc", "beta", sender(true, true, fine));
    assertThat(open.open()).isTrue();
    assertThat(open.epoch()).isEqualTo(7);
  }

  @Property(tries = 500)
  void theSenderSendsExactlyWhenItHoldsIsHealthyAndHearsAHealthyReceiverInTime(
      @ForAll boolean holds,
      @ForAll boolean healthy,
      @ForAll boolean reported,
      @ForAll boolean peerHealthy,
      @ForAll @LongRange(min = 0, max = 10_000) long ageMillis) {
    Optional<PeerFacts> peer =
        reported ? Optional.of(report("beta", peerHealthy, ageMillis)) : Optional.empty();
    GateVerdict v = SenderGate.check("etc", "beta", sender(holds, healthy, peer));
    boolean fresh = ageMillis <= TIMEOUT.toMillis();
    assertThat(v.open()).isEqualTo(holds && healthy && reported && fresh && peerHealthy);
    assertThat(v.words()).startsWith(v.open() ? "sync etc: alpha holds" : "sync etc: skipped, ");
  }

  private static ReceiverGate.Facts receiver(
      boolean holds,
      boolean healthy,
      ReceiverGate.Observed observed,
      long floor,
      Optional<PeerFacts> sender) {
    return new ReceiverGate.Facts(
        "beta",
        holds,
        healthy,
        healthy ? "healthy 3/3" : "unhealthy: critical ami down",
        observed,
        floor,
        sender,
        TIMEOUT);
  }

  @Example
  void theReceiverSaysWhyItRefuses() {
    Optional<PeerFacts> fine = Optional.of(report("alpha", true, 100));
    ReceiverGate.Observed alpha7 = ReceiverGate.Observed.holder("alpha", 7);
    assertThat(
            ReceiverGate.check("etc", "alpha", 6, receiver(false, true, alpha7, 7, fine)).words())
        .isEqualTo(
            "sync etc: refused, sender alpha speaks for epoch 6, older than epoch 7 already seen here");
    assertThat(ReceiverGate.check("etc", "alpha", 7, receiver(true, true, alpha7, 7, fine)).words())
        .isEqualTo("sync etc: refused, sender alpha is not the ticket holder (beta holds it)");
    assertThat(
            ReceiverGate.check(
                    "etc",
                    "gamma",
                    7,
                    receiver(false, true, alpha7, 7, Optional.of(report("gamma", true, 1))))
                .words())
        .isEqualTo(
            "sync etc: refused, sender gamma is not the ticket holder (the witness names alpha"
                + " with epoch 7)");
    assertThat(
            ReceiverGate.check(
                    "etc",
                    "alpha",
                    7,
                    receiver(false, true, ReceiverGate.Observed.unreachable("timed out"), 7, fine))
                .words())
        .isEqualTo("sync etc: refused, cannot confirm that alpha holds the ticket: timed out");
    assertThat(
            ReceiverGate.check(
                    "etc",
                    "alpha",
                    7,
                    receiver(false, true, alpha7, 7, Optional.of(report("alpha", true, 4500))))
                .words())
        .isEqualTo(
            "sync etc: refused, no recent signed report from alpha (the last is 4.5 s old): peer"
                + " link not authenticated now");
    assertThat(
            ReceiverGate.check(
                    "etc",
                    "alpha",
                    7,
                    receiver(false, true, alpha7, 7, Optional.of(report("alpha", false, 1))))
                .words())
        .isEqualTo("sync etc: refused, sender alpha reports itself unhealthy");
    assertThat(
            ReceiverGate.check("etc", "alpha", 7, receiver(false, false, alpha7, 7, fine)).words())
        .isEqualTo("sync etc: refused, receiver beta is unhealthy (unhealthy: critical ami down)");
    assertThat(ReceiverGate.check("etc", "alpha", 7, receiver(false, true, alpha7, 7, fine)).open())
        .isTrue();
  }

  @Property(tries = 1000)
  void theReceiverAcceptsOnlyTheWitnessesHolderUnderItsEpochFromAHealthySiteToAHealthyOne(
      @ForAll boolean fromAlpha,
      @ForAll @LongRange(min = 1, max = 10) long epoch,
      @ForAll @LongRange(min = 0, max = 10) long floor,
      @ForAll boolean holds,
      @ForAll boolean healthy,
      @ForAll boolean witnessAnswers,
      @ForAll boolean witnessNamesAlpha,
      @ForAll @LongRange(min = 1, max = 10) long witnessEpoch,
      @ForAll boolean reported,
      @ForAll boolean senderHealthy,
      @ForAll @LongRange(min = 0, max = 6000) long ageMillis) {
    String from = fromAlpha ? "alpha" : "gamma";
    ReceiverGate.Observed observed =
        !witnessAnswers
            ? ReceiverGate.Observed.unreachable("connection refused")
            : ReceiverGate.Observed.holder(witnessNamesAlpha ? "alpha" : "delta", witnessEpoch);
    Optional<PeerFacts> report =
        reported ? Optional.of(report(from, senderHealthy, ageMillis)) : Optional.empty();
    GateVerdict v =
        ReceiverGate.check("etc", from, epoch, receiver(holds, healthy, observed, floor, report));
    boolean accepted =
        epoch >= floor
            && !holds
            && witnessAnswers
            && witnessNamesAlpha
            && fromAlpha
            && witnessEpoch == epoch
            && reported
            && ageMillis <= TIMEOUT.toMillis()
            && senderHealthy
            && healthy;
    assertThat(v.open()).as(v.words()).isEqualTo(accepted);
    if (epoch < floor) {
      assertThat(v.reason()).isEqualTo(SyncReason.OLDER_EPOCH);
    }
  }
}
