package io.tandem.azure.internal;

import io.tandem.core.witness.FencingToken;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How the fencing epoch is recorded on Azure resources: tags on public IPs and VMs, metadata on DNS
 * record sets. {@code tandem-epoch} is the epoch, {@code tandem-site} the site that acted, {@code
 * tandem-cluster} the cluster. Stateless.
 */
public final class EpochTags {

  public static final String EPOCH = "tandem-epoch";
  public static final String SITE = "tandem-site";
  public static final String CLUSTER = "tandem-cluster";

  private EpochTags() {}

  /** The recorded epoch, 0 if none or unreadable (a hand-edited tag never blocks a failover). */
  public static long epoch(Map<String, String> tags) {
    if (tags == null) {
      return 0;
    }
    String v = tags.get(EPOCH);
    if (v == null) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(v.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  public static Optional<String> site(Map<String, String> tags) {
    return tags == null ? Optional.empty() : Optional.ofNullable(tags.get(SITE));
  }

  /** {@code tags} (may be null) plus the token's epoch, site and cluster; other tags kept. */
  public static Map<String, String> with(Map<String, String> tags, FencingToken token) {
    Map<String, String> out = tags == null ? new HashMap<>() : new HashMap<>(tags);
    out.put(EPOCH, Long.toString(token.epoch()));
    out.put(SITE, token.site());
    out.put(CLUSTER, token.cluster());
    return out;
  }

  /** Whether the tags already record exactly this token. */
  public static boolean records(Map<String, String> tags, FencingToken token) {
    return epoch(tags) == token.epoch() && site(tags).filter(token.site()::equals).isPresent();
  }
}
