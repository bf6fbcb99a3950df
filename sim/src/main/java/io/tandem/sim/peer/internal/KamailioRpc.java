package io.tandem.sim.peer.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Kamailio's JSON-RPC over HTTP ({@code xhttp} + {@code jsonrpcs}). Thread-safe. */
final class KamailioRpc {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final URI uri;
  private final HttpClient http;
  private final AtomicLong ids = new AtomicLong();

  KamailioRpc(String host, int httpPort) {
    this.uri = URI.create("http://" + host + ":" + httpPort + "/RPC");
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  /** Calls {@code method} with string parameters; returns the {@code result} node. */
  JsonNode call(String method, String... params) {
    ObjectNode request = JSON.createObjectNode();
    request.put("jsonrpc", "2.0");
    request.put("method", method);
    ArrayNode array = request.putArray("params");
    List.of(params).forEach(array::add);
    request.put("id", ids.incrementAndGet());
    String body = callRaw(request.toString());
    JsonNode answer = JSON.readTree(body);
    if (answer.has("error")) {
      throw new IllegalStateException("Kamailio RPC " + method + " failed: " + answer.get("error"));
    }
    return answer.path("result");
  }

  /** Sends a raw JSON-RPC request body and returns the raw answer. */
  String callRaw(String jsonBody) {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(jsonBody))
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "Kamailio RPC answered HTTP " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException("Kamailio RPC " + uri + " unreachable: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calling Kamailio RPC", e);
    }
  }
}
