package io.tandem.core.error;

/** A timeout, throttling, a 5xx or a dropped connection: retrying may help. */
public class TransientException extends TandemException {

  public TransientException(String message) {
    super(message);
  }

  public TransientException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Category category() {
    return Category.TRANSIENT;
  }
}
