package io.tandem.core.witness;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One cluster a built-in witness serves: its name, the lease limits and grace from the cluster's
 * timings, and the authenticator that knows exactly this cluster's sites (a site's credential is
 * valid for its own cluster only).
 *
 * @param name the cluster name, a DNS label as the configuration requires
 * @param settings grace and TTL limits for this cluster
 * @param authenticator accepts exactly this cluster's sites, each with its own credential
 */
public record WitnessCluster(
    String name, WitnessSettings settings, SiteAuthenticator authenticator) {

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  public WitnessCluster {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(authenticator, "authenticator");
    if (!validName(name)) {
      throw new IllegalArgumentException("cluster name must be a DNS label");
    }
  }

  /**
   * Whether {@code name} is a well-formed cluster or site name: a lower-case DNS label of at most
   * 63 characters, as {@code tandem validate} requires. Anything else is refused before it is
   * looked up, logged or echoed.
   */
  public static boolean validName(String name) {
    return name != null && name.length() <= 63 && DNS_LABEL.matcher(name).matches();
  }
}
