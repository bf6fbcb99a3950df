package io.tandem.core.sync;

import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * The peer-link runner: takes a snapshot, offers its manifest, then streams what the receiver
 * needs. The gate is re-checked before the offer, before the content and between items, so a run
 * stops as soon as this site loses its ticket or a side turns unhealthy.
 */
public final class SyncPipeline implements SyncRunner {

  private final SyncSender sender;
  private final SyncChannel channel;

  public SyncPipeline(SyncSender sender, SyncChannel channel) {
    this.sender = sender;
    this.channel = channel;
  }

  @Override
  public Result push(String job, String peer, long epoch, BooleanSupplier stillAllowed) {
    try (SyncSender.Snapshot snapshot = sender.snapshot()) {
      stop(stillAllowed, job);
      SyncChannel.OfferReply offer = channel.offer(peer, job, epoch, snapshot::writeManifest);
      if (!offer.pending()) {
        return new Result(true, 0, 0, 0, peer + " already has " + snapshot.describe());
      }
      stop(stillAllowed, job);
      SyncSink.Applied applied =
          channel.send(
              peer,
              job,
              epoch,
              offer.session(),
              out -> snapshot.writeData(offer.need(), out, stillAllowed));
      return new Result(false, applied.files(), applied.rows(), applied.bytes(), applied.words());
    } catch (IOException e) {
      throw new SyncFailedException(
          SyncReason.TRANSFER_FAILED,
          "sync " + job + ": cannot read the source: " + e.getMessage(),
          e);
    }
  }

  private static void stop(BooleanSupplier stillAllowed, String job) {
    if (!stillAllowed.getAsBoolean()) {
      throw new SyncFailedException(
          SyncReason.TICKET_LOST, "sync " + job + ": stopped, the gate closed during the run");
    }
  }
}
