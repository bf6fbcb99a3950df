package io.tandem.sim.pbx;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The AMI actions of the simulated Asterisk and their answers, each as the cited Asterisk function
 * writes it. The write classes per action are those of their {@code ast_manager_register_xml*} call
 * (main/manager.c {@code __init_manager}, res/res_pjsip_outbound_registration.c, res/res_pjsip/
 * pjsip_options.c). PJSIP actions exist only while res_pjsip is loaded ({@link
 * PbxModel#withoutPjsip()} makes them unknown). The AstDB actions ({@code DBGet}, {@code
 * DBGetTree}, {@code DBPut}, {@code DBDel}, {@code DBDelTree}) are in {@link AmiDbActions}.
 * Stateless apart from the model.
 */
final class AmiActions {

  /** What an action answered, or that it runs the shutdown and never answers. */
  record Reply(String text, boolean stopsTheProcess) {
    static Reply of(String text) {
      return new Reply(text, false);
    }
  }

  private static final Set<AmiClass> ANY = EnumSet.noneOf(AmiClass.class);
  private static final Set<String> PJSIP =
      Set.of(
          "pjsipshowcontacts",
          "pjsipregister",
          "pjsipunregister",
          "pjsipshowregistrationsoutbound");
  private static final Map<String, Set<AmiClass>> CLASSES =
      Map.ofEntries(
          Map.entry("ping", ANY),
          Map.entry("events", ANY),
          Map.entry("listcommands", ANY),
          Map.entry("setvar", EnumSet.of(AmiClass.CALL)),
          Map.entry("getvar", EnumSet.of(AmiClass.CALL, AmiClass.REPORTING)),
          Map.entry("originate", EnumSet.of(AmiClass.ORIGINATE)),
          Map.entry("command", EnumSet.of(AmiClass.COMMAND)),
          Map.entry("coresettings", EnumSet.of(AmiClass.SYSTEM, AmiClass.REPORTING)),
          Map.entry("corestatus", EnumSet.of(AmiClass.SYSTEM, AmiClass.REPORTING)),
          Map.entry("coreshowchannels", EnumSet.of(AmiClass.SYSTEM, AmiClass.REPORTING)),
          Map.entry("modulecheck", EnumSet.of(AmiClass.SYSTEM)),
          Map.entry("moduleload", EnumSet.of(AmiClass.SYSTEM)),
          Map.entry("pjsipshowcontacts", EnumSet.of(AmiClass.SYSTEM)),
          Map.entry("pjsipregister", EnumSet.of(AmiClass.SYSTEM, AmiClass.REPORTING)),
          Map.entry("pjsipunregister", EnumSet.of(AmiClass.SYSTEM, AmiClass.REPORTING)),
          Map.entry(
              "pjsipshowregistrationsoutbound", EnumSet.of(AmiClass.SYSTEM, AmiClass.REPORTING)));
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd");
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final PbxModel model;
  private final AmiDbActions db;

  AmiActions(PbxModel model) {
    this.model = model;
    this.db = new AmiDbActions(model.astdb());
  }

  /**
   * Runs {@code action} (lower case) for a logged-in session with the given write classes.
   * main/manager.c {@code process_message}: unknown → "Invalid/unknown command"; not permitted →
   * "Permission denied".
   */
  Reply handle(String action, Map<String, String> a, String id, Set<AmiClass> write) {
    Set<AmiClass> needs = CLASSES.getOrDefault(action, AmiDbActions.CLASSES.get(action));
    if (needs == null || (PJSIP.contains(action) && !model.pjsip())) {
      return Reply.of(
          AmiPacket.error(
              id,
              "Invalid/unknown command: "
                  + a.get("action")
                  + ". Use Action: ListCommands to show available commands."));
    }
    if (!needs.isEmpty() && needs.stream().noneMatch(write::contains)) {
      return Reply.of(AmiPacket.error(id, "Permission denied"));
    }
    return switch (action) {
      case "ping" -> Reply.of(ping(id));
      case "coresettings" -> Reply.of(coreSettings(id));
      case "corestatus" -> Reply.of(coreStatus(id));
      case "coreshowchannels" -> Reply.of(coreShowChannels(id));
      case "pjsipshowregistrationsoutbound" -> Reply.of(registrations(id));
      case "pjsipshowcontacts" -> Reply.of(contacts(id));
      case "pjsipregister", "pjsipunregister" -> Reply.of(register(action, a, id));
      case "moduleload" -> Reply.of(moduleLoad(a, id));
      case "setvar" -> Reply.of(setvar(a, id));
      case "getvar" -> Reply.of(getvar(a, id));
      case "originate" -> Reply.of(originate(a, id));
      case "command" -> command(id, a.getOrDefault("command", ""));
      case "dbget", "dbgettree", "dbput", "dbdel", "dbdeltree" ->
          Reply.of(db.handle(action, a, id));
      default -> Reply.of(AmiPacket.ack(id, null));
    };
  }

  /** main/manager.c {@code action_ping}. */
  private String ping(String id) {
    Instant now = model.clock().instant();
    return AmiPacket.response(
        id,
        "Success",
        null,
        "Ping",
        "Pong",
        "Timestamp",
        String.format(Locale.ROOT, "%d.%06d", now.getEpochSecond(), now.getNano() / 1000));
  }

  /** main/manager.c {@code action_coresettings}. */
  private String coreSettings(String id) {
    return AmiPacket.response(
        id,
        "Success",
        null,
        "AMIversion",
        "13.0.0",
        "AsteriskVersion",
        model.version(),
        "SystemName",
        "",
        "CoreMaxCalls",
        "0",
        "CoreMaxLoadAvg",
        "0.000000",
        "CoreRunUser",
        "asterisk",
        "CoreRunGroup",
        "asterisk",
        "CoreMaxFilehandles",
        "0",
        "CoreRealTimeEnabled",
        "No",
        "CoreCDRenabled",
        "Yes",
        "CoreHTTPenabled",
        "No",
        "SoundsSearchCustomDir",
        "No");
  }

  /**
   * main/manager.c {@code action_corestatus}: dates in the PBX host's local time; {@code
   * CoreCurrentCalls} is {@code ast_active_channels()} (channels, not calls).
   */
  private String coreStatus(String id) {
    ZoneId zone = model.clock().getZone();
    Instant start = model.startedAt();
    Instant reload = model.lastReload();
    return AmiPacket.response(
        id,
        "Success",
        null,
        "CoreStartupDate",
        DATE.format(start.atZone(zone)),
        "CoreStartupTime",
        TIME.format(start.atZone(zone)),
        "CoreReloadDate",
        DATE.format(reload.atZone(zone)),
        "CoreReloadTime",
        TIME.format(reload.atZone(zone)),
        "CoreCurrentCalls",
        String.valueOf(model.channels().size()),
        "CoreProcessedCalls",
        String.valueOf(model.processedCalls()));
  }

  /** main/manager.c {@code action_coreshowchannels}, with the channel state string. */
  private String coreShowChannels(String id) {
    List<PbxModel.Channel> channels = model.channelDetails();
    StringBuilder sb = new StringBuilder(AmiPacket.listStart(id, "Channels will follow"));
    Instant now = model.clock().instant();
    for (PbxModel.Channel c : channels) {
      List<String> kv = new ArrayList<>(List.of(channelState(c)));
      long secs = Math.max(0, Duration.between(model.startedAt(), now).toSeconds());
      kv.addAll(
          List.of(
              "Application",
              c.bridgeId().isEmpty() ? "Playback" : "Dial",
              "ApplicationData",
              "",
              "Duration",
              String.format(
                  Locale.ROOT, "%02d:%02d:%02d", secs / 3600, (secs % 3600) / 60, secs % 60),
              "BridgeId",
              c.bridgeId()));
      sb.append(AmiPacket.event("CoreShowChannel", id, kv.toArray(String[]::new)));
    }
    sb.append(AmiPacket.complete("CoreShowChannelsComplete", id, channels.size()));
    return sb.toString();
  }

  /** main/manager_channels.c {@code ast_manager_build_channel_state_string_prefix}. */
  static String[] channelState(PbxModel.Channel c) {
    return new String[] {
      "Channel", c.name(),
      "ChannelState", "6",
      "ChannelStateDesc", "Up",
      "CallerIDNum", "<unknown>",
      "CallerIDName", "<unknown>",
      "ConnectedLineNum", "<unknown>",
      "ConnectedLineName", "<unknown>",
      "Language", "en",
      "AccountCode", "",
      "Context", "from-trunk",
      "Exten", "s",
      "Priority", "1",
      "Uniqueid", c.uniqueId(),
      "Linkedid", c.linkedId()
    };
  }

  /** res_pjsip_outbound_registration.c {@code ami_show_outbound_registrations}. */
  private String registrations(String id) {
    Map<String, Boolean> regs = model.registrations();
    StringBuilder sb =
        new StringBuilder(
            AmiPacket.listStart(id, "Following are Events for each Outbound registration"));
    int registered = 0;
    for (var e : regs.entrySet()) {
      registered += e.getValue() ? 1 : 0;
      sb.append(
          AmiPacket.event(
              "OutboundRegistrationDetail",
              id,
              "ObjectType",
              "registration",
              "ObjectName",
              e.getKey(),
              "ServerUri",
              "sip:" + e.getKey() + ".carrier.test",
              "ClientUri",
              "sip:tandem@" + e.getKey() + ".carrier.test",
              "Status",
              e.getValue() ? "Registered" : "Unregistered",
              "NextReg",
              "0"));
    }
    sb.append(
        AmiPacket.complete(
            "OutboundRegistrationDetailComplete",
            id,
            regs.size(),
            "Registered",
            String.valueOf(registered),
            "NotRegistered",
            String.valueOf(regs.size() - registered)));
    return sb.toString();
  }

  /**
   * res_pjsip/pjsip_options.c {@code ami_show_contacts}: no contacts at all is an <em>error</em>
   * "No Contacts found" (the message carries a trailing newline, so the line after it is empty).
   */
  private String contacts(String id) {
    Map<String, PbxModel.ContactStatus> contacts = model.contactStatuses();
    if (contacts.isEmpty()) {
      return AmiPacket.error(id, "No Contacts found\n");
    }
    StringBuilder sb =
        new StringBuilder(
            AmiPacket.listStart(
                id, "A listing of Contacts follows, presented as ContactList events"));
    for (var e : contacts.entrySet()) {
      String uri = "sip:" + e.getKey() + "@192.0.2.50:5060";
      boolean up = e.getValue() == PbxModel.ContactStatus.REACHABLE;
      sb.append(
          AmiPacket.event(
              "ContactList",
              id,
              "ObjectType",
              "contact",
              "ObjectName",
              e.getKey() + ";@" + Integer.toHexString(uri.hashCode()),
              "Uri",
              uri,
              "Endpoint",
              e.getKey(),
              "QualifyFrequency",
              e.getValue() == PbxModel.ContactStatus.NON_QUALIFIED ? "0" : "60",
              "Status",
              e.getValue().label(),
              "RoundtripUsec",
              up ? "1843" : "N/A"));
    }
    sb.append(AmiPacket.complete("ContactListComplete", id, contacts.size()));
    return sb.toString();
  }

  /**
   * res_pjsip_outbound_registration.c {@code ami_register}/{@code ami_unregister}; an unknown name
   * answers "Unable to retrieve registration entry" (with a trailing newline, as Asterisk sends
   * it).
   */
  private String register(String action, Map<String, String> a, String id) {
    String reg = a.getOrDefault("registration", "");
    if (reg.isEmpty()) {
      return AmiPacket.error(id, "Registration parameter missing.");
    }
    boolean register = action.equals("pjsipregister");
    if (!model.setRegistered(reg, register)) {
      return AmiPacket.error(id, "Unable to retrieve registration entry\n");
    }
    return AmiPacket.ack(id, register ? "Reregistration sent" : "Unregistration sent");
  }

  /**
   * main/manager.c {@code manager_moduleload} with loader.c {@code ast_module_reload}: the module
   * must be a file in the modules directory ("Module not found."), and must implement reload
   * ("Module does not support reload action.").
   */
  private String moduleLoad(Map<String, String> a, String id) {
    String loadType = a.getOrDefault("loadtype", "");
    String module = a.getOrDefault("module", "").strip();
    if (loadType.isEmpty()) {
      return AmiPacket.error(id, "Incomplete ModuleLoad action.");
    }
    Boolean reloadable = model.modules().get(module);
    if (reloadable == null) {
      return AmiPacket.error(id, "Module not found.");
    }
    if (!loadType.equalsIgnoreCase("reload")) {
      return AmiPacket.error(id, "Could not " + loadType.toLowerCase(Locale.ROOT) + " module.");
    }
    if (!reloadable) {
      return AmiPacket.error(id, "Module does not support reload action.");
    }
    model.moduleReloaded(module);
    return AmiPacket.ack(id, "Module reloaded.");
  }

  /** main/manager.c {@code action_setvar} (no Channel: a global). */
  private String setvar(Map<String, String> a, String id) {
    String variable = a.getOrDefault("variable", "");
    if (variable.isEmpty()) {
      return AmiPacket.error(id, "No variable specified");
    }
    if (a.containsKey("channel") && !a.get("channel").isEmpty()) {
      return AmiPacket.error(id, "No such channel");
    }
    String value = a.getOrDefault("value", "");
    model.setGlobal(variable, value);
    if (variable.equals(AmiServer.ACCEPT_VARIABLE)) {
      model.acceptingCalls(!value.equals("0"));
    }
    return AmiPacket.ack(id, "Variable Set");
  }

  /** main/manager.c {@code action_getvar}. */
  private String getvar(Map<String, String> a, String id) {
    String variable = a.getOrDefault("variable", "");
    if (variable.isEmpty()) {
      return AmiPacket.error(id, "No variable specified");
    }
    String value = model.global(variable);
    return AmiPacket.response(
        id, "Success", null, "Variable", variable, "Value", value == null ? "" : value);
  }

  /** main/manager.c {@code action_originate}: queues a call (refused while shutting down). */
  private String originate(Map<String, String> a, String id) {
    String channel = a.getOrDefault("channel", "");
    if (channel.isEmpty()) {
      return AmiPacket.error(id, "Channel not specified");
    }
    model.addCall(channel + "-" + Long.toHexString(System.nanoTime()), "Local/s@from-trunk");
    return AmiPacket.ack(id, "Originate successfully queued");
  }

  /**
   * main/manager.c {@code action_command}: Success or Error, then "Message: Command output follows"
   * and one {@code Output:} line per line of CLI output.
   */
  private Reply command(String id, String command) {
    List<String> output = new ArrayList<>();
    String c = command.trim().replaceAll("\\s+", " ");
    switch (c) {
      case "core stop gracefully" -> {
        return new Reply("", true);
      }
      case "core show version" ->
          output.add(
              "Asterisk "
                  + model.version()
                  + " built by sim @ localhost on a x86_64 running Linux");
      case "core show uptime seconds" -> {
        Instant now = model.clock().instant();
        output.add("System uptime: " + Duration.between(model.startedAt(), now).toSeconds());
        output.add("Last reload: " + Duration.between(model.lastReload(), now).toSeconds());
      }
      default -> {
        return Reply.of(
            commandOutput(
                id,
                "Error",
                List.of(
                    "No such command '"
                        + command
                        + "' (type 'core show help "
                        + command
                        + "' for other possible commands)")));
      }
    }
    return Reply.of(commandOutput(id, "Success", output));
  }

  private static String commandOutput(String id, String result, List<String> lines) {
    StringBuilder sb = new StringBuilder("Response: ").append(result).append("\r\n");
    if (id != null && !id.isEmpty()) {
      sb.append("ActionID: ").append(id).append("\r\n");
    }
    sb.append("Message: Command output follows\r\n");
    lines.forEach(line -> sb.append("Output: ").append(line).append("\r\n"));
    return sb.append("\r\n").toString();
  }

  static String md5(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
