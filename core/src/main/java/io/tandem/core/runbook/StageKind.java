package io.tandem.core.runbook;

/** The role of a stage; reports use it to break the RTO down. */
public enum StageKind {
  DRAIN,
  SYNC_CHECK,
  FENCE,
  SWITCH,
  VERIFY,
  NOTIFY,
  GATE,
  OTHER
}
