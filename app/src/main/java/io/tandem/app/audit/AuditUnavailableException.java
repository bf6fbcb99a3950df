package io.tandem.app.audit;

/**
 * The audit entry could not be written: whatever it was to record must not happen (the API answers
 * 503 and acts on nothing). The message names the cause, never a path or a secret.
 */
public final class AuditUnavailableException extends RuntimeException {

  public AuditUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
