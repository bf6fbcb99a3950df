package io.tandem.core.error;

/** A peer answered something its protocol does not allow. */
public class ProtocolException extends TandemException {

  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Category category() {
    return Category.PROTOCOL;
  }
}
