package io.tandem.onprem.dns;

import io.tandem.core.witness.FencingToken;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fencing epoch recorded next to a DNS record set, as the TXT record {@code _tandem.<name>}
 * holding {@code "epoch=N site=X cluster=C"}.
 *
 * <p>DNS has no tags, so the epoch lives in a sibling TXT record that every Tandem update rewrites
 * in the same RFC 2136 message as the record itself (both apply or neither).
 *
 * @param epoch the epoch of the last Tandem change
 * @param site the site that made it
 * @param cluster the cluster it was made for
 */
public record EpochMarker(long epoch, String site, String cluster) {

  /** Label prefixed to the owner name of the record set to form the marker's owner name. */
  public static final String LABEL = "_tandem";

  private static final Pattern FIELD = Pattern.compile("(epoch|site|cluster)=([^\\s\"]+)");

  public EpochMarker {
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(cluster, "cluster");
  }

  public static EpochMarker of(FencingToken token) {
    return new EpochMarker(token.epoch(), token.site(), token.cluster());
  }

  /** The TXT text (one character-string) without quotes. */
  public String text() {
    return "epoch=" + epoch + " site=" + site + " cluster=" + cluster;
  }

  /**
   * Parses the rdata of a marker TXT record as dnsjava prints it ({@code "epoch=3 site=a ..."}).
   * Returns empty if it has no {@code epoch=} field (a TXT record somebody else wrote).
   */
  public static Optional<EpochMarker> parse(String txtRdata) {
    Matcher m = FIELD.matcher(txtRdata);
    Long epoch = null;
    String site = "";
    String cluster = "";
    while (m.find()) {
      switch (m.group(1)) {
        case "epoch" -> {
          try {
            epoch = Long.parseLong(m.group(2));
          } catch (NumberFormatException e) {
            return Optional.empty();
          }
        }
        case "site" -> site = m.group(2);
        default -> cluster = m.group(2);
      }
    }
    return epoch == null ? Optional.empty() : Optional.of(new EpochMarker(epoch, site, cluster));
  }
}
