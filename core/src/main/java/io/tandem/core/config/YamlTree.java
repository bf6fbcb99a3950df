package io.tandem.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * A YAML document as a tree whose every node remembers its line and column.
 *
 * <p>Hand-written on top of Jackson's streaming parser because Jackson's {@code JsonNode} keeps no
 * locations, and data binding stops at the first error; operators need every error, each with its
 * line. Not thread-safe; one instance per parse.
 *
 * <p>YAML's anchors and aliases ({@code &name} / {@code *name}) resolve to the anchored node, as
 * YAML 1.2 §3.2.2.2 defines them (Jackson's streaming parser reports an alias as the text of its
 * name, which is never what the author meant). What is expanded through aliases is counted and
 * bounded ({@value #MAX_NODES} values), as is nesting ({@value #MAX_DEPTH} levels), so a "billion
 * laughs" file is refused at its line instead of exhausting the agent. YAML 1.1 merge keys ({@code
 * <<}) are not part of YAML 1.2 and are refused where written. A file holds one document: a second
 * one ({@code ---}) is refused rather than silently ignored.
 */
final class YamlTree {

  /** A node and where it starts (1-based). */
  sealed interface Node permits MapNode, ListNode, ScalarNode {
    int line();

    int column();

    /** The node's kind in words, for "expected X, found Y". */
    String describe();
  }

  /** One key of a mapping, located at the key. */
  record Entry(String key, int line, int column, Node value) {}

  record MapNode(int line, int column, Map<String, Entry> entries) implements Node {
    @Override
    public String describe() {
      return "a mapping";
    }
  }

  record ListNode(int line, int column, List<Node> items) implements Node {
    @Override
    public String describe() {
      return "a list";
    }
  }

  /**
   * A scalar: {@code token} is VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE,
   * VALUE_FALSE or VALUE_NULL; {@code text} is its text (null for null).
   */
  record ScalarNode(int line, int column, JsonToken token, String text) implements Node {
    boolean isNull() {
      return token == JsonToken.VALUE_NULL;
    }

    @Override
    public String describe() {
      return switch (token) {
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + SafeText.cut(text, 40);
        case VALUE_TRUE, VALUE_FALSE -> "the boolean " + text;
        case VALUE_NULL -> "an empty value";
        default -> "text";
      };
    }
  }

  /** A syntax error or duplicate key found while reading. */
  record SyntaxProblem(int line, int column, String path, String message) {}

  private static final YAMLMapper MAPPER = YAMLMapper.builder().build();

  /** Values a file may hold once aliases are expanded; a cluster file has a few hundred. */
  static final int MAX_NODES = 20_000;

  /** Nesting a cluster file may use; it needs six or so. */
  static final int MAX_DEPTH = 64;

  private final List<SyntaxProblem> problems = new ArrayList<>();
  private final Map<String, Node> anchors = new java.util.HashMap<>();
  private final java.util.IdentityHashMap<Node, Integer> sizes = new java.util.IdentityHashMap<>();
  private long expanded;

  /** Stops the parse after a problem that makes the rest meaningless (already reported). */
  private static final class Abort extends RuntimeException {
    Abort() {
      super(null, null, false, false);
    }
  }

  /** Problems found by the last {@link #parse}. */
  List<SyntaxProblem> problems() {
    return problems;
  }

  private String source;
  private final List<Integer> lineStarts = new ArrayList<>();

  /** Parses the only document of {@code text}; returns null when empty or unreadable. */
  Node parse(String text) {
    source = text;
    lineStarts.add(0);
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        lineStarts.add(i + 1);
      }
    }
    try (JsonParser p = MAPPER.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        problems.add(
            new SyntaxProblem(
                1, 1, "", "empty file: expected a mapping with cluster," + " sites and witness"));
        return null;
      }
      Node root = read(p, t, "", 0);
      JsonToken next = p.nextToken();
      if (next != null) {
        int at = documentMarkerBefore(p.currentTokenLocation().getLineNr());
        problems.add(
            new SyntaxProblem(
                at,
                1,
                "",
                "a second YAML document: expected one document per file (the rest would be"
                    + " ignored)"));
      }
      return root;
    } catch (Abort stop) {
      return null;
    } catch (JacksonException e) {
      TokenStreamLocation loc = e.getLocation();
      int line = loc == null ? 0 : loc.getLineNr();
      int column = loc == null ? 0 : loc.getColumnNr();
      problems.add(
          new SyntaxProblem(
              Math.max(line, 0), Math.max(column, 0), "", "not valid YAML: " + describe(e, text)));
      return null;
    }
  }

  /**
   * SnakeYAML's message without its source excerpt (which could show a secret typed inline): the
   * lines that say what was parsed and what was found, joined.
   */
  private static String describe(JacksonException e, String text) {
    String msg = e.getOriginalMessage();
    if (msg == null) {
      return "syntax error";
    }
    StringBuilder b = new StringBuilder();
    for (String l : msg.split("\n")) {
      if (!l.isBlank() && !Character.isWhitespace(l.charAt(0))) {
        b.append(b.isEmpty() ? "" : "; ").append(l.strip());
      }
    }
    if (msg.contains("flow mapping") && text.contains("${")) {
      b.append(" (inside { } quote references: secret: \"${env:NAME}\")");
    }
    return b.toString();
  }

  private Node read(JsonParser p, JsonToken t, String path, int depth) {
    TokenStreamLocation loc = p.currentTokenLocation();
    int line = loc.getLineNr();
    int column = loc.getColumnNr();
    if (depth > MAX_DEPTH) {
      problems.add(
          new SyntaxProblem(
              line,
              column,
              path,
              "nests deeper than " + MAX_DEPTH + " levels: expected a cluster file's few levels"));
      throw new Abort();
    }
    if (p instanceof YAMLParser y && y.isCurrentAlias()) {
      return alias(p.getString(), line, column, path);
    }
    String anchor = t.isScalarValue() ? scalarAnchor(line, column) : anchorOf(p);
    Node node =
        switch (t) {
          case START_OBJECT -> readMap(p, path, depth, line, column);
          case START_ARRAY -> {
            List<Node> items = new ArrayList<>();
            JsonToken i;
            while ((i = p.nextToken()) != JsonToken.END_ARRAY && i != null) {
              items.add(read(p, i, path + "[" + items.size() + "]", depth + 1));
            }
            yield new ListNode(line, column, items);
          }
          case VALUE_NULL -> new ScalarNode(line, column, t, null);
          default -> new ScalarNode(line, column, t, p.getString());
        };
    int size = 1;
    if (node instanceof MapNode m) {
      for (Entry e : m.entries().values()) {
        size += sizes.getOrDefault(e.value(), 1);
      }
    } else if (node instanceof ListNode l) {
      for (Node n : l.items()) {
        size += sizes.getOrDefault(n, 1);
      }
    }
    sizes.put(node, size);
    count(1, line, column, path);
    if (anchor != null) {
      anchors.put(anchor, node);
    }
    return node;
  }

  private Node readMap(JsonParser p, String path, int depth, int line, int column) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    JsonToken k;
    while ((k = p.nextToken()) == JsonToken.PROPERTY_NAME) {
      String key = p.currentName();
      TokenStreamLocation kl = p.currentTokenLocation();
      String childPath = path.isEmpty() ? key : path + "." + key;
      Node value = read(p, p.nextToken(), childPath, depth + 1);
      if ("<<".equals(key)) {
        problems.add(
            new SyntaxProblem(
                kl.getLineNr(),
                kl.getColumnNr(),
                childPath,
                "merge keys (<<) are not supported (YAML 1.2 has none): write the keys out, or"
                    + " alias the whole mapping"));
        continue;
      }
      Entry previous = entries.put(key, new Entry(key, kl.getLineNr(), kl.getColumnNr(), value));
      if (previous != null) {
        problems.add(
            new SyntaxProblem(
                kl.getLineNr(),
                kl.getColumnNr(),
                childPath,
                "duplicate key: expected each key once in a mapping; first at line "
                    + previous.line()));
      }
    }
    return new MapNode(line, column, entries);
  }

  /** The node an alias names: a scalar is re-placed at the alias, a collection is shared. */
  private Node alias(String name, int line, int column, String path) {
    Node target = anchors.get(name);
    if (target == null) {
      problems.add(
          new SyntaxProblem(
              line, column, path, "alias *" + name + " names no anchor (&" + name + ") above it"));
      return new ScalarNode(line, column, JsonToken.VALUE_NULL, null);
    }
    count(sizes.getOrDefault(target, 1), line, column, path);
    return target instanceof ScalarNode s
        ? new ScalarNode(line, column, s.token(), s.text())
        : target;
  }

  private void count(int nodes, int line, int column, String path) {
    expanded += nodes;
    if (expanded > MAX_NODES) {
      problems.add(
          new SyntaxProblem(
              line,
              column,
              path,
              "aliases expand to more than "
                  + MAX_NODES
                  + " values: expected a cluster file (is this an alias bomb?)"));
      throw new Abort();
    }
  }

  /**
   * A scalar's anchor, read from the source at the scalar's position: Jackson reports anchors of
   * mappings and sequences ({@code getObjectId()}) but not of scalars, whose location starts at the
   * node's properties (YAML 1.2 §6.9: an optional tag and anchor, in either order, before the
   * content).
   */
  private String scalarAnchor(int line, int column) {
    if (source == null || line < 1 || line > lineStarts.size() || column < 1) {
      return null;
    }
    int i = lineStarts.get(line - 1) + column - 1;
    for (int property = 0; property < 2 && i < source.length(); property++) {
      char c = source.charAt(i);
      if (c != '&' && c != '!') {
        return null;
      }
      int end = i + 1;
      while (end < source.length() && !isPropertyEnd(source.charAt(end))) {
        end++;
      }
      if (c == '&') {
        return source.substring(i + 1, end);
      }
      i = end;
      while (i < source.length() && (source.charAt(i) == ' ' || source.charAt(i) == '\t')) {
        i++;
      }
    }
    return null;
  }

  /** The line of the {@code ---} that starts the document holding {@code line}, else line. */
  private int documentMarkerBefore(int line) {
    for (int l = Math.min(line, lineStarts.size()); l >= 1; l--) {
      if (source.startsWith("---", lineStarts.get(l - 1))) {
        return l;
      }
    }
    return Math.max(line, 1);
  }

  private static boolean isPropertyEnd(char c) {
    return Character.isWhitespace(c) || c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
  }

  private static String anchorOf(JsonParser p) {
    try {
      Object id = p.getObjectId();
      return id == null ? null : id.toString();
    } catch (JacksonException e) {
      return null;
    }
  }
}
