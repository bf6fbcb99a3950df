package io.tandem.core.witness;

import java.util.Objects;

/**
 * What every external mutation carries: the cluster, the site acting, and the epoch of the ticket
 * it acts under. Adapters record it on the resource (tags, metadata, TXT records) and refuse a
 * change when the resource already records a newer epoch.
 */
public record FencingToken(String cluster, String site, long epoch) {

  public FencingToken {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(site, "site");
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch must be >= 1, was " + epoch);
    }
  }

  /** Whether a resource that records {@code recordedEpoch} may be changed with this token. */
  public boolean mayOverwrite(long recordedEpoch) {
    return recordedEpoch <= epoch;
  }

  @Override
  public String toString() {
    return cluster + "/" + site + "@" + epoch;
  }
}
