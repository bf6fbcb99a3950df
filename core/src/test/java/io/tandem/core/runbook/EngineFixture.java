package io.tandem.core.runbook;

import io.tandem.core.runbook.journal.JournalDirectory;
import io.tandem.core.witness.FencingToken;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** Common wiring for engine tests: a token, a guard the test can flip, a stepping clock. */
final class EngineFixture {

  static final FencingToken TOKEN = new FencingToken("c1", "b", 7);

  final Path dir;
  final AtomicLong heldEpoch = new AtomicLong(7);
  final TicketGuard guard = t -> t.epoch() == heldEpoch.get();
  final SteppingClock clock = new SteppingClock(Instant.parse("2026-11-26T06:00:00Z"));
  final JournalDirectory journals;

  EngineFixture(Path dir) {
    this.dir = dir;
    this.journals = new JournalDirectory(dir.resolve("journal"), clock);
  }

  /** A clock that moves 1 ms forward on every read: deterministic, and durations are non-zero. */
  static final class SteppingClock extends Clock {
    private final AtomicLong millis;

    SteppingClock(Instant start) {
      this.millis = new AtomicLong(start.toEpochMilli());
    }

    void advance(java.time.Duration d) {
      millis.addAndGet(d.toMillis());
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.incrementAndGet());
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  RunbookEngine.Builder engine() {
    return RunbookEngine.builder().clock(clock).ticketGuard(guard).journals(journals);
  }
}
