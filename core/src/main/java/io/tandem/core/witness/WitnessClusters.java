package io.tandem.core.witness;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The clusters a built-in witness serves. A witness server serves only the clusters it was
 * configured with ({@link #of}); {@link #open} serves any cluster under one set of settings and is
 * meant for a witness called in-process (the simulation, tests). Immutable and thread-safe.
 */
public interface WitnessClusters {

  /** The cluster called {@code name}, if this witness serves it. */
  Optional<WitnessCluster> find(String name);

  /** The configured clusters (empty for {@link #open}). */
  List<WitnessCluster> configured();

  /** Exactly these clusters. */
  static WitnessClusters of(Collection<WitnessCluster> clusters) {
    Map<String, WitnessCluster> byName = new LinkedHashMap<>();
    for (WitnessCluster c : clusters) {
      if (byName.putIfAbsent(c.name(), c) != null) {
        throw new IllegalArgumentException("cluster " + c.name() + " is configured twice");
      }
    }
    List<WitnessCluster> list = List.copyOf(byName.values());
    return new WitnessClusters() {
      @Override
      public Optional<WitnessCluster> find(String name) {
        return Optional.ofNullable(byName.get(name));
      }

      @Override
      public List<WitnessCluster> configured() {
        return list;
      }
    };
  }

  /** Any cluster name, each with {@code settings} and {@code authenticator}: in-process use. */
  static WitnessClusters open(WitnessSettings settings, SiteAuthenticator authenticator) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(authenticator, "authenticator");
    return new WitnessClusters() {
      @Override
      public Optional<WitnessCluster> find(String name) {
        return Optional.of(new WitnessCluster(name, settings, authenticator));
      }

      @Override
      public List<WitnessCluster> configured() {
        return List.of();
      }
    };
  }
}
