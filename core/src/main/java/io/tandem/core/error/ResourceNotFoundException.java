package io.tandem.core.error;

/** A configured resource (address, zone, instance, trunk) does not exist. */
public class ResourceNotFoundException extends TandemException {

  public ResourceNotFoundException(String message) {
    super(message);
  }

  public ResourceNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Category category() {
    return Category.NOT_FOUND;
  }
}
