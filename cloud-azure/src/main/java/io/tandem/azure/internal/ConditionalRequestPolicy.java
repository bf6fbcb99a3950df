package io.tandem.azure.internal;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.Context;
import reactor.core.publisher.Mono;

/**
 * Adds {@code If-Match} / {@code If-None-Match} to the mutating request (PUT, PATCH, POST, DELETE)
 * of one SDK call, taken from that call's {@link Context}.
 *
 * <p>Why a policy: the generated network clients ({@code NetworkInterfacesClient.createOrUpdate},
 * {@code PublicIpAddressesClient.createOrUpdate}) have no {@code ifMatch} parameter in
 * azure-resourcemanager-network 2.57, although ARM honours the header on those resources. Passing
 * the ETag through the call's {@code Context} keeps the SDK's long-running-operation handling
 * (Azure-AsyncOperation / Location polling, final GET) and its serialisation, and adds only the
 * header. The SDK reuses the same context for the status polls, so the header is deliberately
 * <em>not</em> added to GET requests: a poll or final read carrying the pre-change ETag would fail.
 * Stateless and thread-safe.
 */
public final class ConditionalRequestPolicy implements HttpPipelinePolicy {

  private static final String IF_MATCH_KEY = "tandem-if-match";
  private static final String IF_NONE_MATCH_KEY = "tandem-if-none-match";

  /** A context that makes the call's mutation conditional on {@code etag}. */
  public static Context ifMatch(String etag) {
    return Context.NONE.addData(IF_MATCH_KEY, etag);
  }

  /** A context that makes the call's mutation succeed only if the resource does not exist. */
  public static Context ifNoneMatchAny() {
    return Context.NONE.addData(IF_NONE_MATCH_KEY, "*");
  }

  @Override
  public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
    apply(context);
    return next.process();
  }

  @Override
  public HttpResponse processSync(
      HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
    apply(context);
    return next.processSync();
  }

  private static void apply(HttpPipelineCallContext context) {
    if (context.getHttpRequest().getHttpMethod() == HttpMethod.GET
        || context.getHttpRequest().getHttpMethod() == HttpMethod.HEAD) {
      return;
    }
    context
        .getData(IF_MATCH_KEY)
        .ifPresent(v -> context.getHttpRequest().setHeader(HttpHeaderName.IF_MATCH, v.toString()));
    context
        .getData(IF_NONE_MATCH_KEY)
        .ifPresent(
            v -> context.getHttpRequest().setHeader(HttpHeaderName.IF_NONE_MATCH, v.toString()));
  }
}
