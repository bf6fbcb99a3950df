package io.tandem.core.config;

/** How a {@code files} job moves data. */
public enum SyncTransport implements ConfigEnum {
  /**
   * The default: over the agents' authenticated peer link (TLS, HMAC), a manifest of content
   * hashes, only changed files sent, compressed, staged and swapped in by the receiving agent.
   */
  PEER_LINK("peer-link"),
  /** {@code rsync} over SSH, for operators who prefer it; the gate still decides when it runs. */
  RSYNC("rsync");

  private final String configName;

  SyncTransport(String configName) {
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
