package io.tandem.core.sync;

import io.tandem.core.error.TandemException;
import java.util.Objects;

/**
 * A sync run failed part-way (link cut, content not matching its hash, disk full, reload failed).
 * The receiver keeps, or has restored, the version it had. Transient unless the reason says the
 * content itself was wrong.
 */
public class SyncFailedException extends TandemException {

  private final SyncReason reason;

  public SyncFailedException(SyncReason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public SyncFailedException(SyncReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public SyncReason reason() {
    return reason;
  }

  @Override
  public Category category() {
    return reason == SyncReason.VERIFY_FAILED ? Category.PROTOCOL : Category.TRANSIENT;
  }
}
