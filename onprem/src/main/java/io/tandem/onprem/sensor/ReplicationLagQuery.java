package io.tandem.onprem.sensor;

import java.time.Duration;
import java.util.Objects;

/**
 * Port: asks a database how far its replica lags behind the primary. {@link JdbcReplicationLag}
 * implements it for PostgreSQL and MariaDB/MySQL; tests use a hand-written fake.
 *
 * <p>Contract: {@link #query()} is bounded by the implementation's timeout and reports failures as
 * {@link Lag.State#UNREACHABLE} rather than throwing.
 */
@FunctionalInterface
public interface ReplicationLagQuery {

  Lag query();

  /**
   * One answer.
   *
   * @param state what the database says about replication
   * @param lag how far behind (zero unless {@code REPLICATING})
   * @param detail a short sentence
   */
  record Lag(State state, Duration lag, String detail) {
    public Lag {
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(lag, "lag");
      Objects.requireNonNull(detail, "detail");
    }

    /** What the database said. */
    public enum State {
      REPLICATING,
      /** The server is a primary (or replication was never configured). */
      NOT_A_REPLICA,
      /** Replication is configured but stopped (IO/SQL thread down, no WAL receiver). */
      BROKEN,
      UNREACHABLE
    }
  }
}
