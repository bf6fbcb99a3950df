package io.tandem.onprem.esl;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TandemException;
import io.tandem.core.port.PbxControl;
import io.tandem.onprem.pbx.EndpointCount;
import io.tandem.onprem.pbx.PbxCore;
import io.tandem.onprem.pbx.PbxTelemetry;
import io.tandem.onprem.pbx.PortWatch;
import io.tandem.onprem.pbx.SupervisedPbx;
import io.tandem.onprem.pbx.TrunkState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link PbxControl} and {@link PbxTelemetry} for FreeSWITCH over the event socket, on one
 * supervised session ({@link PbxSession}: keep-alive, reconnect at once, login back-off).
 *
 * <ul>
 *   <li>calls and channels: {@code show calls count} and {@code show channels count};
 *   <li>call drain: {@code fsctl pause inbound} / {@code fsctl resume inbound}; read back with
 *       {@code fsctl pause_check inbound};
 *   <li>trunks are Sofia gateways of {@link EslSettings#profile()}: unregister = {@code sofia
 *       profile <p> killgw <gw>} (drops the gateway, which un-REGISTERs it), register = {@code
 *       sofia profile <p> rescan} (re-reads gateways from the XML configuration and registers
 *       them), then checks {@code sofia status gateway <gw>} knows it;
 *   <li>graceful stop: {@code fsctl shutdown elegant} runs in the API thread and loops while
 *       sessions remain (switch_core.c {@code SCSC_SHUTDOWN_ELEGANT}), so over {@code api} it would
 *       not answer until the last call ended; it is sent with {@code bgapi} (answered at once) and
 *       confirmed with {@code fsctl shutdown_check}, or by the socket closing when FreeSWITCH exits
 *       at once.
 * </ul>
 *
 * <p>Thread-safe. Every call is bounded by {@link io.tandem.onprem.pbx.PbxAccess#timeout()} (or the
 * sensor's budget). Controls are idempotent.
 */
public final class EslPbxControl extends SupervisedPbx<EslConnection> {

  private static final Pattern VERSION = Pattern.compile("FreeSWITCH \\(Version ([^)]+)\\)");
  private static final Pattern TOTAL = Pattern.compile("(\\d+) total\\.");
  private static final Pattern STATE = Pattern.compile("(?m)^State\\s+(\\S+)");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.@:+-]+");

  private final EslSettings settings;

  /**
   * Whether "pause inbound" is the last word this control said (it is process state), kept only
   * once {@link #keepRefusingAcrossRestarts} was called.
   */
  private final java.util.concurrent.atomic.AtomicBoolean paused;

  private volatile boolean keep;

  public EslPbxControl(EslSettings settings) {
    this(settings, new java.util.concurrent.atomic.AtomicBoolean());
  }

  private EslPbxControl(EslSettings settings, java.util.concurrent.atomic.AtomicBoolean paused) {
    super(
        "FreeSWITCH",
        settings.access(),
        d -> pauseAgainIfAsked(EslConnection.open(settings, d), paused.get(), settings, d));
    this.settings = settings;
    this.paused = paused;
  }

  /**
   * Every new login sets {@code fsctl pause inbound} again when that is what this control last set:
   * a FreeSWITCH restarted after a crash has forgotten it and would take calls on a fenced site
   * (issue 17; the same rule as {@code AmiPbxControl}). A login whose command fails is not used;
   * the session tries again.
   */
  private static EslConnection pauseAgainIfAsked(
      EslConnection c, boolean paused, EslSettings settings, io.tandem.onprem.pbx.Deadline d) {
    if (!paused) {
      return c;
    }
    try {
      String body = c.api("fsctl pause inbound", d);
      if (!body.startsWith("+OK")) {
        throw new io.tandem.core.error.TransientException(
            "FreeSWITCH at "
                + settings.access().where()
                + ": could not pause inbound calls again after a new login: "
                + body.strip());
      }
      return c;
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  public EslSettings settings() {
    return settings;
  }

  /** Runs one {@code api} command on the shared session and returns its body. */
  public String api(String command) {
    return api(command, timeout());
  }

  private String api(String command, Duration within) {
    return session.call("api " + command, within, (c, d) -> c.api(command, d));
  }

  // ---- telemetry --------------------------------------------------------------------------

  @Override
  public PbxCore core(Duration within) {
    return session.call(
        "api status",
        within,
        (c, d) -> {
          String status = c.api("status", d);
          Matcher v = VERSION.matcher(status);
          int calls = total(c.api("show calls count", d), "show calls count");
          int channels = total(c.api("show channels count", d), "show channels count");
          boolean accepting =
              !c.api("fsctl pause_check inbound", d).trim().equalsIgnoreCase("true");
          Optional<Duration> uptime = uptime(c, d);
          return new PbxCore(
              v.find() ? "FreeSWITCH " + v.group(1) : "FreeSWITCH",
              uptime,
              Optional.empty(),
              calls,
              channels,
              accepting && status.contains(") is ready"));
        });
  }

  /** {@code uptime s}; empty when a directory user's esl-allowed-api does not list it. */
  private static Optional<Duration> uptime(EslConnection c, io.tandem.onprem.pbx.Deadline d) {
    try {
      return seconds(c.api("uptime s", d));
    } catch (io.tandem.core.error.PermissionException notAllowed) {
      return Optional.empty();
    }
  }

  private static Optional<Duration> seconds(String body) {
    try {
      return Optional.of(Duration.ofSeconds(Long.parseLong(body.trim())));
    } catch (NumberFormatException notANumber) {
      return Optional.empty();
    }
  }

  @Override
  public Map<String, TrunkState> trunks(Duration within) {
    return session.call(
        "api sofia status",
        within,
        (c, d) -> {
          Map<String, TrunkState> out = new LinkedHashMap<>();
          String prefix = settings.profile() + "::";
          for (String line : c.api("sofia status", d).split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 4 && cols[1].equals("gateway") && cols[0].startsWith(prefix)) {
              String state = cols[cols.length - 1];
              out.put(
                  cols[0].substring(prefix.length()), new TrunkState(state, state.equals("REGED")));
            }
          }
          return out;
        });
  }

  /**
   * {@code show registrations count}: user agents registered to this FreeSWITCH. FreeSWITCH does
   * not know how many are expected, so the total is unknown (-1).
   */
  @Override
  public Optional<EndpointCount> endpoints(Duration within) {
    return Optional.of(
        new EndpointCount(
            total(api("show registrations count", within), "show registrations count"), -1));
  }

  // ---- controls ---------------------------------------------------------------------------

  /** Whether inbound sessions are accepted ({@code fsctl pause_check inbound} is false). */
  public boolean acceptingCalls() {
    return !api("fsctl pause_check inbound").trim().equalsIgnoreCase("true");
  }

  /** {@code show channels count}. */
  public int activeChannels() {
    return total(api("show channels count"), "show channels count");
  }

  /** {@code show registrations count}: user agents registered to this FreeSWITCH. */
  public int registeredUserAgents() {
    return total(api("show registrations count"), "show registrations count");
  }

  /** The gateway's {@code State} (e.g. {@code REGED}, {@code NOREG}, {@code FAIL_WAIT}). */
  public String gatewayState(String gateway) {
    String body = api("sofia status gateway " + name(gateway));
    if (body.startsWith("Invalid Gateway")) {
      throw new ResourceNotFoundException(where() + " has no gateway named " + gateway);
    }
    Matcher m = STATE.matcher(body);
    if (!m.find()) {
      throw new ProtocolException("no State line in 'sofia status gateway " + gateway + "'");
    }
    return m.group(1);
  }

  @Override
  public void stopNewCalls() {
    stopOrNotRunning(
        () -> {
          expectOk(api("fsctl pause inbound"), "fsctl pause inbound");
          paused.set(keep);
        });
  }

  @Override
  public void acceptNewCalls() {
    expectOk(api("fsctl resume inbound"), "fsctl resume inbound");
    paused.set(false);
  }

  @Override
  public void keepRefusingAcrossRestarts() {
    keep = true;
  }

  @Override
  public void registerTrunk(String trunk) {
    String body = api("sofia profile " + settings.profile() + " rescan");
    expectOk(body, "sofia profile " + settings.profile() + " rescan");
    gatewayState(trunk); // proves the gateway exists again (throws if not configured)
  }

  @Override
  public void unregisterTrunk(String trunk) {
    String body = api("sofia profile " + settings.profile() + " killgw " + name(trunk));
    if (body.startsWith("-ERR no such gateway")) {
      return; // already gone: idempotent
    }
    expectOk(body, "killgw " + trunk);
  }

  /** {@code reload <module>}, e.g. {@code mod_sofia}. */
  public void reloadModule(String module) {
    String body = api("reload " + name(module));
    if (body.contains("-ERR")) {
      throw new ProtocolException(
          where() + " refused 'reload " + module + "': " + body.strip().replace('\n', ' '));
    }
  }

  /**
   * {@code bgapi fsctl shutdown elegant} (answered at once; over {@code api} it would block while
   * calls are up), then {@code fsctl shutdown_check} confirms the stop started, or the socket
   * closing confirms FreeSWITCH exited at once.
   */
  @Override
  public void gracefulStop() {
    session.call(
        "bgapi fsctl shutdown elegant", timeout(), (c, d) -> c.bgapi("fsctl shutdown elegant", d));
    // The job runs in its own thread: poll until it has set the flag (bounded by the timeout).
    io.tandem.onprem.pbx.Deadline d = io.tandem.onprem.pbx.Deadline.in(timeout());
    String check = "";
    while (!d.expired()) {
      try {
        check = api("fsctl shutdown_check", d.remaining());
      } catch (TandemException gone) {
        if (PortWatch.awaitRefused(settings.access(), timeout())) {
          return; // exited at once: there were no calls
        }
        throw gone;
      }
      if (check.trim().equalsIgnoreCase("true")) {
        return;
      }
      try {
        Thread.sleep(50); // the background job has not run yet: poll its effect
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new ProtocolException(
        where() + " does not report a shutdown after 'fsctl shutdown elegant': " + check.strip());
  }

  private void expectOk(String body, String command) {
    if (!body.startsWith("+OK")) {
      throw new ProtocolException(where() + " refused '" + command + "': " + body.strip());
    }
  }

  private static int total(String body, String command) {
    Matcher m = TOTAL.matcher(body);
    if (!m.find()) {
      throw new ProtocolException("no 'N total.' in the answer to '" + command + "'");
    }
    return Integer.parseInt(m.group(1));
  }

  /** Names go into a command line: refuse anything that could add arguments. */
  private static String name(String s) {
    if (s == null || !NAME.matcher(s).matches()) {
      throw new ConfigException("not a FreeSWITCH object name: " + s);
    }
    return s;
  }
}
