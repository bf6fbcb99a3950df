package io.tandem.app.agent;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Line and column of every field path in a YAML document ({@code sites[1].pbx.secret}), so that
 * problems found after loading (cross-provider rules, unresolvable secrets) are placed in the file
 * like the loader's own. Core's located tree is package-private; this reads the same document with
 * Jackson's streaming parser, which keeps locations (its tree model does not).
 *
 * <p>Immutable after construction; thread-safe.
 */
public final class YamlPositions {

  /** A 1-based position; {@code line == 0} when unknown. */
  public record Position(int line, int column) {
    static final Position UNKNOWN = new Position(0, 0);
  }

  private static final YAMLMapper MAPPER = YAMLMapper.builder().build();

  private final Map<String, Position> positions = new HashMap<>();

  private YamlPositions() {}

  /** Reads {@code yaml}; a document that does not parse yields no positions (never throws). */
  public static YamlPositions of(String yaml) {
    YamlPositions p = new YamlPositions();
    try (JsonParser parser = MAPPER.createParser(yaml)) {
      p.read(parser);
    } catch (JacksonException e) {
      // the loader reports syntax errors itself; positions found so far remain usable
    }
    return p;
  }

  /** Where {@code path} is written (the key of a field, the start of a list item). */
  public Position at(String path) {
    String p = path;
    // fall back to the nearest enclosing field that is written down
    for (int i = 0; i < 16 && !p.isEmpty(); i++) {
      Position found = positions.get(p);
      if (found != null) {
        return found;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut <= 0 ? "" : p.substring(0, cut);
    }
    return Position.UNKNOWN;
  }

  private void read(JsonParser parser) {
    // a stack of containers: the path of each and, for lists, the next index
    Deque<String> paths = new ArrayDeque<>();
    Deque<int[]> indices = new ArrayDeque<>();
    String pendingField = null;
    JsonToken t;
    while ((t = parser.nextToken()) != null) {
      switch (t) {
        case PROPERTY_NAME -> {
          String base = paths.isEmpty() ? "" : paths.peek();
          pendingField = base.isEmpty() ? parser.currentName() : base + "." + parser.currentName();
          put(pendingField, parser.currentTokenLocation());
        }
        case START_OBJECT, START_ARRAY -> {
          String here = elementPath(paths, indices, pendingField, parser);
          pendingField = null;
          paths.push(here);
          indices.push(
              t == JsonToken.START_ARRAY ? new int[] {0} : new int[0]); // no nulls in a deque
        }
        case END_OBJECT, END_ARRAY -> {
          if (!paths.isEmpty()) {
            paths.pop();
            indices.pop();
          }
        }
        default -> {
          elementPath(paths, indices, pendingField, parser);
          pendingField = null;
        }
      }
    }
  }

  /** The path of the value starting now: the pending field, or the next item of a list. */
  private String elementPath(
      Deque<String> paths, Deque<int[]> indices, String pendingField, JsonParser parser) {
    if (pendingField != null) {
      return pendingField;
    }
    if (!indices.isEmpty() && indices.peek().length == 1) {
      int[] next = indices.peek();
      String item = paths.peek() + "[" + next[0]++ + "]";
      put(item, parser.currentTokenLocation());
      return item;
    }
    return paths.isEmpty() ? "" : paths.peek();
  }

  private void put(String path, TokenStreamLocation loc) {
    if (loc != null && loc.getLineNr() > 0) {
      positions.putIfAbsent(path, new Position(loc.getLineNr(), Math.max(loc.getColumnNr(), 0)));
    }
  }
}
