package io.tandem.aws;

import io.tandem.core.error.ConfigException;
import java.util.Objects;
import java.util.Optional;

/**
 * Route 53 routing of one record set: weighted ({@code weight}) or failover ({@code failover} =
 * {@code PRIMARY}/{@code SECONDARY}), identified by {@code setIdentifier}. Records without routing
 * (simple routing) have no {@code RecordRouting}.
 */
public record RecordRouting(
    String setIdentifier,
    Optional<Long> weight,
    Optional<String> failover,
    Optional<String> healthCheckId) {

  public RecordRouting {
    Objects.requireNonNull(setIdentifier, "setIdentifier");
    Objects.requireNonNull(weight, "weight");
    Objects.requireNonNull(failover, "failover");
    Objects.requireNonNull(healthCheckId, "healthCheckId");
    if (setIdentifier.isBlank()) {
      throw new ConfigException("route53 routing: field 'setIdentifier' must not be blank");
    }
    if (weight.isPresent() == failover.isPresent()) {
      throw new ConfigException(
          "route53 routing '"
              + setIdentifier
              + "': set exactly one of 'weight' (weighted) or 'failover' (failover routing)");
    }
    if (weight.isPresent() && (weight.get() < 0 || weight.get() > 255)) {
      throw new ConfigException(
          "route53 routing '" + setIdentifier + "': field 'weight' must be 0..255");
    }
    if (failover.isPresent() && !failover.get().matches("PRIMARY|SECONDARY")) {
      throw new ConfigException(
          "route53 routing '"
              + setIdentifier
              + "': field 'failover' must be PRIMARY or SECONDARY, was '"
              + failover.get()
              + "'");
    }
  }

  public static RecordRouting weighted(String setIdentifier, long weight) {
    return new RecordRouting(
        setIdentifier, Optional.of(weight), Optional.empty(), Optional.empty());
  }

  public static RecordRouting failover(String setIdentifier, String primaryOrSecondary) {
    return new RecordRouting(
        setIdentifier, Optional.empty(), Optional.of(primaryOrSecondary), Optional.empty());
  }

  public RecordRouting withWeight(long newWeight) {
    return new RecordRouting(setIdentifier, Optional.of(newWeight), failover, healthCheckId);
  }
}
