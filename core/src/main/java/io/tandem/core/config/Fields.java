package io.tandem.core.config;

import io.tandem.core.config.YamlTree.Entry;
import io.tandem.core.config.YamlTree.ListNode;
import io.tandem.core.config.YamlTree.MapNode;
import io.tandem.core.config.YamlTree.Node;
import io.tandem.core.config.YamlTree.ScalarNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JsonToken;

/**
 * Typed, located access to the keys of one YAML mapping. Every key read is remembered as known;
 * {@link #finish()} reports the others as unknown, with a did-you-mean hint. A value of the wrong
 * type is reported and read as absent. Not thread-safe.
 */
final class Fields {

  private final MapNode node;
  private final String path;
  private final LoadContext ctx;
  private final Set<String> known = new LinkedHashSet<>();
  private final Map<String, String> elsewhere = new LinkedHashMap<>();

  Fields(MapNode node, String path, LoadContext ctx) {
    this.node = node;
    this.path = path;
    this.ctx = ctx;
    ctx.locate(path, node.line(), node.column());
    node.entries().values().forEach(e -> ctx.locate(at(e.key()), e.line(), e.column()));
  }

  LoadContext context() {
    return ctx;
  }

  String path() {
    return path;
  }

  String at(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The value under {@code key}, or null when absent or empty. */
  private Node value(String key) {
    known.add(key);
    Entry e = node.entries().get(key);
    if (e == null || (e.value() instanceof ScalarNode s && s.isNull())) {
      return null;
    }
    return e.value();
  }

  private ScalarNode scalar(String key, String expected) {
    Node v = value(key);
    if (v == null) {
      return null;
    }
    if (v instanceof ScalarNode s) {
      return s;
    }
    wrong(key, v, expected);
    return null;
  }

  private void wrong(String key, Node found, String expected) {
    ctx.problem(
        at(key),
        found.line(),
        found.column(),
        "expected " + expected + ", found " + found.describe());
  }

  /** Plain text. A secret reference here is refused: only secret fields take references. */
  String string(String key) {
    ScalarNode s = scalar(key, "text");
    if (s == null) {
      return null;
    }
    if (SecretRef.parse(s.text()).isPresent() || s.text().startsWith("${")) {
      ctx.problem(
          at(key),
          s.line(),
          s.column(),
          "expected a plain value: ${env:...} and ${file:...} references are accepted only in"
              + " secret fields (secret, password, tsigSecret, ...)");
      return null;
    }
    return s.text();
  }

  Integer integer(String key) {
    Long l = longValue(key);
    if (l == null) {
      return null;
    }
    if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
      Entry e = node.entries().get(key);
      ctx.problem(at(key), e.value().line(), e.value().column(), "expected a smaller number");
      return null;
    }
    return l.intValue();
  }

  Long longValue(String key) {
    ScalarNode s = scalar(key, "a whole number");
    if (s == null) {
      return null;
    }
    if (s.token() == JsonToken.VALUE_NUMBER_INT
        || (s.token() == JsonToken.VALUE_STRING && s.text().matches("-?\\d{1,18}"))) {
      try {
        return Long.parseLong(s.text());
      } catch (NumberFormatException e) {
        // falls through to the problem below
      }
    }
    ctx.problem(at(key), s.line(), s.column(), "expected a whole number, found " + quoteIfText(s));
    return null;
  }

  Boolean bool(String key) {
    ScalarNode s = scalar(key, "true or false");
    if (s == null) {
      return null;
    }
    if (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE) {
      return s.token() == JsonToken.VALUE_TRUE;
    }
    ctx.problem(at(key), s.line(), s.column(), "expected true or false, found " + quoteIfText(s));
    return null;
  }

  Duration duration(String key) {
    ScalarNode s = scalar(key, "a duration such as 3s");
    if (s == null) {
      return null;
    }
    if (s.token() == JsonToken.VALUE_STRING) {
      var d = Durations.parse(s.text());
      if (d.isPresent()) {
        return d.get();
      }
    }
    String hint =
        s.token() == JsonToken.VALUE_NUMBER_INT || s.token() == JsonToken.VALUE_NUMBER_FLOAT
            ? " (a bare number has no unit: write " + s.text() + "s or " + s.text() + "ms)"
            : "";
    ctx.problem(
        at(key),
        s.line(),
        s.column(),
        "expected a duration such as 500ms, 3s, 2m or 1h, found " + quoteIfText(s) + hint);
    return null;
  }

  /**
   * A secret reference. Anything else is refused without echoing it: an inline value here is most
   * likely the secret itself.
   */
  SecretRef secret(String key) {
    ScalarNode s = scalar(key, "a secret reference such as ${env:NAME}");
    if (s == null) {
      return null;
    }
    var ref = s.token() == JsonToken.VALUE_STRING ? SecretRef.parse(s.text()) : null;
    if (ref != null && ref.isPresent()) {
      return ref.get();
    }
    ctx.problem(
        at(key),
        s.line(),
        s.column(),
        "expected a secret reference such as ${env:NAME} or ${file:/path}; inline secrets are"
            + " not accepted (the value is not shown)");
    return null;
  }

  <E extends Enum<E> & ConfigEnum> E choice(String key, Class<E> type) {
    ScalarNode s = scalar(key, "one of " + ConfigEnum.names(type));
    if (s == null) {
      return null;
    }
    var e = s.text() == null ? java.util.Optional.<E>empty() : ConfigEnum.find(type, s.text());
    if (e.isPresent()) {
      return e.get();
    }
    List<String> names = ConfigEnum.names(type);
    ctx.problem(
        at(key),
        s.line(),
        s.column(),
        "expected one of "
            + names
            + ", found "
            + quoteIfText(s)
            + NameSuggestions.hint(String.valueOf(s.text()), names));
    return null;
  }

  /** A mapping of plain scalars, e.g. per-site values or sensor params; keys kept in order. */
  Map<String, String> stringMap(String key) {
    Node v = value(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof MapNode m)) {
      wrong(key, v, "a mapping of names to values");
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Entry e : m.entries().values()) {
      String p = at(key) + "." + e.key();
      ctx.locate(p, e.line(), e.column());
      if (e.value() instanceof ScalarNode s && !s.isNull()) {
        out.put(e.key(), s.text());
      } else {
        ctx.problem(
            p,
            e.value().line(),
            e.value().column(),
            "expected a single value, found " + e.value().describe());
      }
    }
    return out;
  }

  /** A mapping of names to secret references, e.g. per-site witness secrets. */
  Map<String, SecretRef> secretMap(String key) {
    Node v = value(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof MapNode m)) {
      wrong(key, v, "a mapping of site names to secret references");
      return null;
    }
    Fields inner = new Fields(m, at(key), ctx);
    Map<String, SecretRef> out = new LinkedHashMap<>();
    for (String name : m.entries().keySet()) {
      SecretRef ref = inner.secret(name);
      if (ref != null) {
        out.put(name, ref);
      }
    }
    return out;
  }

  List<String> stringList(String key) {
    Node v = value(key);
    if (v == null) {
      return null;
    }
    if (v instanceof ScalarNode s) {
      return List.of(s.text()); // a single value where a list is expected: be lenient
    }
    if (!(v instanceof ListNode l)) {
      wrong(key, v, "a list of values");
      return null;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < l.items().size(); i++) {
      Node item = l.items().get(i);
      String p = at(key) + "[" + i + "]";
      ctx.locate(p, item.line(), item.column());
      if (item instanceof ScalarNode s && !s.isNull()) {
        out.add(s.text());
      } else {
        ctx.problem(
            p, item.line(), item.column(), "expected a single value, found " + item.describe());
      }
    }
    return out;
  }

  /** A nested mapping, or null when absent (or of the wrong type, which is reported). */
  Fields object(String key) {
    Node v = value(key);
    if (v == null) {
      return null;
    }
    if (v instanceof MapNode m) {
      return new Fields(m, at(key), ctx);
    }
    wrong(key, v, "a mapping (key: value lines)");
    ctx.rejectObject(at(key));
    return null;
  }

  /** A list of mappings; wrong items are reported and left out (their index is kept). */
  List<Indexed> objects(String key) {
    Node v = value(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof ListNode l)) {
      wrong(key, v, "a list of mappings (lines starting with -)");
      return List.of();
    }
    List<Indexed> out = new ArrayList<>();
    for (int i = 0; i < l.items().size(); i++) {
      Node item = l.items().get(i);
      String p = at(key) + "[" + i + "]";
      ctx.locate(p, item.line(), item.column());
      if (item instanceof MapNode m) {
        out.add(new Indexed(i, new Fields(m, p, ctx)));
      } else {
        ctx.problem(
            p,
            item.line(),
            item.column(),
            "expected a mapping (key: value lines), found " + item.describe());
        ctx.rejectObject(p);
      }
    }
    return out;
  }

  /** Number of items under {@code key} when it is a list, else 0. */
  int count(String key) {
    Entry e = node.entries().get(key);
    return e != null && e.value() instanceof ListNode l ? l.items().size() : 0;
  }

  /** A list item and its index in the file. */
  record Indexed(int index, Fields fields) {}

  /**
   * Declares keys that belong to other kinds of this object, e.g. {@code table} belongs to a
   * dynamodb witness, so that one found here is explained rather than only called unknown.
   */
  void belongElsewhere(String owner, String... keys) {
    for (String k : keys) {
      if (!known.contains(k)) {
        elsewhere.putIfAbsent(k, owner);
      }
    }
  }

  /** Reports every key that no reader asked for. */
  void finish() {
    for (Entry e : node.entries().values()) {
      if (!known.contains(e.key())) {
        // A typo for an absent known key: that key's "missing" report would say the same again.
        NameSuggestions.closest(e.key(), known)
            .filter(k -> !node.entries().containsKey(k))
            .ifPresent(k -> ctx.cover(at(k)));
        // A near-miss of a key of this kind is likelier than a key of another kind.
        String owner =
            NameSuggestions.closest(e.key(), known).isPresent() ? null : elsewhere.get(e.key());
        ctx.problem(
            at(e.key()),
            e.line(),
            e.column(),
            owner != null
                ? "unknown field here: "
                    + e.key()
                    + " is a setting of "
                    + owner
                    + "; expected one of "
                    + known
                : "unknown field"
                    + NameSuggestions.hint(e.key(), known)
                    + "; expected one of "
                    + known);
      }
    }
  }

  private static String quoteIfText(ScalarNode s) {
    return s.token() == JsonToken.VALUE_STRING
        ? "'" + SafeText.cut(s.text(), 80) + "'"
        : s.describe();
  }
}
