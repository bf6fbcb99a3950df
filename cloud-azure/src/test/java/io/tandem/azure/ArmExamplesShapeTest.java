package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.azure.stub.ArmStub;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.witness.FencingToken;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every PUT body the adapters send has the shape of Microsoft's published examples (copied under
 * {@code src/test/resources/arm-examples}, sources named there): each property path of the body
 * appears in the example's request or response. Read-only properties echoed from a GET are in the
 * responses, so they pass; a misspelt or misplaced property does not.
 */
class ArmExamplesShapeTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void everyPutOfAFailoverHasThePublishedShape() throws IOException {
    Set<String> nicPaths =
        paths(
            "network-2026-01-01-NetworkInterfaceCreate.json",
            "network-2025-07-01-NetworkInterfaceGet.json");
    Set<String> pipPaths =
        paths(
            "network-2026-01-01-PublicIpAddressCreateDefaults.json",
            "network-2026-01-01-PublicIpAddressGet.json");
    // In the PublicIPAddress schema (publicIpAddress.json of the same spec folder) but in none of
    // the copied examples; tags are the ARM envelope of every tracked resource.
    pipPaths.addAll(Set.of("tags", "sku.tier", "properties.ipAddress"));
    nicPaths.add("tags");
    Set<String> dnsPaths = paths("dns-2018-05-01-CreateOrUpdateARecordset.json");
    try (ArmStub arm = ArmStub.start()) {
      String pip = arm.publicIp("pip-sip", "203.0.113.10");
      arm.nic("nic-pbx-a", "10.1.0.4", pip);
      String standby = arm.nic("nic-pbx-b", "10.1.0.5", null);
      arm.zone("example.com");
      AzureClients clients = arm.clients(new ArmCallCounter());
      FencingToken token = new FencingToken("sip-cluster", "azure-b", 2);
      new AzurePublicIpMover(clients).move(pip, standby, token);
      new AzureDnsUpdater(clients)
          .replace(
              Optional.empty(),
              new DnsRecord("example.com.", "sip.example.com.", "A", 60, List.of("203.0.113.10")),
              token);

      List<String> checked = new ArrayList<>();
      for (var r : arm.requests()) {
        if (!r.getMethod().getName().equals("PUT")) {
          continue;
        }
        String url = r.getUrl().toLowerCase(java.util.Locale.ROOT);
        Set<String> allowed =
            url.contains("/networkinterfaces/")
                ? nicPaths
                : url.contains("/publicipaddresses/") ? pipPaths : dnsPaths;
        Set<String> sent = new TreeSet<>();
        collect(JSON.readTree(r.getBodyAsString()), "", sent);
        assertThat(sent).as("PUT %s", r.getUrl()).isSubsetOf(allowed);
        checked.add(url);
      }
      assertThat(checked).hasSize(4); // tag the IP, detach, attach, the DNS record set
    }
  }

  private static Set<String> paths(String... files) throws IOException {
    Set<String> out = new TreeSet<>();
    for (String f : files) {
      try (InputStream in = ArmExamplesShapeTest.class.getResourceAsStream("/arm-examples/" + f)) {
        JsonNode example = JSON.readTree(in);
        collect(example.path("parameters").path("parameters"), "", out);
        for (JsonNode response : example.path("responses")) {
          collect(response.path("body"), "", out);
        }
      }
    }
    return out;
  }

  /** Property paths, arrays as {@code []}, e.g. {@code properties.ipConfigurations[].name}. */
  private static void collect(JsonNode node, String prefix, Set<String> out) {
    if (node.isObject()) {
      for (var e : node.properties()) {
        String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
        // tags and metadata are free-form maps: their keys are data, not schema
        if (e.getKey().equals("tags") || e.getKey().equals("metadata")) {
          out.add(path);
          continue;
        }
        out.add(path);
        collect(e.getValue(), path, out);
      }
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        collect(item, prefix + "[]", out);
      }
    }
  }
}
