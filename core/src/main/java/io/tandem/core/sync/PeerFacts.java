package io.tandem.core.sync;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * What this site knows of another from that site's last report over the peer link. Reports arrive
 * only through the HMAC-checked peer link, so a recent one means the link is authenticated now.
 *
 * @param site the other site
 * @param healthy its health verdict in that report
 * @param state its agent state in that report, in words
 * @param ageNanos how long ago the report arrived, on this site's monotonic clock
 */
public record PeerFacts(String site, boolean healthy, String state, long ageNanos) {

  public PeerFacts {
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(state, "state");
  }

  /** Whether the report is recent enough to count as an authenticated, live link. */
  public boolean fresh(Duration maxAge) {
    return ageNanos <= maxAge.toNanos();
  }

  String age() {
    return String.format(Locale.ROOT, "%.1f s", ageNanos / 1e9);
  }
}
