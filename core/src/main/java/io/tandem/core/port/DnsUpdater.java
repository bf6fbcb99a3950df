package io.tandem.core.port;

import io.tandem.core.witness.FencingToken;
import java.util.Optional;

/**
 * Port: changes DNS records (Route 53, Azure DNS, RFC 2136) with compare-and-set.
 *
 * <p>Contract: {@link #replace} applies only if the record still equals {@code expected} (empty
 * meaning "must not exist") and throws {@link io.tandem.core.error.ConflictException} otherwise; it
 * is idempotent (if the record already equals {@code desired}, nothing changes). {@link #verify}
 * asks the authoritative source, not a cache. Implementations are thread-safe.
 */
public interface DnsUpdater {

  String provider();

  Optional<DnsRecord> observe(String zone, String name, String type);

  DnsRecord replace(Optional<DnsRecord> expected, DnsRecord desired, FencingToken token);

  boolean verify(DnsRecord desired);
}
