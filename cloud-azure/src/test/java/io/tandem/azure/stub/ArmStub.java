package io.tandem.azure.stub;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.request;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.tandem.azure.ArmCallCounter;
import io.tandem.azure.AzureClients;
import io.tandem.azure.AzureSettings;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * Local HTTPS stand-in for Azure Resource Manager on 127.0.0.1 (ephemeral port): WireMock with the
 * stateful {@link ArmState} behind a catch-all stub, plus WireMock scenarios for one-off faults
 * (429 with Retry-After, 409, 403) that take priority over it.
 *
 * <p>Why HTTPS: the SDK's {@code BearerTokenAuthenticationPolicy} refuses to send a token over
 * plain http. Serving TLS with WireMock's self-signed certificate and giving only the test's HTTP
 * client a trust-all TLS context keeps the production pipeline (bearer policy included) unchanged
 * under test, instead of a test-only pipeline without authentication.
 */
public final class ArmStub implements AutoCloseable {

  public static final String SUB = "3f2a8c1e-5b7d-4e90-a1c2-0d9e8f7a6b5c";
  public static final String RG = "rg-tandem-dr";
  private static final AtomicInteger SCENARIOS = new AtomicInteger();

  private final WireMockServer server;
  private final ArmState state;

  private ArmStub(WireMockServer server, ArmState state) {
    this.server = server;
    this.state = state;
  }

  public static ArmStub start() {
    ArmState state = new ArmState();
    WireMockServer server =
        new WireMockServer(
            options()
                .bindAddress("127.0.0.1")
                .httpDisabled(true)
                .httpsPort(0)
                .containerThreads(12)
                .extensions(state));
    server.start();
    state.baseUrl = "https://127.0.0.1:" + server.httpsPort();
    server.stubFor(
        any(anyUrl()).atPriority(100).willReturn(aResponse().withTransformers(ArmState.NAME)));
    return new ArmStub(server, state);
  }

  public URI endpoint() {
    return URI.create("https://127.0.0.1:" + server.httpsPort() + "/");
  }

  public String group() {
    return "/subscriptions/" + SUB + "/resourceGroups/" + RG;
  }

  /** Settings pointing at the stub, with short polls and back-off so tests stay quick. */
  public AzureSettings.Builder settings() {
    return AzureSettings.builder()
        .subscriptionId(SUB)
        .resourceGroup(RG)
        .resourceManagerEndpoint(endpoint())
        .pollInterval(Duration.ofMillis(50))
        .retryDelay(Duration.ofMillis(100))
        .maxRetryDelay(Duration.ofSeconds(2))
        .maxRetries(3)
        .responseTimeout(Duration.ofSeconds(10))
        .operationTimeout(Duration.ofSeconds(30));
  }

  /** Production pipeline, with a static token and an HTTP client that trusts the stub's cert. */
  public AzureClients clients(ArmCallCounter counter) {
    return AzureClients.builder(settings().build())
        .credential(staticToken())
        .httpClient(trustingHttpClient())
        .addPolicy(counter)
        .build();
  }

  public static TokenCredential staticToken() {
    return request -> Mono.just(new AccessToken("test-token", OffsetDateTime.now().plusHours(1)));
  }

  public static HttpClient trustingHttpClient() {
    return trustingHttpClient(Duration.ofSeconds(10));
  }

  /** An HTTP client trusting the stub's certificate, with this response timeout. */
  public static HttpClient trustingHttpClient(Duration responseTimeout) {
    SslContext ssl;
    try {
      ssl =
          SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the test TLS context", e);
    }
    reactor.netty.http.client.HttpClient reactorClient =
        reactor.netty.http.client.HttpClient.create()
            .secure(
                spec ->
                    spec.sslContext(ssl)
                        .handlerConfigurator(
                            h -> {
                              // The stub's certificate names no 127.0.0.1: skip name checks here.
                              SSLParameters p = h.engine().getSSLParameters();
                              p.setEndpointIdentificationAlgorithm(null);
                              h.engine().setSSLParameters(p);
                            }));
    return new NettyAsyncHttpClientBuilder(reactorClient)
        .connectTimeout(Duration.ofSeconds(5))
        .responseTimeout(responseTimeout)
        .readTimeout(responseTimeout)
        .build();
  }

  // ---- seeding ----

  /** A Standard static public IP, free. Returns its id. */
  public String publicIp(String name, String address) {
    String id = group() + "/providers/Microsoft.Network/publicIPAddresses/" + name;
    ObjectNode pip = ArmState.json().createObjectNode();
    pip.put("name", name).put("id", id).put("type", "Microsoft.Network/publicIPAddresses");
    pip.put("location", "eastus").put("etag", ArmState.newEtag());
    pip.putObject("sku").put("name", "Standard").put("tier", "Regional");
    pip.putObject("properties")
        .put("provisioningState", "Succeeded")
        .put("ipAddress", address)
        .put("publicIPAddressVersion", "IPv4")
        .put("publicIPAllocationMethod", "Static")
        .put("idleTimeoutInMinutes", 4);
    state.put(id, pip);
    return id;
  }

  /** A NIC with one IP configuration {@code ipconfig1}, optionally holding a public IP. */
  public String nic(String name, String privateIp, String publicIpId) {
    String id = group() + "/providers/Microsoft.Network/networkInterfaces/" + name;
    String ipcId = id + "/ipConfigurations/ipconfig1";
    ObjectNode nic = ArmState.json().createObjectNode();
    nic.put("name", name).put("id", id).put("type", "Microsoft.Network/networkInterfaces");
    nic.put("location", "eastus").put("etag", ArmState.newEtag());
    ObjectNode props = nic.putObject("properties");
    props.put("provisioningState", "Succeeded").put("enableIPForwarding", false);
    ObjectNode ipc = props.putArray("ipConfigurations").addObject();
    ipc.put("name", "ipconfig1").put("id", ipcId).put("etag", nic.path("etag").asString());
    ObjectNode ipcProps = ipc.putObject("properties");
    ipcProps
        .put("primary", true)
        .put("privateIPAddress", privateIp)
        .put("privateIPAddressVersion", "IPv4")
        .put("privateIPAllocationMethod", "Dynamic")
        .put("provisioningState", "Succeeded");
    ipcProps
        .putObject("subnet")
        .put("id", group() + "/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/voip");
    if (publicIpId != null) {
      ipcProps.putObject("publicIPAddress").put("id", publicIpId);
      ObjectNode pip = state.get(publicIpId);
      pip.withObjectProperty("properties").putObject("ipConfiguration").put("id", ipcId);
      state.put(publicIpId, pip);
    }
    state.put(id, nic);
    return ipcId;
  }

  /** A running VM. Returns its id. */
  public String vm(String name) {
    String id = group() + "/providers/Microsoft.Compute/virtualMachines/" + name;
    ObjectNode vm = ArmState.json().createObjectNode();
    vm.put("name", name).put("id", id).put("type", "Microsoft.Compute/virtualMachines");
    vm.put("location", "eastus").put("etag", "\"1\"");
    vm.putObject("tags");
    vm.putObject("properties")
        .put("vmId", java.util.UUID.randomUUID().toString())
        .put("provisioningState", "Succeeded")
        .putObject("hardwareProfile")
        .put("vmSize", "Standard_D2s_v5");
    state.put(id, vm);
    state.powerState(id, "running");
    return id;
  }

  /** A DNS zone (record sets are created through the API). */
  public void zone(String zone) {
    String id = group() + "/providers/Microsoft.Network/dnszones/" + zone;
    ObjectNode z = ArmState.json().createObjectNode();
    z.put("name", zone).put("id", id).put("type", "Microsoft.Network/dnszones");
    z.put("location", "global").put("etag", java.util.UUID.randomUUID().toString());
    state.put(id, z);
  }

  /** Replaces a resource's tags behind Tandem's back (a concurrent writer or an operator). */
  public void setTags(String id, java.util.Map<String, String> tags) {
    ObjectNode r = state.get(id);
    ObjectNode t = r.putObject("tags");
    tags.forEach(t::put);
    r.put("etag", r.path("etag").asString().startsWith("\"") ? "\"99\"" : ArmState.newEtag());
    state.put(id, r);
  }

  /** Changes only the ETag (a concurrent writer touched the resource). */
  public void touch(String id) {
    ObjectNode r = state.get(id);
    r.put("etag", ArmState.newEtag());
    state.put(id, r);
  }

  // ---- inspection ----

  public ObjectNode resource(String id) {
    return state.get(id);
  }

  public String powerState(String vmId) {
    return state.powerState(vmId);
  }

  public Set<String> apiVersions() {
    return state.apiVersions();
  }

  public List<LoggedRequest> requests() {
    return server.getAllServeEvents().stream().map(e -> e.getRequest()).toList();
  }

  public void resetRequests() {
    server.resetRequests();
  }

  // ---- behaviour ----

  public void lroPolls(int n) {
    state.lroPolls(n);
  }

  public void failNextLro(String pathContains, String code) {
    state.failNextLro(pathContains, code);
  }

  /**
   * The next {@code method} on a path containing {@code pathContains} is applied, then its answer
   * is lost (connection reset), as when a network fault hits the response of a write ARM made.
   */
  public void dropAnswerOnce(String method, String pathContains) {
    state.dropAnswerOnce(method, pathContains);
  }

  public void onceBefore(String method, String pathContains, Runnable action) {
    state.onceBefore(method, pathContains, action);
  }

  /** The next {@code method} on a path matching {@code regex} answers once with this error. */
  public void failOnce(
      String method, String regex, int status, String code, String message, String retryAfter) {
    String scenario = "fault-" + SCENARIOS.incrementAndGet();
    var response =
        aResponse()
            .withStatus(status)
            .withHeader("Content-Type", "application/json")
            .withBody("{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}");
    if (retryAfter != null) {
      response = response.withHeader("Retry-After", retryAfter);
    }
    server.stubFor(
        request(method, urlPathMatching(regex))
            .atPriority(1)
            .inScenario(scenario)
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(response)
            .willSetStateTo("served"));
  }

  /** The next {@code method} on a path matching {@code regex} answers only after a delay. */
  public void slowOnce(String method, String regex, int delayMillis) {
    String scenario = "slow-" + SCENARIOS.incrementAndGet();
    server.stubFor(
        request(method, urlPathMatching(regex))
            .atPriority(1)
            .inScenario(scenario)
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withStatus(200).withBody("{}").withFixedDelay(delayMillis))
            .willSetStateTo("served"));
  }

  /** Every {@code method} on a path matching {@code regex} answers 403 AuthorizationFailed. */
  public void deny(String method, String regex, String action, String scope) {
    server.stubFor(
        request(method, urlPathMatching(regex))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"The client"
                            + " '5e1c7b2a-0000-4f00-9000-000000000001' with object id"
                            + " '5e1c7b2a-0000-4f00-9000-000000000001' does not have"
                            + " authorization to perform action '"
                            + action
                            + "' over scope '"
                            + scope
                            + "' or the scope is invalid. If access was recently granted,"
                            + " please refresh your credentials.\"}}")));
  }

  @Override
  public void close() {
    server.stop();
  }
}
