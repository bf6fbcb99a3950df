package io.tandem.sim.pbx;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Formats and reads Asterisk Manager packets as main/manager.c writes them: {@code Key: Value}
 * lines ended by {@code \r\n}, a packet ended by an empty line. Responses start with {@code
 * Response:}, then {@code ActionID:} when the action had one, then {@code EventList:} for lists,
 * then {@code Message:} ({@code astman_send_response_full}); list items are events carrying the
 * ActionID, closed by a {@code ...Complete} event with {@code EventList: Complete} and {@code
 * ListItems} ({@code astman_send_list_complete_start_common}). Stateless.
 */
final class AmiPacket {

  private static final int MAX_LINES = 1000;

  /**
   * main/manager.c {@code get_input}: the session buffer holds 1024 bytes ({@code inbuf[1025]}); a
   * line whose CRLF does not fit in it (more than 1022 bytes before the CRLF) is discarded and the
   * message answered "Failed to parse message: line too long" ({@code handle_parse_error}).
   */
  static final int MAX_LINE_BYTES = 1022;

  /** Marks a packet that had a line too long (not a header name Asterisk could receive). */
  static final String LINE_TOO_LONG = "\0line-too-long";

  private AmiPacket() {}

  /** A response: result, optional ActionID and Message, then extra headers. */
  static String response(String id, String result, String message, String... kv) {
    StringBuilder sb = new StringBuilder("Response: ").append(result).append("\r\n");
    appendId(sb, id);
    if (message != null) {
      sb.append("Message: ").append(message).append("\r\n");
    }
    appendKv(sb, kv);
    return sb.append("\r\n").toString();
  }

  static String error(String id, String message) {
    return response(id, "Error", message);
  }

  static String ack(String id, String message) {
    return response(id, "Success", message);
  }

  /** {@code astman_send_listack}: Success with {@code EventList: start} before the Message. */
  static String listStart(String id, String message) {
    StringBuilder sb = new StringBuilder("Response: Success\r\n");
    appendId(sb, id);
    sb.append("EventList: start\r\n").append("Message: ").append(message).append("\r\n");
    return sb.append("\r\n").toString();
  }

  /** An event; {@code id} null for unsolicited events. */
  static String event(String event, String id, String... kv) {
    StringBuilder sb = new StringBuilder("Event: ").append(event).append("\r\n");
    appendId(sb, id);
    appendKv(sb, kv);
    return sb.append("\r\n").toString();
  }

  /** The closing event of a list, with extra headers after {@code ListItems}. */
  static String complete(String event, String id, int items, String... kv) {
    StringBuilder sb = new StringBuilder("Event: ").append(event).append("\r\n");
    appendId(sb, id);
    sb.append("EventList: Complete\r\nListItems: ").append(items).append("\r\n");
    appendKv(sb, kv);
    return sb.append("\r\n").toString();
  }

  /**
   * Reads one packet; keys lower-cased, the first of repeated keys kept (Asterisk's {@code
   * astman_get_header} takes the first match), values as {@code __astman_get_header} returns them:
   * leading bytes below 33 skipped ({@code ast_skip_blanks}), trailing ones kept; null at end of
   * stream or for a runaway packet. A line longer than {@link #MAX_LINE_BYTES} marks the packet
   * with {@link #LINE_TOO_LONG}.
   */
  static Map<String, String> read(BufferedReader in) throws IOException {
    Map<String, String> packet = new LinkedHashMap<>();
    for (int lines = 0; lines < MAX_LINES; lines++) {
      String line = in.readLine();
      if (line == null) {
        return null;
      }
      if (line.isEmpty()) {
        if (packet.isEmpty()) {
          continue;
        }
        return packet;
      }
      if (line.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LINE_BYTES) {
        packet.put(LINE_TOO_LONG, "");
        continue;
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        String value = line.substring(colon + 1);
        int skip = 0;
        while (skip < value.length() && value.charAt(skip) < 33) {
          skip++;
        }
        packet.putIfAbsent(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT), value.substring(skip));
      }
    }
    return null;
  }

  private static void appendId(StringBuilder sb, String id) {
    if (id != null && !id.isEmpty()) {
      sb.append("ActionID: ").append(id).append("\r\n");
    }
  }

  private static void appendKv(StringBuilder sb, String... kv) {
    for (int i = 0; i < kv.length; i += 2) {
      sb.append(kv[i]).append(": ").append(kv[i + 1]).append("\r\n");
    }
  }
}
