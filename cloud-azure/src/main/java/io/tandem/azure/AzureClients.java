package io.tandem.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.http.policy.AddDatePolicy;
import com.azure.core.http.policy.BearerTokenAuthenticationPolicy;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpLoggingPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RequestIdPolicy;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.implementation.ComputeManagementClientBuilder;
import com.azure.resourcemanager.dns.fluent.DnsManagementClient;
import com.azure.resourcemanager.dns.implementation.DnsManagementClientBuilder;
import com.azure.resourcemanager.network.fluent.NetworkManagementClient;
import com.azure.resourcemanager.network.implementation.NetworkManagementClientBuilder;
import io.tandem.azure.internal.ConditionalRequestPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the Azure Resource Manager clients of one site: one HTTP pipeline (bearer token, retries,
 * conditional-request headers, timeouts) shared by the network, compute and DNS clients.
 *
 * <p>Why the generated "inner" clients ({@code NetworkManagementClient} and friends) rather than
 * the fluent managers: Tandem needs ETag compare-and-set on every mutation. The inner clients
 * expose the ETag of what they read and accept a per-call {@code Context}, through which {@link
 * ConditionalRequestPolicy} adds {@code If-Match} where a method has no {@code ifMatch} parameter
 * (network interfaces, public IPs). Their builders also let us set the default poll interval, which
 * the fluent managers fix at 30 s.
 *
 * <p>Pipeline order: user agent, request id, conditional headers, {@link RetryPolicy} (exponential
 * back-off, retries 408/429/5xx and I/O errors, and waits for {@code Retry-After} / {@code
 * x-ms-retry-after-ms} when ARM sends one), date, bearer token (scope {@link
 * AzureSettings#tokenScope()}; the SDK refuses to send tokens over plain http), caller policies
 * (e.g. {@link ArmCallCounter}, so they see each attempt), logging (headers redacted by the SDK).
 * Immutable and thread-safe once built.
 */
public final class AzureClients {

  private final AzureSettings settings;
  private final HttpPipeline pipeline;
  private final NetworkManagementClient network;
  private final ComputeManagementClient compute;
  private final DnsManagementClient dns;

  private AzureClients(AzureSettings settings, HttpPipeline pipeline) {
    this.settings = settings;
    this.pipeline = pipeline;
    this.network =
        new NetworkManagementClientBuilder()
            .pipeline(pipeline)
            .endpoint(settings.endpoint())
            .subscriptionId(settings.subscriptionId())
            .defaultPollInterval(settings.pollInterval())
            .buildClient();
    this.compute =
        new ComputeManagementClientBuilder()
            .pipeline(pipeline)
            .endpoint(settings.endpoint())
            .subscriptionId(settings.subscriptionId())
            .defaultPollInterval(settings.pollInterval())
            .buildClient();
    this.dns =
        new DnsManagementClientBuilder()
            .pipeline(pipeline)
            .endpoint(settings.endpoint())
            .subscriptionId(settings.subscriptionId())
            .defaultPollInterval(settings.pollInterval())
            .buildClient();
  }

  /**
   * The production credential chain: environment variables ({@code AZURE_CLIENT_ID}, {@code
   * AZURE_TENANT_ID}, {@code AZURE_CLIENT_SECRET} or a certificate / federated token file), then
   * workload and managed identity, then the Azure CLI login.
   */
  public static TokenCredential defaultCredential() {
    return new DefaultAzureCredentialBuilder().build();
  }

  public static Builder builder(AzureSettings settings) {
    return new Builder(settings);
  }

  public AzureSettings settings() {
    return settings;
  }

  public HttpPipeline pipeline() {
    return pipeline;
  }

  /**
   * The same subscription and endpoint as an {@link AzureProfile}, for code that builds the SDK's
   * fluent managers ({@code NetworkManager.authenticate(clients.pipeline(), clients.profile())}):
   * public Azure unless the settings override the Resource Manager endpoint, in which case a custom
   * {@link AzureEnvironment} points at it (a stub in tests, a sovereign cloud otherwise).
   */
  public AzureProfile profile() {
    AzureEnvironment env;
    if (settings.resourceManagerEndpoint().equals(AzureSettings.PUBLIC_CLOUD)) {
      env = AzureEnvironment.AZURE;
    } else {
      Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
      endpoints.put("resourceManagerEndpointUrl", settings.endpoint() + "/");
      endpoints.put("managementEndpointUrl", settings.endpoint() + "/");
      env = new AzureEnvironment(endpoints);
    }
    return new AzureProfile(null, settings.subscriptionId(), env);
  }

  public NetworkManagementClient network() {
    return network;
  }

  public ComputeManagementClient compute() {
    return compute;
  }

  public DnsManagementClient dns() {
    return dns;
  }

  @Override
  public String toString() {
    return "AzureClients[subscription="
        + settings.subscriptionId()
        + ", resourceGroup="
        + settings.resourceGroup()
        + ", endpoint="
        + settings.endpoint()
        + "]";
  }

  /** Builder; not thread-safe. */
  public static final class Builder {
    private final AzureSettings settings;
    private TokenCredential credential;
    private HttpClient httpClient;
    private final List<HttpPipelinePolicy> extraPolicies = new ArrayList<>();

    private Builder(AzureSettings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Defaults to {@link #defaultCredential()}. Tests pass a static token credential. */
    public Builder credential(TokenCredential credential) {
      this.credential = credential;
      return this;
    }

    /**
     * Defaults to the SDK's Netty client with the settings' connect/response timeouts. Tests pass
     * one that trusts the stub's self-signed certificate.
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    /** Adds a policy that sees every attempt (after retries and authentication). */
    public Builder addPolicy(HttpPipelinePolicy policy) {
      extraPolicies.add(Objects.requireNonNull(policy, "policy"));
      return this;
    }

    public AzureClients build() {
      TokenCredential cred = credential != null ? credential : defaultCredential();
      HttpClient client = httpClient != null ? httpClient : defaultHttpClient(settings);
      List<HttpPipelinePolicy> policies = new ArrayList<>();
      policies.add(new UserAgentPolicy("tandem-azure"));
      policies.add(new RequestIdPolicy());
      policies.add(new ConditionalRequestPolicy());
      policies.add(
          new RetryPolicy(
              new RetryOptions(
                  new ExponentialBackoffOptions()
                      .setMaxRetries(settings.maxRetries())
                      .setBaseDelay(settings.retryDelay())
                      .setMaxDelay(settings.maxRetryDelay()))));
      policies.add(new AddDatePolicy());
      policies.add(new BearerTokenAuthenticationPolicy(cred, settings.tokenScope()));
      policies.addAll(extraPolicies);
      policies.add(new HttpLoggingPolicy(new HttpLogOptions()));
      HttpPipeline pipeline =
          new HttpPipelineBuilder()
              .httpClient(client)
              .policies(policies.toArray(HttpPipelinePolicy[]::new))
              .build();
      return new AzureClients(settings, pipeline);
    }

    private static HttpClient defaultHttpClient(AzureSettings s) {
      return new NettyAsyncHttpClientBuilder()
          .connectTimeout(s.connectTimeout())
          .responseTimeout(s.responseTimeout())
          .readTimeout(s.responseTimeout())
          .writeTimeout(s.responseTimeout())
          .build();
    }
  }
}
