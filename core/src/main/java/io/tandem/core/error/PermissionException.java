package io.tandem.core.error;

/** Credentials rejected or an action not permitted; the message names what is missing. */
public class PermissionException extends TandemException {

  public PermissionException(String message) {
    super(message);
  }

  public PermissionException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Category category() {
    return Category.PERMISSION;
  }
}
