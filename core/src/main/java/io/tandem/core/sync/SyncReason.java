package io.tandem.core.sync;

/** Stable reason codes of sync decisions; the decision's words say the same for people. */
public enum SyncReason {
  /** The run moved what changed and the receiver applied it. */
  APPLIED,
  /** Both sites already had the same content. */
  UP_TO_DATE,
  /** Sender side: this site does not hold a valid ticket. */
  NOT_HOLDER,
  /** Sender side: this site is not healthy. */
  SENDER_UNHEALTHY,
  /** Sender side: the peer's last report says it is not healthy. */
  PEER_UNHEALTHY,
  /** No recent signed report from the other site: the peer link is not authenticated now. */
  LINK_UNAUTHENTICATED,
  /** Receiver side: the sender is not the holder the witness names. */
  SENDER_NOT_HOLDER,
  /** Receiver side: the sender speaks for an epoch older than one this site has seen. */
  OLDER_EPOCH,
  /** Receiver side: the witness could not be asked who holds the ticket. */
  HOLDER_UNCONFIRMED,
  /** Receiver side: this site holds the ticket itself. */
  RECEIVER_IS_HOLDER,
  /** Receiver side: this site is not healthy. */
  RECEIVER_UNHEALTHY,
  /** Receiver side: the sender's last report says it is not healthy. */
  SENDER_REPORTED_UNHEALTHY,
  /** The change is larger than the job allows, or does not fit on the receiver's disk. */
  TOO_LARGE,
  /** Another run of the job is in progress on the receiver. */
  BUSY,
  /** The ticket was lost while the run was under way; it stopped. */
  TICKET_LOST,
  /** The transfer failed (link cut, sender stopped, timeout); the receiver is unchanged. */
  TRANSFER_FAILED,
  /** Received content did not match the manifest's hashes; nothing was applied. */
  VERIFY_FAILED,
  /** The receiver could not put the change in place; it kept or restored its version. */
  APPLY_FAILED,
  /** The change is in place but the PBX reload failed. */
  RELOAD_FAILED,
  /** The other side refused the request; its words follow. */
  REFUSED_BY_PEER
}
