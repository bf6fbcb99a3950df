/**
 * The durable run journal: one append-only file per run, one checksummed JSON line per event,
 * fsynced before the action it announces; torn last records are truncated on open, damage before
 * the last record is an error.
 */
package io.tandem.core.runbook.journal;
