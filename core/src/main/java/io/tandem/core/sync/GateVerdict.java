package io.tandem.core.sync;

import java.util.Objects;

/**
 * A gate's answer: open (with the epoch the run acts under) or closed, with the reason in words.
 *
 * @param open whether the run may go on
 * @param reason why not (or {@link SyncReason#APPLIED} as a placeholder when open)
 * @param words the sentence, e.g. {@code "sync etc-asterisk: skipped, sender cloud-b is not the
 *     ticket holder"}
 * @param epoch the epoch the sender holds (open) or claimed (receiver side)
 */
public record GateVerdict(boolean open, SyncReason reason, String words, long epoch) {

  public GateVerdict {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(words, "words");
  }

  static GateVerdict open(String words, long epoch) {
    return new GateVerdict(true, SyncReason.APPLIED, words, epoch);
  }

  static GateVerdict closed(SyncReason reason, String words, long epoch) {
    return new GateVerdict(false, reason, words, epoch);
  }
}
