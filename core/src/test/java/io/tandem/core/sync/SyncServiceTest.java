package io.tandem.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.config.SyncJobConfig;
import io.tandem.core.config.SyncKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sending side's decisions as the ledger records them (no network: the runner is a stub). */
class SyncServiceTest {

  @TempDir Path dir;

  private final AtomicReference<SenderGate.Facts> facts = new AtomicReference<>();

  private SyncService service() {
    SyncJobConfig job =
        SyncJobConfig.builder().name("etc-asterisk").kind(SyncKind.FILES).path("/etc/a").build();
    SyncLedger ledger =
        new SyncLedger(dir, Clock.systemUTC(), Map.of("etc-asterisk", Duration.ofMinutes(5)));
    return new SyncService(
        "beta",
        List.of("alpha"),
        List.of(job),
        Map.of(
            "etc-asterisk",
            (name, peer, epoch, allowed) -> new SyncRunner.Result(true, 0, 0, 0, "up to date")),
        peer -> facts.get(),
        ledger,
        Clock.systemUTC(),
        System::nanoTime);
  }

  private static SenderGate.Facts standby(String state) {
    return new SenderGate.Facts(
        "beta",
        OptionalLong.empty(),
        state,
        true,
        "healthy",
        Optional.empty(),
        Duration.ofSeconds(3));
  }

  @Test
  void aStandbySaysWhyItDoesNotSendOncePerChangeOfItsStateNotOnceForever() {
    SyncService s = service();
    facts.set(standby("STARTING"));
    s.runNow("etc-asterisk");
    s.runNow("etc-asterisk");
    facts.set(standby("STANDBY"));
    s.runNow("etc-asterisk");
    s.runNow("etc-asterisk");

    assertThat(s.ledger().recent(10))
        .extracting(SyncDecision::words)
        .containsExactly( // newest first
            "sync etc-asterisk: skipped, sender beta is not the ticket holder (STANDBY)",
            "sync etc-asterisk: skipped, sender beta is not the ticket holder (STARTING)");
    assertThat(s.ledger().last("etc-asterisk").orElseThrow().words())
        .as("the last words say what the site is now")
        .endsWith("(STANDBY)");
  }
}
