package io.tandem.onprem.sip;

import io.tandem.core.error.TransientException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The registrar answered 503 Service Unavailable (RFC 3261 §21.5.4), possibly with {@code
 * Retry-After}: it is up but refuses work for now. Transient (retry with back-off); a refresh waits
 * at least {@link #retryAfter()} before the next try, as §21.5.4 and §20.33 ask of a client.
 */
public final class RegistrarUnavailableException extends TransientException {

  private final Optional<Duration> retryAfter;

  public RegistrarUnavailableException(String message, Optional<Duration> retryAfter) {
    super(message);
    this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
  }

  public RegistrarUnavailableException(
      String message, Optional<Duration> retryAfter, Throwable cause) {
    super(message, cause);
    this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
  }

  /** How long the registrar asked us to wait, if it said. */
  public Optional<Duration> retryAfter() {
    return retryAfter;
  }
}
