package io.tandem.core.error;

/** Bad configuration or input; see {@link TandemException.Category#CONFIG}. */
public class ConfigException extends TandemException {

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Category category() {
    return Category.CONFIG;
  }
}
