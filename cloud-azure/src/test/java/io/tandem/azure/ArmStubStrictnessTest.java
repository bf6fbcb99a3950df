package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.Context;
import io.tandem.azure.stub.ArmStub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ARM stub refuses what Azure Resource Manager refuses (issue 15.9): requests go through the
 * production pipeline (bearer token, retry policy), so a refusal that the stub answered as 500
 * would show as retries here.
 */
class ArmStubStrictnessTest {

  private static final String NETWORK = "?api-version=2025-03-01";

  private ArmStub arm;
  private ArmCallCounter calls;
  private AzureClients clients;
  private String pip;
  private String nic;

  @BeforeEach
  void start() {
    arm = ArmStub.start();
    calls = new ArmCallCounter();
    clients = arm.clients(calls);
    pip = arm.publicIp("pip-sip", "203.0.113.10");
    nic = arm.nic("nic-pbx-a", "10.1.0.4", null).replaceAll("/ipConfigurations/.*$", "");
  }

  @AfterEach
  void stop() {
    arm.close();
  }

  private HttpResponse send(HttpMethod method, String path, String body) {
    HttpRequest r = new HttpRequest(method, arm.endpoint().resolve(path).toString());
    r.setHeader("Content-Type", "application/json");
    if (body != null) {
      r.setBody(body);
    }
    return clients.pipeline().sendSync(r, Context.NONE);
  }

  private static String nicBody(String extra) {
    return "{\"location\":\"eastus\",\"properties\":{"
        + extra
        + "\"ipConfigurations\":[{\"name\":\"ipconfig1\",\"properties\":{\"subnet\":{\"id\":\"/subscriptions/"
        + ArmStub.SUB
        + "/resourceGroups/"
        + ArmStub.RG
        + "/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/voip\"}}}]}}";
  }

  /** Polls the operation's Azure-AsyncOperation URL once (the stub's default: done at once). */
  private void finish(HttpResponse put) {
    String status = put.getHeaderValue("Azure-AsyncOperation");
    try (HttpResponse r =
        clients.pipeline().sendSync(new HttpRequest(HttpMethod.GET, status), Context.NONE)) {
      assertThat(r.getBodyAsString().block()).contains("Succeeded");
    }
  }

  @Test
  void aBodyThatIsNotJsonIsA400AndNotRetried() {
    try (HttpResponse r = send(HttpMethod.PUT, pip + NETWORK, "this is not json")) {
      assertThat(r.getStatusCode()).isEqualTo(400);
      assertThat(r.getBodyAsString().block()).contains("InvalidRequestContent");
    }
    assertThat(calls.total()).isEqualTo(1);
  }

  @Test
  void aPublicIpPutWithOnlyTagsIsRefused() {
    try (HttpResponse r = send(HttpMethod.PUT, pip + NETWORK, "{\"tags\":{\"a\":\"b\"}}")) {
      assertThat(r.getStatusCode()).isEqualTo(400);
      assertThat(r.getBodyAsString().block()).contains("LocationRequired");
    }
    assertThat(arm.resource(pip).path("tags").has("a")).isFalse();
  }

  @Test
  void aNicPutWithoutIpConfigurationsIsRefused() {
    try (HttpResponse r =
        send(HttpMethod.PUT, nic + NETWORK, "{\"location\":\"eastus\",\"properties\":{}}")) {
      assertThat(r.getStatusCode()).isEqualTo(400);
      assertThat(r.getBodyAsString().block()).contains("at least one IP configuration");
    }
  }

  @Test
  void anUnknownApiVersionIsRefused() {
    try (HttpResponse r = send(HttpMethod.GET, pip + "?api-version=2099-01-01", null)) {
      assertThat(r.getStatusCode()).isEqualTo(400);
      assertThat(r.getBodyAsString().block()).contains("InvalidApiVersionParameter");
    }
    try (HttpResponse r = send(HttpMethod.GET, pip, null)) {
      assertThat(r.getStatusCode()).isEqualTo(400);
      assertThat(r.getBodyAsString().block()).contains("MissingApiVersionParameter");
    }
  }

  @Test
  void aSecondNicPutWhileTheFirstIsInProgressIsA409() {
    arm.lroPolls(5);
    try (HttpResponse first = send(HttpMethod.PUT, nic + NETWORK, nicBody(""))) {
      assertThat(first.getStatusCode()).isEqualTo(200);
    }
    try (HttpResponse second = send(HttpMethod.PUT, nic + NETWORK, nicBody(""))) {
      assertThat(second.getStatusCode()).isEqualTo(409);
      assertThat(second.getBodyAsString().block()).contains("AnotherOperationInProgress");
    }
  }

  @Test
  void aPutReplacesTheResourceInsteadOfMerging() {
    try (HttpResponse r =
        send(HttpMethod.PUT, nic + NETWORK, nicBody("\"enableIPForwarding\":true,"))) {
      assertThat(r.getStatusCode()).isEqualTo(200);
      finish(r);
    }
    assertThat(arm.resource(nic).path("properties").path("enableIPForwarding").asBoolean())
        .isTrue();
    try (HttpResponse r = send(HttpMethod.PUT, nic + NETWORK, nicBody(""))) {
      assertThat(r.getStatusCode()).isEqualTo(200);
    }
    assertThat(arm.resource(nic).path("properties").has("enableIPForwarding")).isFalse();
  }
}
