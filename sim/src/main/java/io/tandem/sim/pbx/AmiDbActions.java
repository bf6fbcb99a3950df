package io.tandem.sim.pbx;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The AstDB actions of the simulated Asterisk, each answering as its function in main/db.c does
 * (current master), on the model's {@link AstDb}. Write classes from {@code astdb_init}: {@code
 * DBGet} and {@code DBGetTree} need {@code system} or {@code reporting}, {@code DBPut}, {@code
 * DBDel} and {@code DBDelTree} need {@code system}. Header values arrive as {@code
 * astman_get_header} gives them (leading blanks skipped, the rest kept). Stateless apart from the
 * model.
 */
final class AmiDbActions {

  static final Map<String, Set<AmiClass>> CLASSES =
      Map.of(
          "dbget", EnumSet.of(AmiClass.SYSTEM, AmiClass.REPORTING),
          "dbgettree", EnumSet.of(AmiClass.SYSTEM, AmiClass.REPORTING),
          "dbput", EnumSet.of(AmiClass.SYSTEM),
          "dbdel", EnumSet.of(AmiClass.SYSTEM),
          "dbdeltree", EnumSet.of(AmiClass.SYSTEM));

  private final AstDb db;

  AmiDbActions(AstDb db) {
    this.db = db;
  }

  /** Answers one of {@link #CLASSES}' actions (lower case). */
  String handle(String action, Map<String, String> a, String id) {
    String family = a.getOrDefault("family", "");
    String key = a.getOrDefault("key", "");
    return switch (action) {
      case "dbput" -> put(family, key, a.getOrDefault("val", ""), id);
      case "dbget" -> get(family, key, id);
      case "dbgettree" -> tree(family, key, id);
      case "dbdel" -> del(family, key, id);
      case "dbdeltree" -> delTree(family, key, id);
      default -> throw new IllegalArgumentException("not an AstDB action: " + action);
    };
  }

  /** db.c {@code manager_dbput}: the messages carry no full stop. */
  private String put(String family, String key, String val, String id) {
    if (family.isEmpty()) {
      return AmiPacket.error(id, "No family specified");
    }
    if (key.isEmpty()) {
      return AmiPacket.error(id, "No key specified");
    }
    db.put(family, key, val);
    return AmiPacket.ack(id, "Updated database successfully");
  }

  /**
   * db.c {@code manager_dbget}: a list of one {@code DBGetResponse} (Family, Key, Val, then the
   * ActionID, in that order) closed by {@code DBGetComplete}.
   */
  private String get(String family, String key, String id) {
    if (family.isEmpty()) {
      return AmiPacket.error(id, "No family specified.");
    }
    if (key.isEmpty()) {
      return AmiPacket.error(id, "No key specified.");
    }
    var value = db.get(family, key);
    if (value.isEmpty()) {
      return AmiPacket.error(id, "Database entry not found");
    }
    return AmiPacket.listStart(id, "Result will follow")
        + "Event: DBGetResponse\r\nFamily: "
        + family
        + "\r\nKey: "
        + key
        + "\r\nVal: "
        + value.get()
        + "\r\n"
        + idLine(id)
        + "\r\n"
        + AmiPacket.complete("DBGetComplete", id, 1);
  }

  /**
   * db.c {@code manager_db_tree_get}: every row under the prefix, read under {@code dblock} (one
   * moment), each a {@code DBGetTreeResponse} with Key and Val and then the ActionID, closed by
   * {@code DBGetTreeComplete} with the count. A Key without a Family reads every row ({@code
   * create_prefix} ignores it).
   */
  private String tree(String family, String key, String id) {
    Map<String, String> rows = db.tree(family, key);
    StringBuilder sb = new StringBuilder(AmiPacket.listStart(id, "Result will follow"));
    rows.forEach(
        (k, v) ->
            sb.append("Event: DBGetTreeResponse\r\nKey: ")
                .append(k)
                .append("\r\nVal: ")
                .append(v)
                .append("\r\n")
                .append(idLine(id))
                .append("\r\n"));
    return sb.append(AmiPacket.complete("DBGetTreeComplete", id, rows.size())).toString();
  }

  /** db.c {@code manager_dbdel} with {@code ast_db_del2}: a missing key is an error. */
  private String del(String family, String key, String id) {
    if (family.isEmpty()) {
      return AmiPacket.error(id, "No family specified.");
    }
    if (key.isEmpty()) {
      return AmiPacket.error(id, "No key specified.");
    }
    return db.del(family, key)
        ? AmiPacket.ack(id, "Key deleted successfully")
        : AmiPacket.error(id, "Database entry could not be deleted");
  }

  /** db.c {@code manager_dbdeltree}: nothing deleted is an error. */
  private String delTree(String family, String key, String id) {
    if (family.isEmpty()) {
      return AmiPacket.error(id, "No family specified.");
    }
    int deleted = db.delTree(family, key);
    return deleted == 0
        ? AmiPacket.error(id, "Database entry not found")
        : AmiPacket.ack(id, "Key tree deleted successfully");
  }

  private static String idLine(String id) {
    return id == null || id.isEmpty() ? "" : "ActionID: " + id + "\r\n";
  }
}
