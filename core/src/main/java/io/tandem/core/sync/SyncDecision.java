package io.tandem.core.sync;

import java.time.Instant;
import java.util.Objects;

/**
 * One sync run or refusal, on the sender or the receiver, with why in words, e.g. {@code "sync
 * etc-asterisk: skipped, sender cloud-b is not the ticket holder"}.
 *
 * @param job the job
 * @param from the sending site
 * @param to the receiving site
 * @param outcome what happened
 * @param reason stable code
 * @param words the sentence for people (logs, API, console)
 * @param epoch the ticket epoch the sender acted under (0 if none)
 * @param files files (or astdb keys) changed on the receiver
 * @param rows rows copied (sql)
 * @param bytes bytes moved over the wire (compressed) or rows' bytes
 * @param durationMillis how long the run took
 * @param at when it ended
 */
public record SyncDecision(
    String job,
    String from,
    String to,
    Outcome outcome,
    SyncReason reason,
    String words,
    long epoch,
    long files,
    long rows,
    long bytes,
    long durationMillis,
    Instant at) {

  /** What a run came to. */
  public enum Outcome {
    /** Sender: changes moved and applied. */
    SENT,
    /** Sender: nothing differed. */
    UP_TO_DATE,
    /** Sender: the gate was closed; nothing was sent. */
    SKIPPED,
    /** Receiver: a request was refused; nothing was applied. */
    REFUSED,
    /** Either side: the run failed; the receiver is as it was (or restored). */
    FAILED,
    /** Receiver: a change was applied. */
    RECEIVED;

    /** Whether the two sites' copies are equal after this outcome. */
    public boolean success() {
      return this == SENT || this == UP_TO_DATE || this == RECEIVED;
    }
  }

  public SyncDecision {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(words, "words");
    Objects.requireNonNull(at, "at");
  }

  /** A decision that moved nothing. */
  public static SyncDecision of(
      String job,
      String from,
      String to,
      Outcome outcome,
      SyncReason reason,
      String words,
      long epoch,
      Instant at) {
    return new SyncDecision(job, from, to, outcome, reason, words, epoch, 0, 0, 0, 0, at);
  }

  @Override
  public String toString() {
    return at + " " + outcome + " " + reason + ": " + words;
  }
}
