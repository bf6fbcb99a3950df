package io.tandem.core.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Operators' acknowledgements that a planned switchover may go ahead although a sync job is stale
 * (the standby may lack recent changes). Each is for one job (or every job, {@code *}), names who
 * gave it and why, lasts {@link #VALID_FOR} and is used up by the next switchover. The API that
 * records one also writes it to the audit log. Thread-safe.
 */
public final class StaleAcknowledgements {

  /** The sentence an operator must send, word for word. */
  public static final String SENTENCE = "I accept that the standby may lack recent changes";

  /** How long an acknowledgement waits for its switchover. */
  public static final Duration VALID_FOR = Duration.ofMinutes(10);

  /** One acknowledgement. */
  public record Acknowledgement(String job, String by, String reason, Instant at) {
    public Acknowledgement {
      Objects.requireNonNull(job, "job");
      Objects.requireNonNull(by, "by");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(at, "at");
    }

    public String words() {
      return "accepted stale by " + by + " at " + at + ": " + reason;
    }
  }

  private final Clock clock;
  private final Map<String, Acknowledgement> byJob = new LinkedHashMap<>();

  public StaleAcknowledgements(Clock clock) {
    this.clock = clock;
  }

  /** Records an acknowledgement for {@code job} ({@code *} for every job). */
  public synchronized Acknowledgement accept(String job, String by, String reason) {
    Acknowledgement a = new Acknowledgement(job, by, reason, clock.instant());
    byJob.put(job, a);
    return a;
  }

  /** The acknowledgement covering {@code job} now, if any. */
  public synchronized Optional<Acknowledgement> find(String job) {
    Instant oldest = clock.instant().minus(VALID_FOR);
    byJob.values().removeIf(a -> a.at().isBefore(oldest));
    return Optional.ofNullable(byJob.get(job)).or(() -> Optional.ofNullable(byJob.get("*")));
  }

  /** Uses every acknowledgement up (a switchover went ahead with them). */
  public synchronized void consume() {
    byJob.clear();
  }
}
