package io.tandem.sim.pbx;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The simulated Asterisk internal database (AstDB), as main/db.c keeps it: one SQLite table {@code
 * astdb(key TEXT, value TEXT, PRIMARY KEY(key))} whose keys are {@code /family/key}. Every
 * operation holds one lock, as db.c holds {@code dblock} around each statement, so a tree read is
 * one consistent moment. The statements it follows (db.c, current master):
 *
 * <ul>
 *   <li>{@code put_stmt} {@code INSERT OR REPLACE}; {@code get_stmt} {@code key=?} (exact,
 *       case-sensitive);
 *   <li>{@code gettree_stmt} and {@code deltree_stmt}: {@code key || '/' LIKE ? || '/' || '%'} with
 *       the prefix from {@code create_prefix} ({@code /family} or {@code /family/keytree}) —
 *       SQLite's LIKE: ASCII letters case-insensitive, {@code %} and {@code _} wildcards, no
 *       escape; an empty family means every key ({@code gettree_all_stmt}, {@code
 *       deltree_all_stmt});
 *   <li>results {@code ORDER BY key} in SQLite's BINARY collation (the UTF-8 bytes).
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class AstDb {

  /** SQLite's BINARY collation: memcmp of the UTF-8 bytes. */
  private static final Comparator<String> BINARY =
      (a, b) ->
          Arrays.compareUnsigned(
              a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private final TreeMap<String, String> rows = new TreeMap<>(BINARY);

  /** {@code ast_db_put}: {@code /family/key} gets {@code value}. */
  public synchronized void put(String family, String key, String value) {
    rows.put("/" + family + "/" + key, value);
  }

  /** {@code ast_db_get}: the value, if the exact key exists. */
  public synchronized Optional<String> get(String family, String key) {
    return Optional.ofNullable(rows.get("/" + family + "/" + key));
  }

  /** {@code ast_db_del2}: false when the key does not exist. */
  public synchronized boolean del(String family, String key) {
    return rows.remove("/" + family + "/" + key) != null;
  }

  /** {@code ast_db_deltree}: how many rows went. */
  public synchronized int delTree(String family, String keytree) {
    Optional<Pattern> like = like(family, keytree);
    int before = rows.size();
    if (like.isEmpty()) {
      rows.clear();
    } else {
      rows.keySet().removeIf(k -> like.get().matcher(k + "/").matches());
    }
    return before - rows.size();
  }

  /** {@code ast_db_gettree} and {@code manager_db_tree_get}: full keys to values, by key. */
  public synchronized Map<String, String> tree(String family, String keytree) {
    Optional<Pattern> like = like(family, keytree);
    Map<String, String> out = new LinkedHashMap<>();
    rows.forEach(
        (k, v) -> {
          if (like.isEmpty() || like.get().matcher(k + "/").matches()) {
            out.put(k, v);
          }
        });
    return out;
  }

  /** Every row (full key to value), by key. */
  public Map<String, String> all() {
    return tree("", "");
  }

  /**
   * The LIKE pattern {@code <prefix> || '/' || '%'} as a regular expression, where {@code prefix}
   * is db.c {@code create_prefix}: empty (every key) when the family is empty, whatever the key
   * tree.
   */
  private static Optional<Pattern> like(String family, String keytree) {
    if (family == null || family.isEmpty()) {
      return Optional.empty();
    }
    String prefix =
        keytree == null || keytree.isEmpty() ? "/" + family : "/" + family + "/" + keytree;
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char c : (prefix + "/%").toCharArray()) {
      if (c == '%' || c == '_') {
        if (!literal.isEmpty()) {
          re.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        re.append(c == '%' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    if (!literal.isEmpty()) {
      re.append(Pattern.quote(literal.toString()));
    }
    // CASE_INSENSITIVE without UNICODE_CASE folds US-ASCII only, as SQLite's LIKE does
    return Optional.of(Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL));
  }
}
