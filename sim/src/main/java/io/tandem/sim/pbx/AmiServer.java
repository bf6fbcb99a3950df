package io.tandem.sim.pbx;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A simulated Asterisk Manager Interface (AMI) server over TCP, following Asterisk's documented
 * wire protocol: banner {@code Asterisk Call Manager/9.0.0}, packets of {@code Key: Value} lines
 * ending with an empty line ({@code \r\n}), {@code Action}/{@code ActionID}, {@code Response:
 * Success|Error} with {@code Message}, and event lists (a {@code EventList: start} response, one
 * event per item, then a {@code ...Complete} event with {@code EventList: Complete} and {@code
 * ListItems}).
 *
 * <p>Actions: Challenge (MD5), Login (plain {@code Secret} or MD5 {@code Key}), Logoff, Ping,
 * CoreSettings, CoreStatus, CoreShowChannels, PJSIPShowRegistrationsOutbound, PJSIPShowContacts,
 * PJSIPRegister, PJSIPUnregister, ModuleLoad, Setvar/Getvar (globals), Command ({@code core stop
 * gracefully}, {@code core show version}). State lives in a {@link PbxModel}; faults in {@link
 * PbxFaults}. A failed login answers {@code Authentication failed} and closes the connection, as
 * Asterisk does. The global {@value #ACCEPT_VARIABLE} set to {@code 0} makes the model refuse new
 * calls (the dialplan convention documented in {@code docs/pbx-setup.md}).
 */
public final class AmiServer extends LineServer {

  /** Dialplan global that gates new calls; {@code 0} refuses them. */
  public static final String ACCEPT_VARIABLE = "TANDEM_ACCEPT_CALLS";

  private final PbxModel model;
  private final PbxFaults faults;
  private final String username;
  private final String secret;
  private final AtomicInteger logins = new AtomicInteger();

  /** Starts listening on 127.0.0.1 with an ephemeral port. */
  public AmiServer(PbxModel model, PbxFaults faults, String username, String secret) {
    super("ami");
    this.model = model;
    this.faults = faults;
    this.username = username;
    this.secret = secret;
  }

  /** Successful logins so far (shows reconnects). */
  public int logins() {
    return logins.get();
  }

  @Override
  void serve(Socket socket) throws IOException, InterruptedException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    OutputStream out = socket.getOutputStream();
    write(out, "Asterisk Call Manager/9.0.0\r\n");
    boolean authenticated = false;
    String challenge = null;
    while (true) {
      Map<String, String> action = readPacket(in);
      if (action == null) {
        return;
      }
      String name = action.getOrDefault("action", "").toLowerCase(Locale.ROOT);
      String id = action.get("actionid");
      if (faults.takeDrop()) {
        return;
      }
      if (authenticated) {
        faults.delay();
      }
      switch (name) {
        case "challenge" -> {
          challenge = String.valueOf(ThreadLocalRandom.current().nextInt(100_000_000, 999_999_999));
          write(out, response(id, "Success", null, "Challenge", challenge));
        }
        case "login" -> {
          if (loginOk(action, challenge)) {
            authenticated = true;
            logins.incrementAndGet();
            write(out, response(id, "Success", "Authentication accepted"));
          } else {
            write(out, response(id, "Error", "Authentication failed"));
            return;
          }
        }
        case "logoff" -> {
          write(out, response(id, "Goodbye", "Thanks for all the fish."));
          return;
        }
        default -> {
          if (!authenticated) {
            write(out, response(id, "Error", "Authentication Required"));
          } else {
            write(out, handle(name, action, id));
          }
        }
      }
    }
  }

  private boolean loginOk(Map<String, String> action, String challenge) {
    if (!username.equals(action.get("username"))) {
      return false;
    }
    String key = action.get("key");
    if ("md5".equalsIgnoreCase(action.get("authtype")) && key != null && challenge != null) {
      return key.equalsIgnoreCase(md5(challenge + secret));
    }
    return secret.equals(action.get("secret"));
  }

  private String handle(String name, Map<String, String> a, String id) {
    return switch (name) {
      case "ping" -> response(id, "Success", null, "Ping", "Pong", "Timestamp", now() + ".000000");
      case "coresettings" ->
          response(
              id,
              "Success",
              null,
              "AMIversion",
              "9.0.0",
              "AsteriskVersion",
              model.version(),
              "SystemName",
              "sim",
              "CoreMaxCalls",
              "0");
      case "corestatus" ->
          response(
              id,
              "Success",
              null,
              "CoreStartupDate",
              "2026-01-01",
              "CoreStartupTime",
              "00:00:00",
              "CoreReloadDate",
              "2026-01-01",
              "CoreReloadTime",
              "00:00:00",
              "CoreCurrentCalls",
              String.valueOf(model.channels().size() / 2));
      case "coreshowchannels" -> coreShowChannels(id);
      case "pjsipshowregistrationsoutbound" -> registrations(id);
      case "pjsipshowcontacts" -> contacts(id);
      case "pjsipregister", "pjsipunregister" -> {
        String reg = a.getOrDefault("registration", "");
        boolean register = name.equals("pjsipregister");
        if (!model.setRegistered(reg, register)) {
          yield response(id, "Error", "Unable to retrieve registration entry " + reg);
        }
        yield response(
            id, "Success", register ? "Re-registration queued" : "Unregistration queued");
      }
      case "moduleload" -> {
        String module = a.getOrDefault("module", "");
        model.moduleReloaded(module);
        yield response(id, "Success", "Module '" + module + "' reloaded successfully.");
      }
      case "setvar" -> {
        String variable = a.getOrDefault("variable", "");
        String value = a.getOrDefault("value", "");
        model.setGlobal(variable, value);
        if (variable.equals(ACCEPT_VARIABLE)) {
          model.acceptingCalls(!value.equals("0"));
        }
        yield response(id, "Success", "Variable Set");
      }
      case "getvar" -> {
        String variable = a.getOrDefault("variable", "");
        String value = model.global(variable);
        yield response(
            id, "Success", null, "Variable", variable, "Value", value == null ? "" : value);
      }
      case "command" -> command(id, a.getOrDefault("command", ""));
      default -> response(id, "Error", "Invalid/unknown command");
    };
  }

  private String command(String id, String command) {
    List<String> output = new ArrayList<>();
    switch (command.trim()) {
      case "core stop gracefully" -> model.requestGracefulStop();
      case "core show version" -> output.add("Asterisk " + model.version() + " built by sim");
      default -> {
        return response(
            id,
            "Error",
            "Command output follows",
            "Output",
            "No such command '"
                + command
                + "' (type 'core show help "
                + command
                + "' for other possible commands)");
      }
    }
    StringBuilder sb = new StringBuilder(response(id, "Success", "Command output follows"));
    sb.setLength(sb.length() - 2);
    output.forEach(line -> sb.append("Output: ").append(line).append("\r\n"));
    return sb.append("\r\n").toString();
  }

  private String coreShowChannels(String id) {
    List<String> channels = model.channels();
    StringBuilder sb = new StringBuilder(listStart(id, "Channels will follow"));
    for (String c : channels) {
      sb.append(event("CoreShowChannel", id, "Channel", c, "ChannelStateDesc", "Up"));
    }
    sb.append(complete("CoreShowChannelsComplete", id, channels.size()));
    return sb.toString();
  }

  private String registrations(String id) {
    Map<String, Boolean> regs = model.registrations();
    StringBuilder sb =
        new StringBuilder(listStart(id, "Following are Events for each Outbound registration"));
    int registered = 0;
    for (var e : regs.entrySet()) {
      registered += e.getValue() ? 1 : 0;
      sb.append(
          event(
              "OutboundRegistrationDetail",
              id,
              "ObjectType",
              "registration",
              "ObjectName",
              e.getKey(),
              "ServerUri",
              "sip:" + e.getKey() + ".carrier.test",
              "Status",
              e.getValue() ? "Registered" : "Unregistered",
              "NextReg",
              "0"));
    }
    String done = complete("OutboundRegistrationDetailComplete", id, regs.size());
    sb.append(done, 0, done.length() - 2)
        .append("Registered: ")
        .append(registered)
        .append("\r\nNotRegistered: ")
        .append(regs.size() - registered)
        .append("\r\n\r\n");
    return sb.toString();
  }

  private String contacts(String id) {
    Map<String, Boolean> contacts = model.contacts();
    StringBuilder sb =
        new StringBuilder(
            listStart(id, "A listing of Contacts follows, presented as ContactList events"));
    for (var e : contacts.entrySet()) {
      sb.append(
          event(
              "ContactList",
              id,
              "ObjectType",
              "contact",
              "ObjectName",
              e.getKey() + "/sip:" + e.getKey() + "@192.0.2.50:5060",
              "Endpoint",
              e.getKey(),
              "Uri",
              "sip:" + e.getKey() + "@192.0.2.50:5060",
              "Status",
              e.getValue() ? "Reachable" : "Unreachable"));
    }
    sb.append(complete("ContactListComplete", id, contacts.size()));
    return sb.toString();
  }

  private static String listStart(String id, String message) {
    String r = response(id, "Success", message);
    return r.substring(0, r.length() - 2) + "EventList: start\r\n\r\n";
  }

  private static String complete(String event, String id, int items) {
    return event(event, id, "EventList", "Complete", "ListItems", String.valueOf(items));
  }

  private static String event(String event, String id, String... kv) {
    StringBuilder sb = new StringBuilder("Event: ").append(event).append("\r\n");
    if (id != null) {
      sb.append("ActionID: ").append(id).append("\r\n");
    }
    for (int i = 0; i < kv.length; i += 2) {
      sb.append(kv[i]).append(": ").append(kv[i + 1]).append("\r\n");
    }
    return sb.append("\r\n").toString();
  }

  private static String response(String id, String result, String message, String... kv) {
    StringBuilder sb = new StringBuilder("Response: ").append(result).append("\r\n");
    if (id != null) {
      sb.append("ActionID: ").append(id).append("\r\n");
    }
    if (message != null) {
      sb.append("Message: ").append(message).append("\r\n");
    }
    for (int i = 0; i < kv.length; i += 2) {
      sb.append(kv[i]).append(": ").append(kv[i + 1]).append("\r\n");
    }
    return sb.append("\r\n").toString();
  }

  /** Reads one packet; keys lower-cased; null at end of stream. */
  private static Map<String, String> readPacket(BufferedReader in) throws IOException {
    Map<String, String> packet = new LinkedHashMap<>();
    for (int lines = 0; lines < 1000; lines++) {
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
      int colon = line.indexOf(':');
      if (colon > 0) {
        packet.putIfAbsent(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }
    return null; // runaway packet: treat as a broken client
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  private static String md5(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
