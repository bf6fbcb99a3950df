package io.tandem.core.sync;

import io.tandem.core.error.TandemException;
import java.util.Objects;

/**
 * The other site refused a sync request (its gate was closed, the change too large, a run already
 * in progress). Nothing was applied there. Category {@code CONFLICT}: re-check and try at the next
 * interval.
 */
public class SyncRefusedException extends TandemException {

  private final SyncReason reason;

  public SyncRefusedException(SyncReason reason, String words) {
    super(words);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public SyncReason reason() {
    return reason;
  }

  @Override
  public Category category() {
    return Category.CONFLICT;
  }
}
