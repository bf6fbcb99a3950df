package io.tandem.sim.peer.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Route 53's rules for one {@code ChangeResourceRecordSets} batch, as the API reference states them
 * (docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html and
 * API_Change.html): a batch is validated and applied all or nothing; the changes apply in order;
 * {@code CREATE} fails when the record set exists; {@code DELETE} must name a record set that
 * exists with "all the same values" (TTL, records, routing); {@code UPSERT} always applies. A
 * failure is {@code InvalidChangeBatch} (HTTP 400) with Route 53's own message text, e.g. {@code
 * Tried to delete resource record set [name='sip.example.com.', type='A'] but the values provided
 * do not match the current values} (as Route 53 answers: see aws/aws-cli#704,
 * kubernetes-sigs/external-dns#732, hashicorp/terraform#342, barnybug/cli53#317 for real answers).
 *
 * <p>Pure function of the zone's current record sets and the batch; thread-confined.
 */
final class Route53Rules {

  private Route53Rules() {}

  /** One record set: its identity and everything a DELETE must repeat. */
  record RecordSet(Key key, Map<String, String> content, Element xml) {}

  /** Name (normalised), type, set identifier: what makes a record set unique in a zone. */
  record Key(String name, String type, String setIdentifier) {
    String describe() {
      return "[name='"
          + name
          + "', type='"
          + type
          + "'"
          + (setIdentifier.isEmpty() ? "" : ", set-identifier='" + setIdentifier + "'")
          + "]";
    }
  }

  /** One change of the batch. */
  record Change(String action, RecordSet recordSet) {}

  /** The batch's outcome: the Route 53 error messages, or the changes that end the batch. */
  record Outcome(List<String> errors, List<Change> net) {}

  /**
   * Validates {@code batch} against {@code current} (applied in order on a working copy) and, if
   * valid, returns the net effect per record set: an {@code UPSERT} of its final state, or a {@code
   * DELETE} of the record set as it was.
   */
  static Outcome apply(List<RecordSet> current, List<Change> batch) {
    Map<Key, RecordSet> zone = new HashMap<>();
    current.forEach(r -> zone.put(r.key(), r));
    Map<Key, RecordSet> before = new HashMap<>(zone);
    List<String> errors = new ArrayList<>();
    List<Key> touched = new ArrayList<>();
    for (Change c : batch) {
      Key k = c.recordSet().key();
      RecordSet now = zone.get(k);
      switch (c.action()) {
        case "CREATE" -> {
          if (now != null) {
            errors.add(
                "Tried to create resource record set " + k.describe() + " but it already exists");
          } else {
            zone.put(k, c.recordSet());
          }
        }
        case "DELETE" -> {
          if (now == null) {
            errors.add(
                "Tried to delete resource record set " + k.describe() + " but it was not found");
          } else if (!now.content().equals(c.recordSet().content())) {
            errors.add(
                "Tried to delete resource record set "
                    + k.describe()
                    + " but the values provided do not match the current values");
          } else {
            zone.remove(k);
          }
        }
        case "UPSERT" -> zone.put(k, c.recordSet());
        default -> errors.add("Invalid request: unknown Action " + c.action());
      }
      if (!touched.contains(k)) {
        touched.add(k);
      }
    }
    if (!errors.isEmpty()) {
      return new Outcome(errors, List.of());
    }
    List<Change> net = new ArrayList<>();
    for (Key k : touched) {
      RecordSet end = zone.get(k);
      if (end != null) {
        net.add(new Change("UPSERT", end));
      } else if (before.containsKey(k)) {
        net.add(new Change("DELETE", before.get(k)));
      }
    }
    return new Outcome(List.of(), net);
  }

  /** Reads a {@code ResourceRecordSet} element (request body or list answer). */
  static RecordSet recordSet(Element rrset) {
    String name = normalise(text(rrset, "Name").orElse(""));
    String type = text(rrset, "Type").orElse("").toUpperCase(Locale.ROOT);
    String setId = text(rrset, "SetIdentifier").orElse("");
    Map<String, String> content = new TreeMap<>();
    for (String field :
        List.of("TTL", "Weight", "Failover", "Region", "HealthCheckId", "MultiValueAnswer")) {
      text(rrset, field).ifPresent(v -> content.put(field, v));
    }
    List<String> values = new ArrayList<>();
    for (Element rr : children(child(rrset, "ResourceRecords"), "ResourceRecord")) {
      values.add(text(rr, "Value").orElse(""));
    }
    values.sort(null);
    if (!values.isEmpty()) {
      content.put("ResourceRecords", String.join("\n", values));
    }
    Element alias = child(rrset, "AliasTarget");
    if (alias != null) {
      content.put(
          "AliasTarget",
          text(alias, "HostedZoneId").orElse("")
              + " "
              + normalise(text(alias, "DNSName").orElse(""))
              + " "
              + text(alias, "EvaluateTargetHealth").orElse("false"));
    }
    return new RecordSet(new Key(name, type, setId), content, rrset);
  }

  /** Lower case, trailing dot, {@code \052} as {@code *}: Route 53's comparison of names. */
  static String normalise(String name) {
    String n = name.toLowerCase(Locale.ROOT).replace("\\052", "*");
    return n.endsWith(".") ? n : n + ".";
  }

  static Optional<String> text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? Optional.empty() : Optional.of(e.getTextContent().strip());
  }

  static Element child(Element parent, String name) {
    if (parent == null) {
      return null;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && Objects.equals(localName(e), name)) {
        return e;
      }
    }
    return null;
  }

  static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    if (parent == null) {
      return out;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && Objects.equals(localName(e), name)) {
        out.add(e);
      }
    }
    return out;
  }

  private static String localName(Element e) {
    return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
  }
}
