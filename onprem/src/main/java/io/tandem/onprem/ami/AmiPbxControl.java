package io.tandem.onprem.ami;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TandemException;
import io.tandem.core.port.PbxControl;
import io.tandem.onprem.ami.AmiConnection.Packet;
import io.tandem.onprem.pbx.Deadline;
import io.tandem.onprem.pbx.EndpointCount;
import io.tandem.onprem.pbx.PbxCore;
import io.tandem.onprem.pbx.PbxStoppingException;
import io.tandem.onprem.pbx.PbxTelemetry;
import io.tandem.onprem.pbx.PortWatch;
import io.tandem.onprem.pbx.SupervisedPbx;
import io.tandem.onprem.pbx.TrunkState;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link PbxControl} and {@link PbxTelemetry} for Asterisk over the Manager Interface, on one
 * supervised session ({@link PbxSession}: keep-alive, reconnect at once, fail2ban-safe logins).
 *
 * <ul>
 *   <li>Calls are calls: {@code CoreStatus}'s {@code CoreCurrentCalls} counts channels
 *       (main/manager.c {@code action_corestatus} prints {@code ast_active_channels()}), so calls
 *       are the {@code CoreShowChannels} channels grouped by {@code Linkedid} (one per call).
 *   <li>Call drain: Asterisk has no "refuse new calls" switch short of {@code core stop
 *       gracefully}; Tandem sets a dialplan global ({@link AmiSettings#acceptVariable()}, {@code 0}
 *       = refuse) that the inbound contexts check first (docs/pbx-setup.md), and reads it back.
 *   <li>Graceful stop: {@code core stop gracefully} runs inside the session that sends it and never
 *       answers while calls are up (main/asterisk.c {@code can_safely_quit}), so it is sent on a
 *       throwaway session; the stop is confirmed by a new login answered "Asterisk is shutting
 *       down", or by the port refusing connections once Asterisk has exited.
 * </ul>
 *
 * <p>Errors: the credentials refused → {@link io.tandem.onprem.pbx.LoginRefusedException} naming
 * the user and Asterisk's words; an action outside the user's manager.conf classes → {@link
 * PermissionException}; an unknown trunk or module → {@link ResourceNotFoundException}; Asterisk
 * shutting down → {@link PbxStoppingException}; no answer or a lost connection → {@link
 * io.tandem.core.error.TransientException} saying which. Thread-safe; the controls are idempotent.
 */
public final class AmiPbxControl extends SupervisedPbx<AmiConnection> {

  private static final Duration STOP_ANSWER_WAIT = Duration.ofSeconds(1);

  private final AmiSettings settings;

  /**
   * The accept variable's last value set through this control ("0" refuse, "1" take calls), kept
   * only once {@link #keepRefusingAcrossRestarts} was called.
   */
  private final java.util.concurrent.atomic.AtomicReference<String> accept;

  private volatile boolean keep;

  public AmiPbxControl(AmiSettings settings) {
    this(settings, new java.util.concurrent.atomic.AtomicReference<>());
  }

  private AmiPbxControl(
      AmiSettings settings, java.util.concurrent.atomic.AtomicReference<String> accept) {
    super(
        "Asterisk",
        settings.access(),
        d -> refuseAgainIfAsked(AmiConnection.open(settings, d), accept.get(), settings, d));
    this.settings = settings;
    this.accept = accept;
  }

  /**
   * Every new login (the first, after a lost connection, to a restarted Asterisk) sets "refuse"
   * again when that is what this control last set: the accept variable is a dialplan global, and an
   * Asterisk restarted after a crash has forgotten it, so it would take calls on a site that was
   * fenced (issue 17: a crashed PBX is now released at once, and its site stands by while the
   * process may be restarted). A login whose Setvar fails is not used; the session tries again.
   */
  private static AmiConnection refuseAgainIfAsked(
      AmiConnection c, String value, AmiSettings settings, Deadline d) {
    if (!"0".equals(value)) {
      return c;
    }
    try {
      Packet p = c.action("Setvar", d, "Variable", settings.acceptVariable(), "Value", "0");
      if (p.isError()) {
        throw new io.tandem.core.error.TransientException(
            "Asterisk at "
                + settings.access().where()
                + ": could not refuse new calls again after a new login: "
                + p.message());
      }
      return c;
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  public AmiSettings settings() {
    return settings;
  }

  // ---- telemetry --------------------------------------------------------------------------

  @Override
  public PbxCore core(Duration within) {
    return session.call(
        "CoreStatus",
        within,
        (c, d) -> {
          Packet settingsAnswer = expect(c.action("CoreSettings", d), "CoreSettings");
          Packet status = expect(c.action("CoreStatus", d), "CoreStatus");
          List<Packet> channels = expectList(c.list("CoreShowChannels", d), "CoreShowChannels");
          Packet accept =
              expect(c.action("Getvar", d, "Variable", settings.acceptVariable()), "Getvar");
          int channelCount = 0;
          Set<String> calls = new HashSet<>();
          for (Packet p : channels) {
            if (p.get("Event").map("CoreShowChannel"::equalsIgnoreCase).orElse(false)) {
              channelCount++;
              calls.add(
                  p.get("Linkedid").or(() -> p.get("Uniqueid")).orElse("channel-" + channelCount));
            }
          }
          var now = LocalDateTime.now(ZoneId.systemDefault());
          return new PbxCore(
              "Asterisk " + settingsAnswer.get("AsteriskVersion").orElse("(version not given)"),
              since(status, "CoreStartupDate", "CoreStartupTime", now),
              since(status, "CoreReloadDate", "CoreReloadTime", now),
              calls.size(),
              channelCount,
              accepting(accept.get("Value").orElse("")));
        });
  }

  /**
   * Time since a date and time Asterisk printed in its host's local time ({@code
   * action_corestatus}); read in this agent's time zone, as the agent runs next to its PBX.
   */
  private static Optional<Duration> since(
      Packet p, String dateKey, String timeKey, LocalDateTime now) {
    try {
      var at = LocalDateTime.parse(p.get(dateKey).orElse("") + "T" + p.get(timeKey).orElse(""));
      Duration d = Duration.between(at, now);
      return Optional.of(d.isNegative() ? Duration.ZERO : d);
    } catch (DateTimeParseException notGiven) {
      return Optional.empty();
    }
  }

  private static boolean accepting(String value) {
    return value.isBlank() || !value.trim().equals("0");
  }

  @Override
  public Map<String, TrunkState> trunks(Duration within) {
    return session.call(
        "PJSIPShowRegistrationsOutbound",
        within,
        (c, d) -> {
          Map<String, TrunkState> out = new LinkedHashMap<>();
          List<Packet> all =
              expectList(
                  c.list("PJSIPShowRegistrationsOutbound", d), "PJSIPShowRegistrationsOutbound");
          for (Packet p : all) {
            if (p.get("Event").map("OutboundRegistrationDetail"::equalsIgnoreCase).orElse(false)) {
              String status = p.get("Status").orElse("Unknown");
              p.get("ObjectName")
                  .ifPresent(
                      name ->
                          out.put(
                              name, new TrunkState(status, status.equalsIgnoreCase("Registered"))));
            }
          }
          return out;
        });
  }

  /**
   * Contacts from {@code PJSIPShowContacts}: reachable over qualified ({@code Reachable}, {@code
   * Unreachable}, {@code Unknown}; {@code NonQualified} contacts are not monitored). Asterisk
   * answers an error "No Contacts found" when there are none (pjsip_options.c {@code
   * ami_show_contacts}), and an unknown action without res_pjsip: then empty.
   */
  @Override
  public Optional<EndpointCount> endpoints(Duration within) {
    return session.call(
        "PJSIPShowContacts",
        within,
        (c, d) -> {
          List<Packet> all = c.list("PJSIPShowContacts", d);
          Packet response = all.get(0);
          if (response.isError()) {
            String message = response.message();
            if (message.toLowerCase(Locale.ROOT).startsWith("no contacts found")) {
              return Optional.of(new EndpointCount(0, 0));
            }
            if (message.toLowerCase(Locale.ROOT).startsWith("invalid/unknown command")) {
              return Optional.empty();
            }
            throw error("PJSIPShowContacts", message);
          }
          int monitored = 0;
          int reachable = 0;
          for (Packet p : all) {
            if (p.get("Event").map("ContactList"::equalsIgnoreCase).orElse(false)) {
              String status = p.get("Status").orElse("Unknown");
              if (!status.equalsIgnoreCase("NonQualified")) {
                monitored++;
              }
              if (status.equalsIgnoreCase("Reachable")) {
                reachable++;
              }
            }
          }
          return Optional.of(new EndpointCount(reachable, monitored));
        });
  }

  // ---- controls ---------------------------------------------------------------------------

  /** Whether the accept variable allows new calls (unset counts as accepting). */
  public boolean acceptingCalls() {
    return session.call(
        "Getvar",
        timeout(),
        (c, d) ->
            accepting(
                expect(c.action("Getvar", d, "Variable", settings.acceptVariable()), "Getvar")
                    .get("Value")
                    .orElse("")));
  }

  /** Channels up now ({@code CoreShowChannels}). */
  public int activeChannels() {
    return core(timeout()).channels();
  }

  /** Outbound registration name to {@code Status} (e.g. {@code Registered}). */
  public Map<String, String> outboundRegistrations() {
    Map<String, String> out = new LinkedHashMap<>();
    trunks(timeout()).forEach((k, v) -> out.put(k, v.state()));
    return out;
  }

  @Override
  public void stopNewCalls() {
    stopOrNotRunning(() -> setAccept("0"));
  }

  @Override
  public void acceptNewCalls() {
    setAccept("1");
  }

  private void setAccept(String value) {
    session.call(
        "Setvar",
        timeout(),
        (c, d) ->
            expect(
                c.action("Setvar", d, "Variable", settings.acceptVariable(), "Value", value),
                "Setvar"));
    if (keep) {
      accept.set(value);
    }
  }

  @Override
  public void keepRefusingAcrossRestarts() {
    keep = true;
  }

  @Override
  public void registerTrunk(String trunk) {
    trunkAction("PJSIPRegister", trunk);
  }

  @Override
  public void unregisterTrunk(String trunk) {
    trunkAction("PJSIPUnregister", trunk);
  }

  private void trunkAction(String action, String trunk) {
    session.call(
        action,
        timeout(),
        (c, d) -> {
          Packet p = c.action(action, d, "Registration", trunk);
          if (p.isError()
              && p.message().toLowerCase(Locale.ROOT).contains("unable to retrieve registration")) {
            throw new ResourceNotFoundException(
                where() + " has no outbound registration named " + trunk);
          }
          return expect(p, action);
        });
  }

  /**
   * {@code ModuleLoad} with {@code LoadType: reload}. Asterisk wants the module's file name in its
   * modules directory ({@code res_pjsip.so}: "Module not found." otherwise) and a module that
   * implements reload ("Module does not support reload action.").
   */
  public void reloadModule(String module) {
    session.call(
        "ModuleLoad",
        timeout(),
        (c, d) -> {
          Packet p = c.action("ModuleLoad", d, "Module", module, "LoadType", "reload");
          if (p.isError() && p.message().toLowerCase(Locale.ROOT).startsWith("module not found")) {
            throw new ResourceNotFoundException(
                where()
                    + " has no module file "
                    + module
                    + " in its modules directory (name the file, e.g. res_pjsip.so)");
          }
          return expect(p, "ModuleLoad");
        });
  }

  /**
   * {@code core stop gracefully} on a throwaway session (it never answers while calls are up), then
   * confirmation: a new login answered "Asterisk is shutting down" (stopping), or a refused
   * connection (already exited). Needs the {@code command} write class.
   *
   * @throws PermissionException the user lacks the {@code command} class
   * @throws ProtocolException Asterisk answered with an error, or accepted a new login afterwards
   */
  @Override
  public void gracefulStop() {
    Deadline d = Deadline.in(timeout());
    AmiConnection throwaway;
    try {
      throwaway = AmiConnection.open(settings, d);
    } catch (PbxStoppingException already) {
      return; // a stop is already under way
    }
    try {
      throwaway.fire("Command", d, "Command", "core stop gracefully");
      Optional<Packet> answer =
          throwaway.awaitResponse("Command", Deadline.in(min(STOP_ANSWER_WAIT, d.remaining())));
      if (answer.isPresent() && answer.get().isError()) {
        throw error("Command", answer.get().message());
      }
    } finally {
      throwaway.close();
    }
    try (AmiConnection probe = AmiConnection.open(settings, Deadline.in(timeout()))) {
      probe.isOpen(); // logged in: Asterisk is not stopping (reported below)
    } catch (PbxStoppingException stopping) {
      return; // confirmed: Asterisk refuses everything and exits after the last call
    } catch (TandemException gone) {
      if (PortWatch.awaitRefused(settings.access(), timeout())) {
        return; // confirmed: Asterisk has exited (there were no calls)
      }
      throw gone;
    }
    throw new ProtocolException(
        where() + " accepted a new login after 'core stop gracefully': it is not stopping");
  }

  // ---- errors -----------------------------------------------------------------------------

  private Packet expect(Packet p, String action) {
    if (p.isError()) {
      throw error(action, p.message());
    }
    return p;
  }

  private List<Packet> expectList(List<Packet> all, String action) {
    expect(all.get(0), action);
    return all;
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
              + " (grant its class in manager.conf, see docs/pbx-setup.md)");
    }
    return new ProtocolException(where() + " refused " + action + ": \"" + message.strip() + "\"");
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
