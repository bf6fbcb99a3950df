package io.tandem.onprem.etcd;

import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.TransientException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * How the etcd witness waits for etcd and what each failure means: every call is bounded by the
 * configured timeout; etcd's refusals of credentials or permissions are {@link
 * PermissionException}, a TLS handshake that fails is a {@link ConfigException} (retrying cannot
 * fix it), anything else a {@link TransientException}. Messages never contain a password. Stateless
 * apart from the configuration; thread-safe.
 */
final class EtcdCalls {

  private final EtcdWitnessConfig config;

  EtcdCalls(EtcdWitnessConfig config) {
    this.config = config;
  }

  /** gRPC's TLS context for etcd's client port: its CA, and our certificate if it asks for one. */
  static SslContext sslContext(EtcdWitnessConfig.Tls tls) {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient();
      if (tls.ca().isPresent()) {
        b.trustManager(tls.ca().get().toFile());
      }
      if (tls.certificate().isPresent()) {
        b.keyManager(tls.certificate().get().toFile(), tls.key().orElseThrow().toFile());
      }
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new ConfigException(
          "etcd TLS files "
              + tls.ca().map(Path::toString).orElse("(JDK CAs)")
              + ", "
              + tls.certificate().map(Path::toString).orElse("(no client certificate)")
              + ": cannot be used ("
              + e.getMessage()
              + ")");
    }
  }

  <T> T await(CompletableFuture<T> future, String what) {
    try {
      return future.get(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new TransientException("etcd: interrupted during " + what, e);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new TransientException(
          "etcd at "
              + config.endpoints()
              + " did not answer "
              + what
              + " within "
              + config.callTimeout().toMillis()
              + " ms",
          e);
    } catch (ExecutionException e) {
      throw translate(e.getCause(), what);
    }
  }

  private RuntimeException translate(Throwable cause, String what) {
    String code = "";
    if (cause instanceof EtcdException ee) {
      code = ee.getErrorCode().name();
    } else if (cause instanceof StatusRuntimeException se) {
      code = se.getStatus().getCode().name();
    }
    String message = cause == null ? "" : String.valueOf(cause.getMessage());
    if ((what.equals("keep-alive") || what.equals("revoke old lease"))
        && (code.equals("NOT_FOUND") || message.contains("lease not found"))) {
      return new LeaseGone();
    }
    // etcd's messages (server/etcdserver/api/v3rpc/rpctypes/error.go): ErrGRPCPermissionDenied,
    // ErrGRPCAuthFailed ("authentication failed, invalid user ID or password"),
    // ErrGRPCInvalidAuthToken, ErrGRPCUserEmpty; retrying cannot fix any of them.
    if (code.equals("PERMISSION_DENIED")
        || code.equals("UNAUTHENTICATED")
        || message.contains("permission denied")
        || message.contains("authentication failed")
        || message.contains("invalid auth token")
        || message.contains("user name is empty")) {
      return new PermissionException(
          "etcd refused "
              + what
              + " for user "
              + config.user().orElse("(none)")
              + ": "
              + (code.isEmpty() ? "" : code + " ")
              + printable(message)
              + " (grant the role read-write on "
              + config.keyPrefix()
              + ", or fix the credentials)");
    }
    SSLException tls = sslCause(cause);
    if (tls != null) {
      // A handshake fails the same way every time: the CA, our certificate, or etcd's.
      return new ConfigException(
          "etcd at "
              + config.endpoints()
              + ": TLS handshake failed during "
              + what
              + " ("
              + printable(String.valueOf(tls.getMessage()))
              + "): check the CA and client certificate",
          cause);
    }
    return new TransientException(
        "etcd: " + what + " failed: " + code + " " + printable(message), cause);
  }

  private static SSLException sslCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }

  private static String printable(String s) {
    String p = s.replaceAll("[^\\x20-\\x7e]", "?");
    return p.length() > 300 ? p.substring(0, 300) + "..." : p;
  }

  /** A lease that etcd no longer knows (expired or revoked). */
  static final class LeaseGone extends RuntimeException {
    LeaseGone() {
      super("lease not found", null, false, false);
    }
  }
}
