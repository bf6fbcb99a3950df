package io.tandem.core.agent;

import java.util.Objects;

/** What an operator can ask of an agent; delivered through the next tick's snapshot. */
public sealed interface OperatorCommand {

  /** The sentence a forced acquire must carry, word for word. */
  String FORCE_ACKNOWLEDGEMENT = "I understand another site may still be serving";

  /**
   * Planned switchover: the active site fences, releases the ticket and announces {@code target},
   * which acquires; other standbys stand aside. Ignored by a site that is not active.
   */
  record Switchover(String target) implements OperatorCommand {
    public Switchover {
      Objects.requireNonNull(target, "target");
    }
  }

  /** Enter maintenance (an active site fences and releases first) or leave it. */
  record Maintenance(boolean on) implements OperatorCommand {}

  /**
   * Acquire even though the witness thinks another site holds the ticket, as booth's {@code grant
   * -F}. Only accepted with {@link #FORCE_ACKNOWLEDGEMENT} exactly, and still waits out any promise
   * this site gave a peer.
   */
  record ForceAcquire(String acknowledgement) implements OperatorCommand {
    public boolean acknowledged() {
      return FORCE_ACKNOWLEDGEMENT.equals(acknowledgement);
    }
  }
}
