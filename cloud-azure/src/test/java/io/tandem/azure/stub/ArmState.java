package io.tandem.azure.stub;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small stateful Azure Resource Manager: NICs, Standard public IPs, DNS record sets and VMs held
 * in memory, answering with the shapes of Microsoft's published REST examples (network 2026-01-01 /
 * 2025-07-01, DNS 2018-05-01, compute 2024-11-01 / 2025-04-01). Writes honour {@code If-Match} /
 * {@code If-None-Match} (412 {@code PreconditionFailed}); NIC and public IP PUTs are long-running
 * operations tracked through an {@code Azure-AsyncOperation} URL that answers {@code InProgress} a
 * configurable number of times; VM power actions answer 202 with a {@code Location} URL that
 * answers 202 until done. A move therefore really changes what the next GET returns. Requests
 * without the test bearer token get 401. Thread-safe (one lock).
 */
final class ArmState implements ResponseDefinitionTransformerV2 {

  static final String NAME = "arm-state";
  static final String TOKEN = "Bearer test-token";
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private final Map<String, ObjectNode> resources = new HashMap<>();
  private final Map<String, String> powerStates = new HashMap<>();
  private final Map<String, Operation> operations = new HashMap<>();

  /** Resource key → id of its latest long-running operation. */
  private final Map<String, String> inFlight = new HashMap<>();

  private final List<Hook> hooks = new ArrayList<>();
  private final Set<String> apiVersions = new TreeSet<>();
  private String failNextLroOn;
  private String failNextLroCode;
  private int lroPolls = 0;
  volatile String baseUrl;

  /** An operation in flight: polls left, then success (apply) or failure (undo). */
  private static final class Operation {
    int remaining;
    String failCode;
    Runnable onSuccess;
    Runnable onFailure;
    boolean finished;
  }

  private record Hook(String method, String pathContains, Runnable action) {}

  /** An answer to lose after the request was applied (the connection is reset instead). */
  private record Drop(String method, String pathContains) {}

  private final List<Drop> drops = new ArrayList<>();

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  // ---- seeding and inspection (test side) ----

  synchronized void put(String path, ObjectNode body) {
    resources.put(key(path), body);
  }

  synchronized ObjectNode get(String path) {
    ObjectNode n = resources.get(key(path));
    return n == null ? null : n.deepCopy();
  }

  synchronized void powerState(String vmPath, String state) {
    powerStates.put(key(vmPath), state);
  }

  synchronized String powerState(String vmPath) {
    return powerStates.get(key(vmPath));
  }

  synchronized void lroPolls(int n) {
    lroPolls = n;
  }

  synchronized void failNextLro(String pathContains, String code) {
    failNextLroOn = pathContains.toLowerCase(Locale.ROOT);
    failNextLroCode = code;
  }

  synchronized void onceBefore(String method, String pathContains, Runnable action) {
    hooks.add(new Hook(method, pathContains.toLowerCase(Locale.ROOT), action));
  }

  synchronized void dropAnswerOnce(String method, String pathContains) {
    drops.add(new Drop(method, pathContains.toLowerCase(Locale.ROOT)));
  }

  synchronized Set<String> apiVersions() {
    return new TreeSet<>(apiVersions);
  }

  static ObjectMapper json() {
    return JSON;
  }

  static String newEtag() {
    return "W/\"" + UUID.randomUUID() + "\"";
  }

  // ---- request handling ----

  @Override
  public ResponseDefinition transform(ServeEvent event) {
    LoggedRequest req = event.getRequest();
    String method = req.getMethod().getName();
    String url = req.getUrl();
    String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
    // Hooks run outside the lock: a hook may itself call the stub (a second agent racing us).
    for (Hook h : takeHooks(method, key(path))) {
      h.action.run();
    }
    ResponseDefinition answer = handle(req, method, url, path);
    if (takeDrop(method, key(path))) {
      // Applied, then the answer is lost on the way back: the client sees a reset connection.
      return ResponseDefinitionBuilder.responseDefinition()
          .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)
          .build();
    }
    return answer;
  }

  private synchronized boolean takeDrop(String method, String k) {
    for (Iterator<Drop> it = drops.iterator(); it.hasNext(); ) {
      Drop d = it.next();
      if (d.method.equals(method) && k.contains(d.pathContains)) {
        it.remove();
        return true;
      }
    }
    return false;
  }

  private synchronized List<Hook> takeHooks(String method, String k) {
    List<Hook> due = new ArrayList<>();
    for (Iterator<Hook> it = hooks.iterator(); it.hasNext(); ) {
      Hook h = it.next();
      if (h.method.equals(method) && k.contains(h.pathContains)) {
        it.remove();
        due.add(h);
      }
    }
    return due;
  }

  private synchronized ResponseDefinition handle(
      LoggedRequest req, String method, String url, String path) {
    String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
    for (String q : query.split("&")) {
      if (q.startsWith("api-version=") && !path.contains("/operations/")) {
        apiVersions.add(resourceType(path) + " " + q.substring("api-version=".length()));
      }
    }
    if (!TOKEN.equals(req.getHeader("Authorization"))) {
      return ArmResponses.error(
          401, "AuthenticationFailed", "Authentication failed: no valid bearer token.");
    }
    String k = key(path);
    if (k.contains("/operations/")) {
      return poll(k);
    }
    ResponseDefinition badVersion = apiVersionCheck(path, query);
    if (badVersion != null) {
      return badVersion;
    }
    if ((method.equals("PUT") || method.equals("PATCH")) && !isJson(req.getBodyAsString())) {
      // ARM's front door refuses a body it cannot deserialise before any provider sees it.
      return ArmResponses.error(
          400,
          "InvalidRequestContent",
          "The request content was invalid and could not be deserialized.");
    }
    return switch (method) {
      case "GET" -> read(k);
      case "PUT" -> write(k, path, req);
      case "PATCH" -> patchVm(k, req);
      case "POST" -> vmAction(k);
      default -> ArmResponses.error(405, "MethodNotAllowed", method + " not supported by the stub");
    };
  }

  /**
   * api-versions the stub serves per resource type: the ones of Microsoft's published examples
   * (azure-rest-api-specs: network 2025-07-01 / 2026-01-01, DNS 2018-05-01, compute 2024-11-01 /
   * 2025-04-01) and the ones this build's SDK sends (network 2025-03-01). ARM refuses any other
   * with 400 {@code InvalidApiVersionParameter} and a missing one with {@code
   * MissingApiVersionParameter}.
   */
  private static final Map<String, Set<String>> API_VERSIONS =
      Map.of(
          "microsoft.network/networkinterfaces", Set.of("2025-03-01", "2025-07-01", "2026-01-01"),
          "microsoft.network/publicipaddresses", Set.of("2025-03-01", "2025-07-01", "2026-01-01"),
          "microsoft.network/dnszones", Set.of("2018-05-01"),
          "microsoft.compute/virtualmachines", Set.of("2024-11-01", "2025-04-01"));

  private static ResponseDefinition apiVersionCheck(String path, String query) {
    String version = null;
    for (String q : query.split("&")) {
      if (q.startsWith("api-version=")) {
        version = q.substring("api-version=".length());
      }
    }
    if (version == null) {
      return ArmResponses.error(
          400,
          "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.");
    }
    Set<String> known = API_VERSIONS.get(resourceType(path).toLowerCase(Locale.ROOT));
    if (known != null && !known.contains(version)) {
      return ArmResponses.error(
          400,
          "InvalidApiVersionParameter",
          "The api-version '"
              + version
              + "' is invalid. The supported versions are '"
              + String.join(",", new TreeSet<>(known))
              + "'.");
    }
    return null;
  }

  private static boolean isJson(String body) {
    try {
      return body != null && !body.isBlank() && JSON.readTree(body).isObject();
    } catch (RuntimeException e) {
      return false;
    }
  }

  private ResponseDefinition read(String k) {
    if (k.endsWith("/instanceview")) {
      String vm = k.substring(0, k.length() - "/instanceview".length());
      if (!resources.containsKey(vm)) {
        return ArmResponses.notFound(vm);
      }
      ObjectNode view = JSON.createObjectNode();
      view.put("computerName", resources.get(vm).path("name").asString());
      ArrayNode statuses = view.putArray("statuses");
      statuses
          .addObject()
          .put("code", "ProvisioningState/succeeded")
          .put("level", "Info")
          .put("displayStatus", "Provisioning succeeded");
      String power = powerStates.getOrDefault(vm, "running");
      statuses
          .addObject()
          .put("code", "PowerState/" + power)
          .put("level", "Info")
          .put("displayStatus", "VM " + power);
      return ArmResponses.ok(200, view, null);
    }
    ObjectNode r = resources.get(k);
    return r == null
        ? ArmResponses.notFound(k)
        : ArmResponses.ok(200, r, r.path("etag").asString());
  }

  private ResponseDefinition write(String k, String path, LoggedRequest req) {
    ObjectNode current = resources.get(k);
    ResponseDefinition refused = preconditions(current, req);
    if (refused != null) {
      return refused;
    }
    ObjectNode body = (ObjectNode) JSON.readTree(req.getBodyAsString());
    if (k.contains("/microsoft.network/dnszones/")) {
      return writeRecordSet(k, path, current, body);
    }
    if (current == null) {
      return ArmResponses.notFound(k);
    }
    if (k.contains("/microsoft.network/networkinterfaces/")) {
      return writeNic(k, current, body);
    }
    if (k.contains("/microsoft.network/publicipaddresses/")) {
      return writePublicIp(k, current, body);
    }
    return ArmResponses.error(400, "UnsupportedByStub", "PUT " + k);
  }

  private ResponseDefinition preconditions(ObjectNode current, LoggedRequest req) {
    String ifMatch = req.getHeader("If-Match");
    String ifNoneMatch = req.getHeader("If-None-Match");
    if (ifMatch != null && (current == null || !ifMatch.equals(current.path("etag").asString()))) {
      return ArmResponses.error(
          412,
          "PreconditionFailed",
          "The condition specified using HTTP conditional header(s) is not met.");
    }
    if ("*".equals(ifNoneMatch) && current != null) {
      return ArmResponses.error(412, "PreconditionFailed", "The resource already exists.");
    }
    return null;
  }

  private ResponseDefinition writeRecordSet(
      String k, String path, ObjectNode current, ObjectNode body) {
    String zone = k.substring(0, k.indexOf('/', k.indexOf("/dnszones/") + "/dnszones/".length()));
    if (!resources.containsKey(zone)) {
      return ArmResponses.error(
          404,
          "ParentResourceNotFound",
          "Can not perform requested operation on nested"
              + " resource. Parent resource '"
              + zone.substring(zone.lastIndexOf('/') + 1)
              + "' not found.");
    }
    String[] parts = k.split("/");
    String rel = parts[parts.length - 1];
    String type = parts[parts.length - 2].toUpperCase(Locale.ROOT);
    ObjectNode rs = JSON.createObjectNode();
    rs.put("id", current != null ? current.path("id").asString() : path);
    rs.put("etag", UUID.randomUUID().toString());
    rs.put("name", rel);
    rs.put("type", "Microsoft.Network/dnszones/" + type);
    ObjectNode props = (ObjectNode) body.path("properties").deepCopy();
    props.put("fqdn", rel + "." + resources.get(zone).path("name").asString() + ".");
    props.put("provisioningState", "Succeeded");
    rs.set("properties", props);
    resources.put(k, rs);
    return ArmResponses.ok(current == null ? 201 : 200, rs, rs.path("etag").asString());
  }

  private ResponseDefinition writeNic(String k, ObjectNode current, ObjectNode body) {
    ResponseDefinition busy = inProgress(k);
    if (busy != null) {
      return busy;
    }
    ResponseDefinition invalid = requireLocation(body);
    if (invalid != null) {
      return invalid;
    }
    JsonNode given = body.path("properties").path("ipConfigurations");
    if (!given.isArray() || given.isEmpty()) {
      // A NIC has at least one IP configuration (NetworkInterfaceCreate example; the Java SDK
      // team: "Nic must have at-least one ip config", Azure/azure-sdk-for-java#769).
      return ArmResponses.error(
          400,
          "InvalidRequestFormat",
          "Cannot parse the request: network interface must have at least one IP configuration.");
    }
    for (JsonNode ipc : given) {
      if (ipc.path("name").asString("").isEmpty()
          || ipc.path("properties").path("subnet").path("id").asString("").isEmpty()) {
        return ArmResponses.error(
            400,
            "InvalidRequestFormat",
            "Cannot parse the request: every IP configuration needs a name and a subnet id.");
      }
    }
    ObjectNode before = current.deepCopy();
    Map<String, ObjectNode> pipsBefore = new HashMap<>();
    // A PUT replaces the resource: what the body leaves out is gone (read-only fields excepted).
    ObjectNode nic = body.deepCopy();
    nic.put("id", current.path("id").asString());
    nic.put("name", current.path("name").asString());
    nic.put("type", current.path("type").asString());
    nic.put("etag", newEtag());
    ObjectNode props = nic.withObjectProperty("properties");
    ArrayNode ipcs = props.putArray("ipConfigurations");
    String nicId = current.path("id").asString();
    List<String[]> attach = new ArrayList<>(); // {pipKey, ipconfigId}
    List<String> detach = new ArrayList<>();
    for (JsonNode g : given) {
      String name = g.path("name").asString();
      String ipcId = nicId + "/ipConfigurations/" + name;
      ObjectNode ipc = ((ObjectNode) g).deepCopy();
      ipc.put("id", ipcId);
      ipc.put("etag", nic.path("etag").asString());
      ObjectNode ipcProps = ipc.withObjectProperty("properties");
      ipcProps.put("provisioningState", "Updating");
      ipcs.add(ipc);
      String pipId = ipcProps.path("publicIPAddress").path("id").asString(null);
      String oldPip =
          findIpConfig(before, name)
              .path("properties")
              .path("publicIPAddress")
              .path("id")
              .asString(null);
      if (pipId != null && !pipId.equalsIgnoreCase(oldPip == null ? "" : oldPip)) {
        ObjectNode pip = resources.get(key(pipId));
        if (pip == null) {
          return ArmResponses.error(
              400,
              "InvalidResourceReference",
              "Resource " + pipId + " referenced by resource " + ipcId + " was not found.");
        }
        String holder = pip.path("properties").path("ipConfiguration").path("id").asString(null);
        if (holder != null && !holder.equalsIgnoreCase(ipcId)) {
          return ArmResponses.error(
              400,
              "PublicIPAddressInUse",
              "Public IP address " + pipId + " is already in use by " + holder + ".");
        }
        attach.add(new String[] {key(pipId), ipcId});
      }
      if (oldPip != null && (pipId == null || !pipId.equalsIgnoreCase(oldPip))) {
        detach.add(key(oldPip));
      }
    }
    props.put("provisioningState", "Updating");
    for (String d : detach) {
      pipsBefore.put(d, resources.get(d).deepCopy());
      resources.get(d).withObjectProperty("properties").remove("ipConfiguration");
      resources.get(d).put("etag", newEtag());
    }
    for (String[] a : attach) {
      pipsBefore.put(a[0], resources.get(a[0]).deepCopy());
      resources
          .get(a[0])
          .withObjectProperty("properties")
          .putObject("ipConfiguration")
          .put("id", a[1]);
      resources.get(a[0]).put("etag", newEtag());
    }
    resources.put(k, nic);
    return longRunning(
        k,
        nic,
        () -> setProvisioning(resources.get(k), "Succeeded"),
        () -> {
          before.put("etag", newEtag());
          resources.put(k, before);
          resources.putAll(pipsBefore);
        });
  }

  private ResponseDefinition writePublicIp(String k, ObjectNode current, ObjectNode body) {
    ResponseDefinition busy = inProgress(k);
    if (busy != null) {
      return busy;
    }
    ResponseDefinition invalid = requireLocation(body);
    if (invalid != null) {
      return invalid;
    }
    String sku = body.path("sku").path("name").asString("Basic");
    if (!sku.equalsIgnoreCase(current.path("sku").path("name").asString())) {
      return ArmResponses.error(
          400,
          "PublicIPAddressSkuUpdateNotSupported",
          "Cannot change the SKU of public IP address "
              + current.path("id").asString()
              + " from "
              + current.path("sku").path("name").asString()
              + " to "
              + sku
              + ".");
    }
    if (sku.equalsIgnoreCase("Standard")
        && !body.path("properties")
            .path("publicIPAllocationMethod")
            .asString("")
            .equals("Static")) {
      return ArmResponses.error(
          400,
          "StandardSkuPublicIPAddressesMustBeStatic",
          "Standard sku public IP addresses must have publicIPAllocationMethod Static.");
    }
    ObjectNode before = current.deepCopy();
    // A PUT replaces the resource; the address itself and its holder are read-only (kept).
    ObjectNode pip = body.deepCopy();
    pip.put("id", current.path("id").asString());
    pip.put("name", current.path("name").asString());
    pip.put("type", current.path("type").asString());
    ObjectNode props = pip.withObjectProperty("properties");
    props.put("ipAddress", current.path("properties").path("ipAddress").asString());
    JsonNode holder = current.path("properties").path("ipConfiguration");
    if (holder.isObject()) {
      props.set("ipConfiguration", holder.deepCopy());
    } else {
      props.remove("ipConfiguration");
    }
    pip.put("etag", newEtag());
    props.put("provisioningState", "Updating");
    resources.put(k, pip);
    return longRunning(
        k,
        pip,
        () -> setProvisioning(resources.get(k), "Succeeded"),
        () -> {
          before.put("etag", newEtag());
          resources.put(k, before);
        });
  }

  private static ResponseDefinition requireLocation(ObjectNode body) {
    if (body.path("location").asString("").isBlank()) {
      return ArmResponses.error(
          400, "LocationRequired", "The location property is required for this definition.");
    }
    return null;
  }

  /** NRP refuses a write while an earlier operation on the resource has not finished. */
  private ResponseDefinition inProgress(String k) {
    String running = inFlight.get(k);
    if (running != null && operations.containsKey(running) && !operations.get(running).finished) {
      return ArmResponses.error(
          409,
          "AnotherOperationInProgress",
          "Another operation on this or dependent resource is in progress. To retrieve status of"
              + " the operation use uri: "
              + baseUrl
              + "/subscriptions/"
              + subscription(k)
              + "/providers/Microsoft.Network/locations/eastus/operations/"
              + running
              + "?api-version=2025-03-01.");
    }
    return null;
  }

  private ResponseDefinition patchVm(String k, LoggedRequest req) {
    ObjectNode vm = resources.get(k);
    if (vm == null || !k.contains("/microsoft.compute/virtualmachines/")) {
      return ArmResponses.notFound(k);
    }
    ResponseDefinition refused = preconditions(vm, req);
    if (refused != null) {
      return refused;
    }
    JsonNode body = JSON.readTree(req.getBodyAsString());
    if (body.has("tags")) {
      vm.set("tags", body.get("tags").deepCopy());
    }
    vm.put(
        "etag", "\"" + (Integer.parseInt(vm.path("etag").asString().replace("\"", "")) + 1) + "\"");
    return ArmResponses.ok(200, vm, vm.path("etag").asString());
  }

  private ResponseDefinition vmAction(String k) {
    String vm = k.substring(0, k.lastIndexOf('/'));
    String action = k.substring(k.lastIndexOf('/') + 1);
    if (!resources.containsKey(vm)) {
      return ArmResponses.notFound(vm);
    }
    String target =
        switch (action) {
          case "poweroff" -> "stopped";
          case "deallocate" -> "deallocated";
          default -> null;
        };
    if (target == null) {
      return ArmResponses.error(400, "UnsupportedByStub", "POST " + k);
    }
    String previous = powerStates.getOrDefault(vm, "running");
    powerStates.put(vm, target.equals("stopped") ? "stopping" : "deallocating");
    Operation op =
        newOperation(vm, () -> powerStates.put(vm, target), () -> powerStates.put(vm, previous));
    String id = register(op);
    String location =
        baseUrl
            + "/subscriptions/"
            + subscription(k)
            + "/providers/Microsoft.Compute/locations/eastus/operations/"
            + id
            + "?monitor=true&api-version=2024-11-01";
    return ResponseDefinitionBuilder.responseDefinition()
        .withStatus(202)
        .withHeader("Location", location)
        .withBody("")
        .build();
  }

  private ResponseDefinition poll(String k) {
    String id = k.substring(k.lastIndexOf('/') + 1);
    Operation op = operations.get(id);
    if (op == null) {
      return ArmResponses.notFound(k);
    }
    boolean location = k.contains("/microsoft.compute/");
    if (!op.finished && op.remaining > 0) {
      op.remaining--;
      if (location) {
        return ResponseDefinitionBuilder.responseDefinition()
            .withStatus(202)
            .withHeader("Location", baseUrl + k + "?monitor=true&api-version=2024-11-01")
            .withBody("")
            .build();
      }
      return ArmResponses.ok(200, JSON.createObjectNode().put("status", "InProgress"), null);
    }
    if (!op.finished) {
      op.finished = true;
      (op.failCode == null ? op.onSuccess : op.onFailure).run();
    }
    if (op.failCode != null) {
      ObjectNode failed = JSON.createObjectNode().put("status", "Failed");
      failed
          .putObject("error")
          .put("code", op.failCode)
          .put("message", "The operation failed: " + op.failCode);
      return location
          ? ArmResponses.error(400, op.failCode, "The operation failed")
          : ArmResponses.ok(200, failed, null);
    }
    if (location) {
      return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withBody("").build();
    }
    return ArmResponses.ok(200, JSON.createObjectNode().put("status", "Succeeded"), null);
  }

  private ResponseDefinition longRunning(
      String k, ObjectNode body, Runnable onSuccess, Runnable onFailure) {
    Operation op = newOperation(k, onSuccess, onFailure);
    String id = register(op);
    inFlight.put(k, id);
    String asyncOp =
        baseUrl
            + "/subscriptions/"
            + subscription(k)
            + "/providers/Microsoft.Network/locations/eastus/operations/"
            + id
            + "?api-version=2024-05-01";
    return ResponseDefinitionBuilder.responseDefinition()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withHeader("ETag", body.path("etag").asString())
        .withHeader("Azure-AsyncOperation", asyncOp)
        .withBody(JSON.writeValueAsString(body))
        .build();
  }

  private Operation newOperation(String k, Runnable onSuccess, Runnable onFailure) {
    Operation op = new Operation();
    op.remaining = lroPolls;
    op.onSuccess = onSuccess;
    op.onFailure = onFailure;
    if (failNextLroOn != null && k.contains(failNextLroOn)) {
      op.failCode = failNextLroCode;
      failNextLroOn = null;
    }
    return op;
  }

  private String register(Operation op) {
    String id = UUID.randomUUID().toString();
    operations.put(id, op);
    return id;
  }

  private static void setProvisioning(ObjectNode r, String state) {
    ObjectNode props = r.withObjectProperty("properties");
    props.put("provisioningState", state);
    for (JsonNode ipc : props.path("ipConfigurations")) {
      ((ObjectNode) ipc).withObjectProperty("properties").put("provisioningState", state);
    }
  }

  private static JsonNode findIpConfig(ObjectNode nic, String name) {
    for (JsonNode ipc : nic.path("properties").path("ipConfigurations")) {
      if (ipc.path("name").asString().equalsIgnoreCase(name)) {
        return ipc;
      }
    }
    return JSON.createObjectNode();
  }

  /** e.g. {@code Microsoft.Network/publicIPAddresses}, for the list of api-versions seen. */
  private static String resourceType(String path) {
    int i = path.lastIndexOf("/providers/");
    if (i < 0) {
      return path;
    }
    String[] p = path.substring(i + "/providers/".length()).split("/");
    return p.length >= 2 ? p[0] + "/" + p[1] : p[0];
  }

  private static String subscription(String k) {
    return k.split("/")[2];
  }

  static String key(String path) {
    return path.toLowerCase(Locale.ROOT);
  }
}
