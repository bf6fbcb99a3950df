package io.tandem.onprem.pbx;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a PBX says about its core.
 *
 * @param version e.g. {@code Asterisk 20.5.0}, {@code FreeSWITCH 1.10.12-release}
 * @param uptime since the PBX process started, when the PBX tells
 * @param sinceReload since the last configuration reload (Asterisk; FreeSWITCH keeps none)
 * @param calls calls up now (a bridged call counts once)
 * @param channels channels up now (a bridged call has two)
 * @param acceptingCalls false while new calls are refused (call drain, fenced)
 */
public record PbxCore(
    String version,
    Optional<Duration> uptime,
    Optional<Duration> sinceReload,
    int calls,
    int channels,
    boolean acceptingCalls) {

  public PbxCore {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(uptime, "uptime");
    Objects.requireNonNull(sinceReload, "sinceReload");
  }
}
