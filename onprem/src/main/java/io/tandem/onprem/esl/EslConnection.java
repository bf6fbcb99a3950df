package io.tandem.onprem.esl;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.onprem.pbx.Deadline;
import io.tandem.onprem.pbx.LinkBrokenException;
import io.tandem.onprem.pbx.LoginRefusedException;
import io.tandem.onprem.pbx.NoAnswerException;
import io.tandem.onprem.pbx.PbxSession;
import io.tandem.onprem.pbx.WireSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One authenticated FreeSWITCH event-socket session (inbound mode), speaking the text protocol of
 * mod_event_socket.c: header blocks of {@code Name: value} lines ended by an empty line, an
 * optional body of {@code Content-Length} bytes; {@code auth <password>} (or {@code userauth
 * user@domain:password}), then {@code api <command>} (answered by {@code api/response}) or {@code
 * bgapi <command>} (answered at once by {@code +OK Job-UUID}).
 *
 * <p>Hand-written on purpose: the Java ESL client served on Maven Central ({@code
 * org.freeswitch.esl.client:org.freeswitch.esl.client} 0.9.2, checked with {@code dependency:get})
 * was built in 2010 and depends on Netty 3.2 ({@code org.jboss.netty}) and slf4j 1.6; Tandem needs
 * three message types of a simple line protocol, which is less code than carrying that.
 *
 * <p>Every read is bounded by the caller's {@link Deadline}. A timeout leaves the connection usable
 * ({@link NoAnswerException}): answers come in order and carry no request id, so the number of
 * abandoned commands is counted and their late answers are skipped before the next command's. A
 * closed socket breaks it ({@link LinkBrokenException}). Not thread-safe: a {@link PbxSession}
 * serialises use.
 */
final class EslConnection implements PbxSession.Link {

  private static final int MAX_HEADER_LINES = 200;
  private static final int MAX_BODY = 4 * 1024 * 1024;

  private final WireSocket wire;
  private final String where;
  private final Map<String, String> partial = new LinkedHashMap<>();
  private boolean headersDone;
  private int abandoned;

  private EslConnection(WireSocket wire) {
    this.wire = wire;
    this.where = wire.where();
  }

  /**
   * Connects and authenticates.
   *
   * @throws LoginRefusedException the password was refused ("-ERR invalid")
   * @throws io.tandem.core.error.TransientException unreachable, or no answer in time
   */
  static EslConnection open(EslSettings settings, Deadline d) {
    return WireSocket.open(
        "FreeSWITCH at " + settings.access().where(),
        settings.access(),
        d,
        wire -> {
          EslConnection c = new EslConnection(wire);
          Message greeting = c.read("the greeting", d);
          if (!"auth/request".equals(greeting.contentType())) {
            throw new ProtocolException(c.where + " greeted with " + greeting.contentType());
          }
          var user = settings.access().user();
          c.write(
              user.map(u -> "userauth " + u + ":" + settings.access().secret())
                  .orElse("auth " + settings.access().secret()),
              "auth",
              d);
          Message reply = c.read("auth", d);
          String text = String.valueOf(reply.header("reply-text"));
          if (!text.startsWith("+OK")) {
            c.close();
            throw new LoginRefusedException(
                "event socket login refused"
                    + user.map(u -> " for user " + u).orElse("")
                    + " at "
                    + c.where
                    + ": \""
                    + text
                    + "\"");
          }
          return c;
        });
  }

  /** Runs {@code api <command>} and returns the response body. */
  String api(String command, Deadline d) {
    skipAbandoned(command, d);
    write("api " + command, command, d);
    abandoned++; // until its answer is read
    // Bounded: at most 1000 unrelated messages (events, logs) are skipped.
    for (int skipped = 0; skipped < 1000; skipped++) {
      Message m = read(command, d);
      if (isAnswer(m)) {
        abandoned--;
      }
      String type = m.contentType();
      if ("api/response".equals(type)) {
        return m.body();
      }
      if ("command/reply".equals(type)) {
        throw refused(command, m);
      }
      if ("text/disconnect-notice".equals(type)) {
        close();
        throw new LinkBrokenException(
            where
                + " closed the event socket "
                + Deadline.words(d.elapsed())
                + " into 'api "
                + command
                + "'",
            null);
      }
    }
    throw new ProtocolException(where + " sent no api/response to '" + command + "'");
  }

  /** Runs {@code bgapi <command>}: FreeSWITCH answers at once and runs it in the background. */
  String bgapi(String command, Deadline d) {
    skipAbandoned(command, d);
    write("bgapi " + command, command, d);
    abandoned++;
    for (int skipped = 0; skipped < 1000; skipped++) {
      Message m = read(command, d);
      if ("command/reply".equals(m.contentType())) {
        abandoned--;
        String text = String.valueOf(m.header("reply-text"));
        if (!text.startsWith("+OK")) {
          throw refused(command, m);
        }
        return String.valueOf(m.header("job-uuid"));
      }
    }
    throw new ProtocolException(where + " sent no reply to 'bgapi " + command + "'");
  }

  /** Reads (and drops) the late answers of commands whose callers gave up waiting. */
  private void skipAbandoned(String command, Deadline d) {
    // Bounded by the deadline (each read) and by the count.
    while (abandoned > 0) {
      Message m = read(command, d);
      if (isAnswer(m)) {
        abandoned--;
      } else if ("text/disconnect-notice".equals(m.contentType())) {
        close();
        throw new LinkBrokenException(where + " closed the event socket", null);
      }
    }
  }

  private static boolean isAnswer(Message m) {
    return "api/response".equals(m.contentType()) || "command/reply".equals(m.contentType());
  }

  private RuntimeException refused(String command, Message m) {
    // an api refused before it ran, e.g. not in the user's esl-allowed-api
    String text = String.valueOf(m.header("reply-text"));
    if (text.contains("permission denied")) {
      return new PermissionException(
          where + " does not allow 'api " + command + "' for this login (esl-allowed-api)");
    }
    return new ProtocolException(where + " answered '" + command + "' with " + text);
  }

  @Override
  public void ping(Deadline d) {
    api("status", d);
  }

  boolean isOpen() {
    return wire.isOpen();
  }

  /** Sends {@code exit} without waiting, then closes; quiet and idempotent. */
  @Override
  public void close() {
    wire.close("exit\n\n");
  }

  private void write(String line, String what, Deadline d) {
    wire.write(line + "\n\n", "'" + what + "'", d);
  }

  /** The next message; one begun before an earlier caller gave up is completed first. */
  private Message read(String what, Deadline d) {
    try {
      // Bounded by MAX_HEADER_LINES lines.
      for (int i = partial.size(); !headersDone && i < MAX_HEADER_LINES; i++) {
        String line = wire.readLine(d);
        if (line.isEmpty()) {
          headersDone = !partial.isEmpty();
          continue;
        }
        int colon = line.indexOf(':');
        if (colon > 0) {
          partial.put(
              line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
              line.substring(colon + 1).trim());
        }
      }
      if (!headersDone) {
        throw new ProtocolException(where + " sent a header block longer than " + MAX_HEADER_LINES);
      }
      String length = partial.get("content-length");
      String body = "";
      if (length != null) {
        int n;
        try {
          n = Integer.parseInt(length.trim());
        } catch (NumberFormatException e) {
          // found by EslFrameFuzzProperties: it escaped as an uncategorised exception
          throw new ProtocolException(where + " sent an unreadable Content-Length");
        }
        if (n < 0 || n > MAX_BODY) {
          throw new ProtocolException(where + " sent an implausible Content-Length " + n);
        }
        body = new String(wire.readBody(n, d), StandardCharsets.UTF_8);
      }
      Message m = new Message(Map.copyOf(partial), body);
      partial.clear();
      headersDone = false;
      return m;
    } catch (IOException e) {
      throw wire.failed("'" + what + "'", d, e);
    }
  }

  private record Message(Map<String, String> headers, String body) {
    String contentType() {
      return headers.get("content-type");
    }

    String header(String name) {
      return headers.get(name);
    }
  }
}
