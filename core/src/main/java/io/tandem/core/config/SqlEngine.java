package io.tandem.core.config;

/** The database server behind an {@code sql} sync job. */
public enum SqlEngine implements ConfigEnum {
  MARIADB("mariadb", 3306),
  POSTGRESQL("postgresql", 5432);

  private final String configName;
  private final int defaultPort;

  SqlEngine(String configName, int defaultPort) {
    this.configName = configName;
    this.defaultPort = defaultPort;
  }

  @Override
  public String configName() {
    return configName;
  }

  public int defaultPort() {
    return defaultPort;
  }

  @Override
  public String toString() {
    return configName;
  }
}
