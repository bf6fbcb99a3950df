package io.tandem.core.port;

import java.util.Objects;

/**
 * What the PBX says about itself.
 *
 * @param up the management interface answered and the core reports running
 * @param version PBX version string, e.g. {@code Asterisk 22.1.0}
 * @param activeCalls active calls (or channels / 2 where only channels are counted)
 * @param acceptingCalls false while new calls are refused (call drain, fenced)
 */
public record PbxStatus(boolean up, String version, int activeCalls, boolean acceptingCalls) {

  public PbxStatus {
    Objects.requireNonNull(version, "version");
  }
}
