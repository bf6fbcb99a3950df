/**
 * Health-gated sync: the standby has what the active has.
 *
 * <p>A job runs only from the current ticket holder, only while both sites are healthy and the peer
 * link is authenticated ({@link io.tandem.core.sync.SenderGate}); the receiving site checks again
 * with what it knows itself — its own view of the ticket and the newest epoch it has seen — and
 * refuses anything else ({@link io.tandem.core.sync.ReceiverGate}). Every run and every refusal is
 * a {@link io.tandem.core.sync.SyncDecision} with a reason in words. What moves and how is behind
 * small ports: {@link io.tandem.core.sync.SyncSender} and {@link io.tandem.core.sync.SyncSink} per
 * kind (files, astdb, sql), {@link io.tandem.core.sync.SyncChannel} for the transport. See {@code
 * docs/sync.md}.
 */
package io.tandem.core.sync;
