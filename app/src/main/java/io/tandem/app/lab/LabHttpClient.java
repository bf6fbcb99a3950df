package io.tandem.app.lab;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * One agent's HTTP client on the {@link LabNetwork}: requests over a link that is up go to the real
 * client unchanged; a request over a cut link fails as it would behind a dropped route, after the
 * request's timeout (else the connect timeout) with an {@link HttpTimeoutException}, never at once,
 * so the agent's timing under a partition is the production timing. The agent's witness datagrams
 * ask it too ({@link io.tandem.app.witness.ManagementLink}). Thread-safe.
 */
final class LabHttpClient extends HttpClient implements io.tandem.app.witness.ManagementLink {

  private static final Duration NO_TIMEOUT_GIVEN = Duration.ofSeconds(2);

  private final String site;
  private final HttpClient inner;
  private final LabNetwork network;

  LabHttpClient(String site, HttpClient inner, LabNetwork network) {
    this.site = site;
    this.inner = inner;
    this.network = network;
  }

  /** The witness's datagrams cross the same simulated links as the requests. */
  @Override
  public boolean reaches(java.net.URI target) {
    return network.reaches(site, target);
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    if (network.reaches(site, request.uri())) {
      return inner.send(request, handler);
    }
    try {
      return this.<T>dropped(request).get();
    } catch (ExecutionException e) {
      throw (IOException) e.getCause();
    }
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    return network.reaches(site, request.uri())
        ? inner.sendAsync(request, handler)
        : dropped(request);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> push) {
    return network.reaches(site, request.uri())
        ? inner.sendAsync(request, handler, push)
        : dropped(request);
  }

  /** What a request into a dropped route gets: nothing, until its timeout. */
  private <T> CompletableFuture<HttpResponse<T>> dropped(HttpRequest request) {
    Duration wait = request.timeout().or(inner::connectTimeout).orElse(NO_TIMEOUT_GIVEN);
    CompletableFuture<HttpResponse<T>> f = new CompletableFuture<>();
    CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS)
        .execute(
            () ->
                f.completeExceptionally(
                    new HttpTimeoutException(
                        "request timed out (simulated partition: "
                            + site
                            + " cannot reach "
                            + request.uri().getAuthority()
                            + ")")));
    return f;
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return inner.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return inner.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return inner.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return inner.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return inner.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return inner.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return inner.authenticator();
  }

  @Override
  public Version version() {
    return inner.version();
  }

  @Override
  public Optional<Executor> executor() {
    return inner.executor();
  }

  @Override
  public void shutdown() {
    inner.shutdown();
  }

  @Override
  public void shutdownNow() {
    inner.shutdownNow();
  }

  @Override
  public boolean awaitTermination(Duration duration) throws InterruptedException {
    return inner.awaitTermination(duration);
  }

  @Override
  public boolean isTerminated() {
    return inner.isTerminated();
  }
}
