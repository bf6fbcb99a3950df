package io.tandem.core.agent;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** How the agent calls its asynchronous ports and words their failures (stateless). */
final class PortCalls {

  private PortCalls() {}

  /** A port call that throws at once is a failed stage, like one that fails later. */
  static <T> CompletionStage<T> call(Supplier<CompletionStage<T>> c) {
    try {
      return Objects.requireNonNull(c.get(), "a port returned no stage");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  static String message(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return c.getMessage() != null ? c.getMessage() : c.toString();
  }
}
