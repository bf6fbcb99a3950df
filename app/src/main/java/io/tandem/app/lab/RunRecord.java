package io.tandem.app.lab;

import io.tandem.app.api.RunView;
import java.time.Instant;

/** A runbook run as the lab tracks it for the API; updated once when it ends. Thread-safe. */
final class RunRecord {

  final String id;
  final String site;
  final String kind;
  final String from;
  final String to;
  final Instant startedAt;
  private volatile String state = "RUNNING";
  private volatile Instant endedAt;
  private volatile Long rtoMillis;

  RunRecord(String id, String site, String kind, String from, String to, Instant startedAt) {
    this.id = id;
    this.site = site;
    this.kind = kind;
    this.from = from;
    this.to = to;
    this.startedAt = startedAt;
  }

  void finish(String outcome, Instant at, Long rto) {
    this.endedAt = at;
    this.rtoMillis = rto;
    this.state = outcome;
  }

  String state() {
    return state;
  }

  RunView view() {
    return new RunView(id, kind, state, from, to, startedAt, endedAt, rtoMillis);
  }
}
