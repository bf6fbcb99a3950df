package io.tandem.app.security;

import org.springframework.security.core.AuthenticationException;

/**
 * A login was not checked: the client failed too often lately, or the password checker is busy.
 * Answered 429 with {@code Retry-After}.
 */
public final class LoginThrottledException extends AuthenticationException {

  private final long retryAfterSeconds;

  public LoginThrottledException(String message, long retryAfterSeconds) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
