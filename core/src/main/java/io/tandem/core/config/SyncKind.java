package io.tandem.core.config;

/** What a sync job copies from the active site to the standby. */
public enum SyncKind implements ConfigEnum {
  /** Directory trees: configuration, voicemail, sounds, recordings. */
  FILES("files"),
  /** Asterisk's internal database, as a consistent snapshot taken through the running Asterisk. */
  ASTDB("astdb"),
  /** Tables of a MariaDB or PostgreSQL database, copied in one transaction. */
  SQL("sql");

  private final String configName;

  SyncKind(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }

  @Override
  public String toString() {
    return configName;
  }
}
