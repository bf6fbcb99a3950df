package io.tandem.core.witness;

/**
 * Checks that a request really comes from the site it names. Pluggable: shared secret per site
 * ({@link SharedSecretAuthenticator}), mutual TLS (the transport checks the certificate and passes
 * an in-process credential), or anything else the app wires in.
 *
 * <p>Implementations are thread-safe, never log or echo the credential, and compare in constant
 * time.
 */
@FunctionalInterface
public interface SiteAuthenticator {

  /** Whether {@code credential} proves the identity of {@code site}. */
  boolean authenticate(String site, SiteCredential credential);

  /**
   * Accepts every request: only for a witness called in-process (simulation, or a transport that
   * has already authenticated the peer, e.g. by its TLS certificate).
   */
  static SiteAuthenticator inProcess() {
    return (site, credential) -> true;
  }
}
