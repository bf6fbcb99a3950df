package io.tandem.onprem.ami;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.onprem.ami.AmiConnection.Packet;
import io.tandem.onprem.pbx.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Asterisk's internal database (AstDB) through the Manager Interface, for the {@code astdb} sync
 * kind: read with one {@code DBGetTree}, written with {@code DBPut} and {@code DBDel} (main/db.c).
 * It logs in on a connection of its own, opened at first use and kept until {@link #close()}: a
 * large tree read must not hold up the shared session the sensors use.
 *
 * <p>What Asterisk's source decides here (current master):
 *
 * <ul>
 *   <li>{@code DBGetTree} without a family ({@code manager_db_tree_get} with {@code
 *       gettree_all_stmt}) steps through every row while holding {@code dblock}, the lock every
 *       write takes: the rows are one consistent moment. It exists since Asterisk 16.28, 18.14 and
 *       19.6; an older Asterisk answers "Invalid/unknown command". {@code Command: database show}
 *       is not used: it pads keys and values ({@code "%-50s: %-25s"}), so trailing blanks and keys
 *       holding ": " are ambiguous; {@code DBGet} per key is neither one moment nor one round trip.
 *   <li>Rows are written raw ({@code "Key: %s\r\nVal: %s\r\n"}): values are read exactly as sent
 *       (blanks kept); a value holding a line break spans lines and is refused as unreadable.
 *   <li>{@code DBPut} and {@code DBDel} need the {@code system} write class, {@code DBGetTree}
 *       {@code system} or {@code reporting} ({@code astdb_init}). Each write is one statement,
 *       committed by db.c's sync thread within about a second ({@code db_sync_thread}); there is no
 *       transaction across actions.
 * </ul>
 *
 * <p>Not thread-safe: one run uses it at a time. Errors: {@link PermissionException} for a class
 * the user lacks, {@link ProtocolException} for an answer that is not what db.c writes, {@link
 * io.tandem.core.error.TransientException} when Asterisk cannot be reached or does not answer in
 * time (the connection is then dropped and the next call logs in again).
 */
public final class AmiAstDb implements AutoCloseable {

  private final AmiSettings settings;
  private AmiConnection connection;

  public AmiAstDb(AmiSettings settings) {
    this.settings = settings;
  }

  /** Every row, full key ({@code /family/key}) to value, in one consistent read. */
  public SortedMap<String, String> entries(Duration within) {
    Deadline d = Deadline.in(within);
    List<Packet> all = run(d, c -> c.list("DBGetTree", d));
    Packet response = all.get(0);
    if (response.isError()) {
      if (response.message().toLowerCase(Locale.ROOT).startsWith("invalid/unknown command")) {
        throw new ProtocolException(
            where()
                + " has no DBGetTree action (Asterisk 16.28, 18.14, 19.6 and later have it):"
                + " upgrade Asterisk to sync its database");
      }
      throw error("DBGetTree", response.message());
    }
    SortedMap<String, String> out = new TreeMap<>();
    long listed = -1;
    for (Packet p : all.subList(1, all.size())) {
      String event = p.get("Event").orElse("");
      if (event.equalsIgnoreCase("DBGetTreeComplete")) {
        listed = Long.parseLong(p.get("ListItems").orElse("-1"));
        continue;
      }
      if (!event.equalsIgnoreCase("DBGetTreeResponse")) {
        continue;
      }
      String key = p.raw("Key").orElse(null);
      String value = p.raw("Val").orElse(null);
      if (key == null || value == null || !p.strayLines().isEmpty()) {
        throw new ProtocolException(
            where()
                + " sent an AstDB row that cannot be read whole"
                + (key == null ? "" : " (" + key + ")")
                + ": its value holds a line break, which AMI cannot carry");
      }
      out.put(key, value);
    }
    if (listed != out.size()) {
      throw new ProtocolException(
          where() + " listed " + listed + " AstDB rows but sent " + out.size() + " readable ones");
    }
    return out;
  }

  /** {@code DBPut}: {@code /family/key} gets {@code value}. */
  public void put(String family, String key, String value, Duration within) {
    Deadline d = Deadline.in(within);
    Packet p = run(d, c -> c.action("DBPut", d, "Family", family, "Key", key, "Val", value));
    if (p.isError()) {
      throw error("DBPut /" + family + "/" + key, p.message());
    }
  }

  /**
   * {@code DBDel}: removes {@code /family/key}; false when it was not there (db.c {@code
   * ast_db_del2} answers "Database entry could not be deleted").
   */
  public boolean delete(String family, String key, Duration within) {
    Deadline d = Deadline.in(within);
    Packet p = run(d, c -> c.action("DBDel", d, "Family", family, "Key", key));
    if (p.isError()) {
      if (p.message().toLowerCase(Locale.ROOT).startsWith("database entry could not be deleted")) {
        return false;
      }
      throw error("DBDel /" + family + "/" + key, p.message());
    }
    return true;
  }

  /** Where this Asterisk is, for messages. */
  public String where() {
    return "Asterisk at " + settings.access().where();
  }

  private <T> T run(Deadline d, java.util.function.Function<AmiConnection, T> action) {
    if (connection == null || !connection.isOpen()) {
      connection = AmiConnection.open(settings, d);
    }
    try {
      return action.apply(connection);
    } catch (RuntimeException e) {
      close(); // a late answer must not be taken for the next action's
      throw e;
    }
  }

  private RuntimeException error(String action, String message) {
    if (message.toLowerCase(Locale.ROOT).contains("permission denied")) {
      return new PermissionException(
          "AMI user "
              + settings.username()
              + " may not run "
              + action
              + " on "
              + where()
              + " (AstDB writes need write = system in manager.conf; reads system or reporting)");
    }
    return new ProtocolException(where() + " refused " + action + ": \"" + message.strip() + "\"");
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }
}
