package io.tandem.core.port;

import java.util.Objects;

/**
 * What the PBX says about itself.
 *
 * @param up the management interface answered and the core reports running
 * @param version PBX version string, e.g. {@code Asterisk 22.1.0}
 * @param activeCalls calls up now: a bridged call counts once (Asterisk's {@code CoreCurrentCalls}
 *     counts channels, so adapters group channels by call)
 * @param activeChannels channels up now: a bridged call has two; {@value #NOT_REPORTED} when the
 *     source reports only calls (e.g. a peer agent's report)
 * @param acceptingCalls false while new calls are refused (call drain, fenced)
 */
public record PbxStatus(
    boolean up, String version, int activeCalls, int activeChannels, boolean acceptingCalls) {

  /** {@link #activeChannels()} when the source does not count channels. */
  public static final int NOT_REPORTED = -1;

  public PbxStatus {
    Objects.requireNonNull(version, "version");
    if (activeCalls < 0 || activeChannels < NOT_REPORTED) {
      throw new IllegalArgumentException("call and channel counts must not be negative");
    }
  }

  /** A status from a source that counts calls but not channels. */
  public PbxStatus(boolean up, String version, int activeCalls, boolean acceptingCalls) {
    this(up, version, activeCalls, NOT_REPORTED, acceptingCalls);
  }
}
