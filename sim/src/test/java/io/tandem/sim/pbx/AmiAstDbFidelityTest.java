package io.tandem.sim.pbx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulated AstDB actions answer as main/db.c's {@code manager_db*} functions do, with the
 * write classes of {@code astdb_init} and the parsing rules of main/manager.c ({@code
 * __astman_get_header} skips leading blanks of a value; {@code get_input} discards a line longer
 * than its 1024-byte buffer). Read with a plain socket.
 */
class AmiAstDbFidelityTest {

  private static final String LOGIN =
      "Action: Login\r\nActionID: L\r\nUsername: tandem\r\nSecret: pw\r\nEvents: off\r\n\r\n";

  private final PbxModel model = new PbxModel("20.5.0");
  private final AmiServer server = new AmiServer(model, new PbxFaults(), "tandem", "pw");

  @AfterEach
  void stop() {
    server.close();
  }

  private WireClient loggedIn() throws IOException {
    WireClient c = new WireClient(server.host(), server.port());
    c.line();
    c.send(LOGIN);
    assertThat(c.response()).contains("Message: Authentication accepted");
    return c;
  }

  @Test
  void putGetAndDeleteAnswerAsDbCDoes() throws IOException {
    try (WireClient c = loggedIn()) {
      c.send("Action: DBPut\r\nActionID: 1\r\nFamily: CF\r\nKey: 100\r\nVal: 0612345678 \r\n\r\n");
      assertThat(c.packet())
          .containsExactly(
              "Response: Success", "ActionID: 1", "Message: Updated database successfully");
      // __astman_get_header keeps trailing blanks: the value is stored as sent
      assertThat(model.astdb().get("CF", "100")).contains("0612345678 ");

      c.send("Action: DBGet\r\nActionID: 2\r\nFamily: CF\r\nKey: 100\r\n\r\n");
      assertThat(c.packet())
          .containsExactly(
              "Response: Success",
              "ActionID: 2",
              "EventList: start",
              "Message: Result will follow");
      assertThat(c.packet())
          .containsExactly(
              "Event: DBGetResponse", "Family: CF", "Key: 100", "Val: 0612345678 ", "ActionID: 2");
      assertThat(c.packet())
          .containsExactly(
              "Event: DBGetComplete", "ActionID: 2", "EventList: Complete", "ListItems: 1");

      c.send("Action: DBGet\r\nActionID: 3\r\nFamily: CF\r\nKey: 101\r\n\r\n");
      assertThat(c.packet()).contains("Response: Error", "Message: Database entry not found");
      c.send("Action: DBDel\r\nActionID: 4\r\nFamily: CF\r\nKey: 100\r\n\r\n");
      assertThat(c.packet()).contains("Response: Success", "Message: Key deleted successfully");
      // ast_db_del2: deleting what is not there is an error
      c.send("Action: DBDel\r\nActionID: 5\r\nFamily: CF\r\nKey: 100\r\n\r\n");
      assertThat(c.packet())
          .contains("Response: Error", "Message: Database entry could not be deleted");
      // the messages differ in their full stops, as in db.c
      c.send("Action: DBPut\r\nActionID: 6\r\nKey: 100\r\n\r\n");
      assertThat(c.packet()).contains("Message: No family specified");
      c.send("Action: DBDel\r\nActionID: 7\r\nFamily: CF\r\n\r\n");
      assertThat(c.packet()).contains("Message: No key specified.");
    }
  }

  @Test
  void getTreeListsEveryRowUnderItsPrefixInKeyOrderLikeSqliteLike() throws IOException {
    model.astdb().put("CF", "200", "b");
    model.astdb().put("CF", "100", "a");
    model.astdb().put("cf", "300", "lower-case family");
    model.astdb().put("CFX", "1", "other family");
    model.astdb().put("DND", "100", "YES");
    try (WireClient c = loggedIn()) {
      c.send("Action: DBGetTree\r\nActionID: t\r\nFamily: CF\r\n\r\n");
      assertThat(c.packet()).contains("Response: Success", "Message: Result will follow");
      // SQLite's LIKE folds ASCII case: /cf/300 matches the prefix /CF; /CFX/1 does not
      assertThat(c.packet())
          .containsExactly("Event: DBGetTreeResponse", "Key: /CF/100", "Val: a", "ActionID: t");
      assertThat(c.packet()).contains("Key: /CF/200");
      assertThat(c.packet()).contains("Key: /cf/300");
      assertThat(c.packet()).contains("Event: DBGetTreeComplete", "ListItems: 3");

      // no family: every row, one moment (dblock held for the whole read)
      c.send("Action: DBGetTree\r\nActionID: all\r\n\r\n");
      c.packet();
      List<String> keys = new java.util.ArrayList<>();
      for (List<String> p = c.packet(); !p.contains("Event: DBGetTreeComplete"); p = c.packet()) {
        keys.add(p.get(1));
      }
      assertThat(keys)
          .containsExactly(
              "Key: /CF/100", "Key: /CF/200", "Key: /CFX/1", "Key: /DND/100", "Key: /cf/300");

      c.send("Action: DBDelTree\r\nActionID: d\r\nFamily: CF\r\n\r\n");
      assertThat(c.packet()).contains("Message: Key tree deleted successfully");
      assertThat(model.astdb().all().keySet()).containsExactly("/CFX/1", "/DND/100");
      c.send("Action: DBDelTree\r\nActionID: e\r\nFamily: CF\r\n\r\n");
      assertThat(c.packet()).contains("Response: Error", "Message: Database entry not found");
    }
  }

  @Test
  void aValueLosesItsLeadingBlanksAndALineTooLongIsRefused() throws IOException {
    try (WireClient c = loggedIn()) {
      c.send("Action: DBPut\r\nActionID: 1\r\nFamily: F\r\nKey: k\r\nVal:   x\r\n\r\n");
      c.packet();
      assertThat(model.astdb().get("F", "k")).contains("x");

      String fits = "v".repeat(AmiPacket.MAX_LINE_BYTES - "Val: ".length());
      c.send("Action: DBPut\r\nActionID: 2\r\nFamily: F\r\nKey: k\r\nVal: " + fits + "\r\n\r\n");
      assertThat(c.packet()).contains("Message: Updated database successfully");
      c.send("Action: DBPut\r\nActionID: 3\r\nFamily: F\r\nKey: k\r\nVal: " + fits + "v\r\n\r\n");
      assertThat(c.packet())
          .containsExactly(
              "Response: Error", "ActionID: 3", "Message: Failed to parse message: line too long");
      assertThat(model.astdb().get("F", "k")).contains(fits);
    }
  }

  @Test
  void writesNeedTheSystemClassAndReadsSystemOrReporting() throws IOException {
    server.user(
        new ManagerUser("reader", "pw", Set.of(AmiClass.REPORTING), Set.of(AmiClass.REPORTING)));
    try (WireClient c = new WireClient(server.host(), server.port())) {
      c.line();
      c.send(
          "Action: Login\r\nActionID: L\r\nUsername: reader\r\nSecret: pw\r\nEvents: off\r\n\r\n");
      c.response();
      c.send("Action: DBGetTree\r\nActionID: 1\r\n\r\n");
      assertThat(c.packet()).contains("Response: Success");
      c.packet();
      c.send("Action: DBPut\r\nActionID: 2\r\nFamily: F\r\nKey: k\r\nVal: v\r\n\r\n");
      assertThat(c.packet())
          .containsExactly("Response: Error", "ActionID: 2", "Message: Permission denied");
      c.send("Action: DBDel\r\nActionID: 3\r\nFamily: F\r\nKey: k\r\n\r\n");
      assertThat(c.packet()).contains("Message: Permission denied");
    }
  }
}
