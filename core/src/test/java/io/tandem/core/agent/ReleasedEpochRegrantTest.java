package io.tandem.core.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A release still on its way must not free a grant we serve under (sweep seeds -9973823, -9968415,
 * -9997326): a site released epoch 12, acquired again before the witness saw the release, and was
 * granted 12 again; the release then landed and freed the ticket while the site served, and a peer
 * was granted 13. Now a grant of an epoch this site released is released again and a fresh epoch
 * asked for.
 */
class ReleasedEpochRegrantTest {

  private static final long S = 1_000_000_000L;
  private final AtomicLong clock = new AtomicLong(100 * S);
  private final List<OperatorCommand> commands = new ArrayList<>();
  private final AgentSettings settings =
      AgentSettings.builder()
          .cluster("pbx")
          .site("a")
          .priority(0)
          .peers(Set.of("b"))
          .timings(io.tandem.core.config.ClassicTimings.CLASSIC)
          .build();
  private final TicketHolder holder =
      new TicketHolder(
          "pbx",
          "a",
          settings.renewInterval(),
          settings.driftMargin(),
          settings.fenceLead(),
          clock::get);
  private final DecisionLoop loop =
      new DecisionLoop(settings, holder, new DecisionHistory(50), clock.get());

  private Decision tick() {
    Instant wall = Instant.EPOCH.plusNanos(clock.get());
    Decision d =
        loop.tick(
            new TickSnapshot(
                clock.get(),
                wall,
                new SiteHealth("a", true, 25, 25, List.of(), "healthy 25/25", wall),
                holder.view(),
                true,
                Map.of(),
                Map.of(),
                List.copyOf(commands),
                new FenceStatus(FenceStatus.Phase.DONE, 0, "fenced"),
                ActivationStatus.NONE));
    commands.clear();
    clock.addAndGet(S);
    return d;
  }

  private void grant(long epoch) {
    holder.onResult(
        holder.markSent(),
        TicketResult.granted(
            new Ticket("pbx", "a", epoch, Instant.EPOCH, Duration.ofSeconds(10)), "granted"));
  }

  @Test
  void aGrantOfAnEpochThisSiteReleasedIsReleasedAgainNotServed() {
    clock.addAndGet(11 * S);
    assertThat(tick().reason()).isEqualTo(ReasonCode.STARTED);
    assertThat(tick().action()).isEqualTo(Action.ACQUIRE);
    grant(12);
    assertThat(tick().action()).isEqualTo(Action.ACTIVATE);
    // maintenance: fence, then release epoch 12 (the release travels slowly)
    commands.add(new OperatorCommand.Maintenance(true));
    assertThat(tick().action()).isEqualTo(Action.FENCE);
    Decision release = tick();
    assertThat(release.action()).isEqualTo(Action.RELEASE);
    holder.released();
    tick();
    commands.add(new OperatorCommand.Maintenance(false));
    assertThat(tick().reason()).isEqualTo(ReasonCode.MAINTENANCE_LEFT);
    assertThat(tick().action()).isEqualTo(Action.ACQUIRE);

    grant(12); // the witness had not seen the release yet
    Decision d = tick();
    assertThat(d.action()).isEqualTo(Action.RELEASE);
    assertThat(d.reason()).isEqualTo(ReasonCode.UNEXPECTED_TICKET_RELEASED);
    assertThat(d.words())
        .isEqualTo(
            "releasing: the witness granted epoch 12 again, which this site released (the release"
                + " may still be on its way); asking for a fresh epoch");
    assertThat(loop.state()).isEqualTo(AgentState.STANDBY);
    holder.released();

    assertThat(tick().action()).isEqualTo(Action.ACQUIRE);
    grant(13);
    Decision activate = tick();
    assertThat(activate.action()).isEqualTo(Action.ACTIVATE);
    assertThat(activate.words()).startsWith("activating: acquired ticket epoch 13");
  }
}
