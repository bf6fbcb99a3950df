package io.tandem.aws;

import io.tandem.core.error.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How {@link Route53Updater} changes records. Immutable; build with {@link #builder()}.
 *
 * @param hostedZoneIds zone name (absolute, lower case) → hosted zone id; zones not listed are
 *     looked up once by name ({@code route53:ListHostedZonesByName})
 * @param upsert {@code true}: apply with UPSERT (last writer wins, only the epoch check protects);
 *     {@code false} (default): DELETE the exact old record + CREATE the new one in one batch, a
 *     compare-and-set
 * @param syncTimeout how long to wait for the change to become INSYNC
 * @param syncPollInterval first delay between {@code GetChange} polls; it doubles (half jitter) up
 *     to {@code syncMaxPollInterval}, so a change that takes a minute to propagate costs about ten
 *     polls rather than thirty
 * @param syncMaxPollInterval longest delay between polls
 * @param recordEpoch whether to keep a TXT record {@code _tandem.<name>} with the epoch in the same
 *     batch (compare-and-set too) and refuse changes when it records a newer epoch
 * @param epochTtl TTL of that TXT record
 * @param routing {@code name|TYPE} → routing for weighted or failover record sets
 */
public record Route53Settings(
    Map<String, String> hostedZoneIds,
    boolean upsert,
    Duration syncTimeout,
    Duration syncPollInterval,
    Duration syncMaxPollInterval,
    boolean recordEpoch,
    long epochTtl,
    Map<String, RecordRouting> routing) {

  public Route53Settings {
    hostedZoneIds = Map.copyOf(hostedZoneIds);
    routing = Map.copyOf(routing);
  }

  public static Builder builder() {
    return new Builder();
  }

  public static Route53Settings defaults() {
    return builder().build();
  }

  /** Routing configured for {@code name}/{@code type}, if any. */
  public Optional<RecordRouting> routingOf(String name, String type) {
    return Optional.ofNullable(routing.get(key(name, type)));
  }

  static String key(String name, String type) {
    return Route53Updater.absolute(name) + "|" + type.toUpperCase(Locale.ROOT);
  }

  /** Not thread-safe. */
  public static final class Builder {
    private final Map<String, String> hostedZoneIds = new HashMap<>();
    private boolean upsert;
    private Duration syncTimeout = Duration.ofSeconds(120);
    private Duration syncPollInterval = Duration.ofSeconds(2);
    private Duration syncMaxPollInterval = Duration.ofSeconds(10);
    private boolean recordEpoch = true;
    private long epochTtl = 60;
    private final Map<String, RecordRouting> routing = new HashMap<>();

    public Builder hostedZone(String zoneName, String hostedZoneId) {
      hostedZoneIds.put(Route53Updater.absolute(zoneName), Route53Updater.bareZoneId(hostedZoneId));
      return this;
    }

    public Builder upsert(boolean upsert) {
      this.upsert = upsert;
      return this;
    }

    public Builder syncTimeout(Duration syncTimeout) {
      this.syncTimeout = syncTimeout;
      return this;
    }

    public Builder syncPollInterval(Duration syncPollInterval) {
      this.syncPollInterval = syncPollInterval;
      return this;
    }

    public Builder syncMaxPollInterval(Duration syncMaxPollInterval) {
      this.syncMaxPollInterval = syncMaxPollInterval;
      return this;
    }

    public Builder recordEpoch(boolean recordEpoch) {
      this.recordEpoch = recordEpoch;
      return this;
    }

    public Builder epochTtl(long epochTtl) {
      this.epochTtl = epochTtl;
      return this;
    }

    public Builder routing(String name, String type, RecordRouting recordRouting) {
      routing.put(key(name, type), recordRouting);
      return this;
    }

    /**
     * @throws ConfigException naming the field that is wrong
     */
    public Route53Settings build() {
      if (syncTimeout == null || syncTimeout.isNegative() || syncTimeout.isZero()) {
        throw new ConfigException("route53.syncTimeout: must be positive");
      }
      if (syncPollInterval == null
          || syncPollInterval.isNegative()
          || syncPollInterval.isZero()
          || syncPollInterval.compareTo(syncTimeout) > 0) {
        throw new ConfigException("route53.syncPollInterval: must be positive and <= syncTimeout");
      }
      if (syncMaxPollInterval == null || syncMaxPollInterval.compareTo(syncPollInterval) < 0) {
        throw new ConfigException("route53.syncMaxPollInterval: must be >= syncPollInterval");
      }
      if (epochTtl < 0) {
        throw new ConfigException("route53.epochTtl: must be >= 0");
      }
      return new Route53Settings(
          hostedZoneIds,
          upsert,
          syncTimeout,
          syncPollInterval,
          syncMaxPollInterval,
          recordEpoch,
          epochTtl,
          routing);
    }
  }
}
