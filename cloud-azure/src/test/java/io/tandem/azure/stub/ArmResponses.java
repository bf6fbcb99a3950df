package io.tandem.azure.stub;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** ARM-shaped responses of the stub: JSON bodies, ETag headers, ARM error envelopes. */
final class ArmResponses {

  private ArmResponses() {}

  static ResponseDefinition ok(int status, JsonNode body, String etag) {
    var b =
        ResponseDefinitionBuilder.responseDefinition()
            .withStatus(status)
            .withHeader("Content-Type", "application/json")
            .withBody(ArmState.json().writeValueAsString(body));
    if (etag != null) {
      b = b.withHeader("ETag", etag);
    }
    return b.build();
  }

  static ResponseDefinition notFound(String k) {
    return error(404, "ResourceNotFound", "The Resource '" + k + "' was not found.");
  }

  static ResponseDefinition error(int status, String code, String message) {
    ObjectNode e = ArmState.json().createObjectNode();
    e.putObject("error").put("code", code).put("message", message);
    return ResponseDefinitionBuilder.responseDefinition()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withBody(ArmState.json().writeValueAsString(e))
        .build();
  }
}
