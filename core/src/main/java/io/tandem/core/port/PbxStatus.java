package io.tandem.core.port;

import java.util.Objects;

/**
 * What the PBX says about itself.
 *
 * @param up the management interface answered and the core reports running
 * @param version PBX version string, e.g. {@code Asterisk 22.1.0}
 * @param activeCalls calls up now: a bridged call counts once (Asterisk's {@code CoreCurrentCalls}
 *     counts channels, so adapters group channels by call)
 * @param activeChannels channels up now: a bridged call has two
 * @param acceptingCalls false while new calls are refused (call drain, fenced)
 */
public record PbxStatus(
    boolean up, String version, int activeCalls, int activeChannels, boolean acceptingCalls) {

  public PbxStatus {
    Objects.requireNonNull(version, "version");
    if (activeCalls < 0 || activeChannels < 0) {
      throw new IllegalArgumentException("call and channel counts must not be negative");
    }
  }
}
