package io.tandem.core.error;

/**
 * A resource already records a newer epoch than the one we act with: another site holds (or held) a
 * newer ticket. The only safe reaction is to stop and fence ourselves.
 */
public class StaleEpochException extends FencedException {

  private final long ourEpoch;
  private final long recordedEpoch;

  public StaleEpochException(String resource, long ourEpoch, long recordedEpoch) {
    super(
        "refusing to change "
            + resource
            + ": it records epoch "
            + recordedEpoch
            + ", newer than our epoch "
            + ourEpoch);
    this.ourEpoch = ourEpoch;
    this.recordedEpoch = recordedEpoch;
  }

  public long ourEpoch() {
    return ourEpoch;
  }

  public long recordedEpoch() {
    return recordedEpoch;
  }
}
