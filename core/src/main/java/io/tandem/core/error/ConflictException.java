package io.tandem.core.error;

/** A compare-and-set failed: the resource changed since it was observed. */
public class ConflictException extends TandemException {

  public ConflictException(String message) {
    super(message);
  }

  public ConflictException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Category category() {
    return Category.CONFLICT;
  }
}
