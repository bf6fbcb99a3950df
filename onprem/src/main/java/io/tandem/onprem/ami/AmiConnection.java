package io.tandem.onprem.ami;

import io.tandem.core.error.ProtocolException;
import io.tandem.onprem.pbx.Deadline;
import io.tandem.onprem.pbx.LinkBrokenException;
import io.tandem.onprem.pbx.LoginRefusedException;
import io.tandem.onprem.pbx.NoAnswerException;
import io.tandem.onprem.pbx.PbxSession;
import io.tandem.onprem.pbx.PbxStoppingException;
import io.tandem.onprem.pbx.WireSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One authenticated Asterisk Manager session over TCP, speaking the wire protocol as Asterisk's
 * main/manager.c writes it: a banner line, then packets of {@code Key: Value} lines ended by an
 * empty line; each action carries an {@code ActionID} that its response (and the events of a list
 * it starts) repeat; packets without our current ActionID (unsolicited events, a late answer to an
 * earlier action) are skipped.
 *
 * <p>Login is MD5 challenge/response ({@code Challenge}, then {@code Login} with {@code AuthType:
 * MD5} and {@code Key}), so the secret never crosses the wire, with {@code Events: off}. Every read
 * is bounded by the caller's {@link Deadline}. A read that times out leaves the connection usable
 * ({@link NoAnswerException}): the partly read packet is kept and the late answer is skipped by its
 * ActionID. A closed socket or an I/O error breaks it ({@link LinkBrokenException}, saying which
 * and after how long).
 *
 * <p>Not thread-safe: a {@link PbxSession} serialises use. See {@link PbxSession} for why this is
 * hand-written rather than asterisk-java.
 */
final class AmiConnection implements PbxSession.Link {

  /**
   * One packet: headers in order (a key may repeat, e.g. {@code Output}), each {@code {key, value
   * trimmed, value as sent}}; a line without a colon is kept with an empty key.
   */
  record Packet(List<String[]> headers) {

    /** The first value of {@code key} (case-insensitive). */
    Optional<String> get(String key) {
      for (String[] h : headers) {
        if (h[0].equalsIgnoreCase(key)) {
          return Optional.of(h[1]);
        }
      }
      return Optional.empty();
    }

    List<String> all(String key) {
      return headers.stream().filter(h -> h[0].equalsIgnoreCase(key)).map(h -> h[1]).toList();
    }

    /**
     * The first value of {@code key} exactly as Asterisk wrote it after {@code "Key: "}: blanks at
     * either end kept (an AstDB value is sent as {@code "Val: %s"}).
     */
    Optional<String> raw(String key) {
      for (String[] h : headers) {
        if (h[0].equalsIgnoreCase(key)) {
          return Optional.of(h[2]);
        }
      }
      return Optional.empty();
    }

    /**
     * Lines of the packet that are not {@code Key: Value} headers: a value that held a line break
     * (Asterisk writes values raw, so such a value spans lines).
     */
    List<String> strayLines() {
      return headers.stream().filter(h -> h[0].isEmpty()).map(h -> h[2]).toList();
    }

    boolean isError() {
      return get("Response").map(r -> r.equalsIgnoreCase("Error")).orElse(false);
    }

    String message() {
      return get("Message").orElse("");
    }
  }

  private static final int MAX_HEADER_LINES = 500;
  private static final String SHUTTING_DOWN = "Asterisk is shutting down";

  private final WireSocket wire;
  private final String where;
  private final List<String[]> partial = new ArrayList<>();
  private long nextId = 1;

  private AmiConnection(WireSocket wire) {
    this.wire = wire;
    this.where = wire.where();
  }

  /**
   * Connects and logs in.
   *
   * @throws LoginRefusedException the credentials were refused, in Asterisk's words
   * @throws PbxStoppingException Asterisk is shutting down (not a credentials problem)
   * @throws io.tandem.core.error.TransientException unreachable, or no answer in time
   */
  static AmiConnection open(AmiSettings settings, Deadline d) {
    return WireSocket.open(
        "Asterisk at " + settings.access().where(),
        settings.access(),
        d,
        wire -> {
          AmiConnection c = new AmiConnection(wire);
          String banner = wire.readLine(d);
          if (!banner.startsWith("Asterisk Call Manager/")) {
            throw new ProtocolException(
                c.where + " is not an Asterisk Manager: it greeted '" + banner + "'");
          }
          c.login(settings, d);
          return c;
        });
  }

  private void login(AmiSettings settings, Deadline d) {
    String user = settings.username();
    Packet challenge = action("Challenge", d, "AuthType", "MD5");
    if (challenge.isError()) {
      throw loginError(user, challenge.message());
    }
    String key = md5(challenge.get("Challenge").orElse("") + settings.access().secret());
    Packet login =
        action("Login", d, "Username", user, "AuthType", "MD5", "Key", key, "Events", "off");
    if (login.isError()) {
      throw loginError(user, login.message());
    }
  }

  private RuntimeException loginError(String user, String message) {
    if (message.equalsIgnoreCase(SHUTTING_DOWN)) {
      return new PbxStoppingException(
          where + " refused the login of " + user + ": \"" + SHUTTING_DOWN + "\"");
    }
    return new LoginRefusedException(
        "AMI login refused for user " + user + " at " + where + ": \"" + message + "\"");
  }

  /**
   * Sends an action and returns its response (an Error response too; an Error "Asterisk is shutting
   * down" throws {@link PbxStoppingException}).
   */
  Packet action(String action, Deadline d, String... kv) {
    String id = send(action, d, kv);
    // Bounded: each packet read is bounded by the deadline.
    while (true) {
      Packet p = read(action, d);
      if (id.equals(p.get("ActionID").orElse(null)) && p.get("Response").isPresent()) {
        if (p.isError() && p.message().equalsIgnoreCase(SHUTTING_DOWN)) {
          throw new PbxStoppingException(
              where + " answered " + action + ": \"" + SHUTTING_DOWN + "\"");
        }
        return p;
      }
      // an unsolicited event, or a late answer to an earlier action: not ours
    }
  }

  /**
   * An action that answers with a list: its response, then the events carrying our ActionID up to
   * the one with {@code EventList: Complete}. An Error response returns alone.
   */
  List<Packet> list(String action, Deadline d, String... kv) {
    Packet response = action(action, d, kv);
    List<Packet> all = new ArrayList<>();
    all.add(response);
    if (response.isError()) {
      return all;
    }
    String id = response.get("ActionID").orElseThrow();
    // Bounded by the deadline.
    while (true) {
      Packet p = read(action, d);
      if (!id.equals(p.get("ActionID").orElse(null)) || p.get("Event").isEmpty()) {
        continue;
      }
      all.add(p);
      if (p.get("EventList").map(v -> v.equalsIgnoreCase("Complete")).orElse(false)) {
        return all;
      }
    }
  }

  @Override
  public void ping(Deadline d) {
    Packet pong = action("Ping", d);
    if (pong.isError()) {
      throw new ProtocolException(where + " answered Ping with \"" + pong.message() + "\"");
    }
  }

  /** Sends an action without waiting for anything (a command that never answers). */
  void fire(String action, Deadline d, String... kv) {
    send(action, d, kv);
  }

  /** Waits up to the deadline for a response to the last action; empty if none came in time. */
  Optional<Packet> awaitResponse(String action, Deadline d) {
    String id = String.valueOf(nextId - 1);
    try {
      // Bounded by the deadline.
      while (true) {
        Packet p = read(action, d);
        if (id.equals(p.get("ActionID").orElse(null)) && p.get("Response").isPresent()) {
          return Optional.of(p);
        }
      }
    } catch (LinkBrokenException | NoAnswerException timedOutOrClosed) {
      return Optional.empty();
    }
  }

  boolean isOpen() {
    return wire.isOpen();
  }

  /** Sends Logoff without waiting, then closes; quiet and idempotent. */
  @Override
  public void close() {
    wire.close("Action: Logoff\r\nActionID: " + nextId++ + "\r\n\r\n");
  }

  private String send(String action, Deadline d, String... kv) {
    String id = String.valueOf(nextId++);
    StringBuilder sb =
        new StringBuilder("Action: ").append(action).append("\r\nActionID: ").append(id);
    for (int i = 0; i < kv.length; i += 2) {
      sb.append("\r\n").append(kv[i]).append(": ").append(kv[i + 1]);
    }
    sb.append("\r\n\r\n");
    wire.write(sb.toString(), action, d);
    return id;
  }

  /** The next packet; a packet begun before an earlier caller gave up is completed first. */
  private Packet read(String action, Deadline d) {
    try {
      for (int i = partial.size(); i < MAX_HEADER_LINES; i++) {
        String line = wire.readRawLine(d);
        if (line.isBlank()) {
          if (partial.isEmpty()) {
            continue;
          }
          Packet p = new Packet(List.copyOf(partial));
          partial.clear();
          return p;
        }
        int colon = line.indexOf(':');
        if (colon > 0) {
          String raw = line.substring(colon + 1);
          partial.add(
              new String[] {
                line.substring(0, colon).trim(),
                raw.trim(),
                raw.startsWith(" ") ? raw.substring(1) : raw
              });
        } else {
          partial.add(new String[] {"", "", line});
        }
      }
    } catch (IOException e) {
      throw wire.failed(action, d, e);
    }
    throw new ProtocolException(
        where + " sent a packet of more than " + MAX_HEADER_LINES + " lines");
  }

  static String md5(String text) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)))
          .toLowerCase(Locale.ROOT);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
