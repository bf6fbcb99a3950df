package io.tandem.azure.internal;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.polling.PollResult;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one Azure Resource Manager call and translates its failure into Tandem's error categories.
 *
 * <p>Each call names the operation (for messages) and the RBAC action it needs, e.g. {@code
 * Microsoft.Network/networkInterfaces/write}: a 403 {@code AuthorizationFailed} becomes a {@link
 * PermissionException} naming the action ARM reported, or the mapped one if ARM's message does not
 * say. Messages carry resource ids and error codes only, never credentials. Stateless.
 */
public final class ArmCall {

  // ARM: "... does not have authorization to perform action 'Microsoft.Network/...' over scope ..."
  private static final Pattern ACTION = Pattern.compile("perform action '([^']+)'");
  private static final Pattern SCOPE = Pattern.compile("over scope '([^']+)'");

  private ArmCall() {}

  /** A call that completes in one request (plus retries done by the pipeline). */
  public static <T> T run(String operation, String action, String resource, Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw translate(operation, action, resource, e);
    }
  }

  /**
   * A long-running operation: starts it and polls (the SDK follows {@code Azure-AsyncOperation},
   * then {@code Location}, honouring {@code Retry-After}) until it ends or {@code timeout} passes.
   *
   * @return the final resource, or {@code null} for operations without a body (POST actions)
   */
  public static <T> T await(
      String operation,
      String action,
      String resource,
      Duration timeout,
      Supplier<SyncPoller<PollResult<T>, T>> begin) {
    try {
      SyncPoller<PollResult<T>, T> poller = begin.get();
      PollResponse<PollResult<T>> last = poller.waitForCompletion(timeout);
      LongRunningOperationStatus status = last.getStatus();
      if (status == LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
        return poller.getFinalResult();
      }
      if (!status.isComplete()) {
        throw new TransientException(
            operation + " on " + resource + " did not finish within " + timeout);
      }
      PollResult.Error error = last.getValue() == null ? null : last.getValue().getError();
      throw new TransientException(
          operation
              + " on "
              + resource
              + " ended "
              + status
              + (error == null ? "" : ": " + error.getMessage())
              + "; re-observe before retrying");
    } catch (RuntimeException e) {
      if (!(e instanceof TandemException) && cause(e, TimeoutException.class).isPresent()) {
        // A stuck operation: ARM still reports InProgress after the whole operation timeout.
        throw new TransientException(
            operation
                + " on "
                + resource
                + " did not finish within "
                + timeout
                + " (the operation is still running at Azure; re-observe before retrying)",
            e);
      }
      throw translate(operation, action, resource, e);
    }
  }

  /** Maps an SDK failure to the category that decides the safe action. */
  public static TandemException translate(
      String operation, String action, String resource, RuntimeException e) {
    if (e instanceof TandemException t) {
      return t;
    }
    Optional<Throwable> noToken = cause(e, ClientAuthenticationException.class);
    if (noToken.isPresent() && tokenFailure((ClientAuthenticationException) noToken.get())) {
      // The credential could not produce a token (no managed identity, a wrong or expired client
      // secret, an unreachable token endpoint): no request reached ARM, there is no HTTP status.
      return new PermissionException(
          operation
              + " on "
              + resource
              + ": the Azure credential could not get a token ("
              + rootMessage(noToken.get())
              + "); check the site's identity (managed identity, or the service principal's tenant,"
              + " client id and secret or certificate)",
          e);
    }
    if (e instanceof HttpResponseException h) {
      int status = h.getResponse() == null ? 0 : h.getResponse().getStatusCode();
      String code = null;
      String message = h.getMessage();
      if (h instanceof ManagementException m && m.getValue() != null) {
        code = m.getValue().getCode();
        message = m.getValue().getMessage();
      }
      return fromStatus(operation, action, resource, status, code, message, e);
    }
    Optional<Throwable> interrupted = cause(e, InterruptedException.class);
    if (interrupted.isPresent()) {
      Thread.currentThread().interrupt();
      return new TransientException(operation + " on " + resource + " was interrupted", e);
    }
    if (cause(e, TimeoutException.class).isPresent()) {
      return new TransientException(operation + " on " + resource + " timed out", e);
    }
    if (cause(e, IOException.class).isPresent()) {
      return new TransientException(
          operation + " on " + resource + " failed at the network level: " + rootMessage(e), e);
    }
    return new TransientException(operation + " on " + resource + " failed: " + rootMessage(e), e);
  }

  private static TandemException fromStatus(
      String operation,
      String action,
      String resource,
      int status,
      String code,
      String message,
      RuntimeException e) {
    String what = operation + " on " + resource;
    String detail = " (HTTP " + status + (code == null ? "" : " " + code) + ")";
    if (status == 401) {
      return new PermissionException(
          what + ": Azure rejected the credentials" + detail + "; check the identity's login", e);
    }
    if (status == 403
        || "AuthorizationFailed".equals(code)
        || "LinkedAuthorizationFailed".equals(code)) {
      String missing = match(ACTION, message).orElse(action);
      String scope = match(SCOPE, message).map(s -> " over scope " + s).orElse("");
      return new PermissionException(
          what
              + ": missing permission '"
              + missing
              + "'"
              + scope
              + detail
              + "; grant it (see docs/azure-rbac.md)",
          e);
    }
    if (status == 404) {
      return new ResourceNotFoundException(what + ": not found" + detail, e);
    }
    if (status == 412 || "PreconditionFailed".equals(code)) {
      return new ConflictException(
          what + ": the resource changed since it was read (ETag mismatch)" + detail, e);
    }
    if (status == 409) {
      return new ConflictException(what + ": conflict" + detail + ": " + message, e);
    }
    if (status == 408 || status == 429 || status >= 500) {
      return new TransientException(what + ": still failing after retries" + detail, e);
    }
    if (status >= 200 && status < 300) {
      // A long-running operation whose status URL reported Failed/Canceled.
      return new TransientException(
          what + ": the long-running operation failed" + detail + ": " + message, e);
    }
    return new ProtocolException(what + ": Azure refused the request" + detail + ": " + message, e);
  }

  /** Whether the failure happened getting a token, before any request was answered by ARM. */
  private static boolean tokenFailure(ClientAuthenticationException e) {
    return e.getResponse() == null || e.getResponse().getStatusCode() == 0;
  }

  private static Optional<String> match(Pattern p, String message) {
    if (message == null) {
      return Optional.empty();
    }
    Matcher m = p.matcher(message);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private static Optional<Throwable> cause(Throwable t, Class<? extends Throwable> type) {
    Throwable c = t;
    for (int depth = 0; c != null && depth < 16; depth++, c = c.getCause()) {
      if (type.isInstance(c)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    for (int depth = 0; c.getCause() != null && depth < 16; depth++) {
      c = c.getCause();
    }
    return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
  }
}
