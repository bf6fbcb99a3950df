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

/**
 * A YAML document as a tree whose every node remembers its line and column.
 *
 * <p>Hand-written on top of Jackson's streaming parser because Jackson's {@code JsonNode} keeps no
 * locations, and data binding stops at the first error; operators need every error, each with its
 * line. Not thread-safe; one instance per parse.
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
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + text;
        case VALUE_TRUE, VALUE_FALSE -> "the boolean " + text;
        case VALUE_NULL -> "an empty value";
        default -> "text";
      };
    }
  }

  /** A syntax error or duplicate key found while reading. */
  record SyntaxProblem(int line, int column, String path, String message) {}

  private static final YAMLMapper MAPPER = YAMLMapper.builder().build();

  private final List<SyntaxProblem> problems = new ArrayList<>();

  /** Problems found by the last {@link #parse}. */
  List<SyntaxProblem> problems() {
    return problems;
  }

  /** Parses the first document of {@code text}; returns null when empty or unreadable. */
  Node parse(String text) {
    try (JsonParser p = MAPPER.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        problems.add(
            new SyntaxProblem(
                1, 1, "", "empty file: expected a mapping with cluster," + " sites and witness"));
        return null;
      }
      return read(p, t, "");
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

  private Node read(JsonParser p, JsonToken t, String path) {
    TokenStreamLocation loc = p.currentTokenLocation();
    int line = loc.getLineNr();
    int column = loc.getColumnNr();
    switch (t) {
      case START_OBJECT -> {
        Map<String, Entry> entries = new LinkedHashMap<>();
        JsonToken k;
        while ((k = p.nextToken()) == JsonToken.PROPERTY_NAME) {
          String key = p.currentName();
          TokenStreamLocation kl = p.currentTokenLocation();
          String childPath = path.isEmpty() ? key : path + "." + key;
          Node value = read(p, p.nextToken(), childPath);
          Entry previous =
              entries.put(key, new Entry(key, kl.getLineNr(), kl.getColumnNr(), value));
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
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        JsonToken i;
        while ((i = p.nextToken()) != JsonToken.END_ARRAY && i != null) {
          items.add(read(p, i, path + "[" + items.size() + "]"));
        }
        return new ListNode(line, column, items);
      }
      case VALUE_NULL -> {
        return new ScalarNode(line, column, t, null);
      }
      default -> {
        return new ScalarNode(line, column, t, p.getString());
      }
    }
  }
}
