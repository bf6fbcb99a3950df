package io.tandem.onprem.etcd;

import io.tandem.core.error.ProtocolException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Value of the holder key: who holds the ticket, under which epoch, with which TTL, and whose
 * forced acquire preempted it (empty if none). Stored as {@code site=a;epoch=3;ttlMs=6000} (plus
 * {@code ;preemptedBy=b}) so an operator can read it with {@code etcdctl get}.
 */
record HolderRecord(String site, long epoch, Duration ttl, String preemptedBy) {

  HolderRecord(String site, long epoch, Duration ttl) {
    this(site, epoch, ttl, "");
  }

  boolean preempted() {
    return !preemptedBy.isEmpty();
  }

  HolderRecord preemptedBy(String site) {
    return new HolderRecord(this.site, epoch, ttl, site);
  }

  String encode() {
    return "site="
        + site
        + ";epoch="
        + epoch
        + ";ttlMs="
        + ttl.toMillis()
        + (preempted() ? ";preemptedBy=" + preemptedBy : "");
  }

  static HolderRecord decode(String key, String value) {
    Map<String, String> fields = new HashMap<>();
    for (String part : value.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        fields.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    try {
      return new HolderRecord(
          fields.get("site"),
          Long.parseLong(fields.get("epoch")),
          Duration.ofMillis(Long.parseLong(fields.get("ttlMs"))),
          fields.getOrDefault("preemptedBy", ""));
    } catch (RuntimeException e) {
      throw new ProtocolException("etcd: key " + key + " does not hold a Tandem ticket: " + value);
    }
  }
}
