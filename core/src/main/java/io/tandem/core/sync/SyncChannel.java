package io.tandem.core.sync;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;

/**
 * Port, the transport between a sender and a receiving agent: a signed offer carrying the manifest,
 * answered by what the receiver needs; then the content, answered by what it applied. Refusals come
 * back as {@link SyncRefusedException}, failures as {@link SyncFailedException}.
 */
public interface SyncChannel {

  /** Writes a request body; called once, possibly on another thread. */
  @FunctionalInterface
  interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * The receiver's answer to an offer.
   *
   * @param session identifies the plan for the data phase
   * @param need items whose content to send
   * @param pending whether a data phase is needed at all
   * @param bytesExpected content bytes to send
   */
  record OfferReply(String session, List<String> need, boolean pending, long bytesExpected) {
    public OfferReply {
      Objects.requireNonNull(session, "session");
      need = List.copyOf(need);
    }
  }

  /** Offers {@code job}'s manifest to {@code peer}, acting under {@code epoch}. */
  OfferReply offer(String peer, String job, long epoch, Body manifest);

  /** Sends the content for {@code session}; returns what the receiver applied. */
  SyncSink.Applied send(String peer, String job, long epoch, String session, Body data);
}
