package io.tandem.core.error;

/** A newer epoch is recorded or our ticket is no longer valid: the caller must stop and fence. */
public class FencedException extends TandemException {

  public FencedException(String message) {
    super(message);
  }

  public FencedException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Category category() {
    return Category.FENCED;
  }
}
