package io.tandem.onprem.esl;

import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.PbxStatus;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link PbxControl} for FreeSWITCH over the event socket ({@code api} commands).
 *
 * <ul>
 *   <li>call drain: {@code fsctl pause inbound} / {@code fsctl resume inbound}; read back with
 *       {@code fsctl pause_check inbound};
 *   <li>trunks are Sofia gateways of {@link EslSettings#profile()}: unregister = {@code sofia
 *       profile <p> killgw <gw>} (drops the gateway, which un-REGISTERs it), register = {@code
 *       sofia profile <p> rescan} (re-reads gateways from the XML configuration and registers
 *       them), then checks {@code sofia status gateway <gw>} knows it;
 *   <li>graceful stop: {@code fsctl shutdown elegant} (waits for the last call to end).
 * </ul>
 *
 * <p>Thread-safe (one session, serialised); reconnects on the next call after a dropped connection.
 * Every call is bounded by {@link EslSettings#timeout()}. Controls are idempotent.
 */
public final class EslPbxControl implements PbxControl {

  private static final Pattern VERSION = Pattern.compile("FreeSWITCH \\(Version ([^)]+)\\)");
  private static final Pattern TOTAL = Pattern.compile("(\\d+) total\\.");
  private static final Pattern STATE = Pattern.compile("(?m)^State\\s+(\\S+)");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.@:+-]+");

  private final EslSettings settings;
  private EslConnection connection;

  public EslPbxControl(EslSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** Runs one {@code api} command and returns its body (reconnecting first if needed). */
  public synchronized String api(String command) {
    if (connection == null || !connection.isOpen()) {
      connection = EslConnection.open(settings);
    }
    try {
      return connection.api(command);
    } catch (RuntimeException e) {
      if (!connection.isOpen()) {
        connection = null;
      }
      throw e;
    }
  }

  /** Opens (and authenticates) the session now. */
  public synchronized void connect() {
    if (connection == null || !connection.isOpen()) {
      connection = EslConnection.open(settings);
    }
  }

  @Override
  public PbxStatus status() {
    String status = api("status");
    Matcher v = VERSION.matcher(status);
    boolean up = status.startsWith("UP");
    String version = v.find() ? "FreeSWITCH " + v.group(1) : "FreeSWITCH";
    return new PbxStatus(up, version, activeChannels() / 2, acceptingCalls());
  }

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
      throw new ResourceNotFoundException(
          "FreeSWITCH at " + where() + " has no gateway named " + gateway);
    }
    Matcher m = STATE.matcher(body);
    if (!m.find()) {
      throw new ProtocolException("no State line in 'sofia status gateway " + gateway + "'");
    }
    return m.group(1);
  }

  @Override
  public void stopNewCalls() {
    expectOk(api("fsctl pause inbound"), "fsctl pause inbound");
  }

  @Override
  public void acceptNewCalls() {
    expectOk(api("fsctl resume inbound"), "fsctl resume inbound");
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
    expectOk(api("reload " + name(module)), "reload " + module);
  }

  @Override
  public void gracefulStop() {
    expectOk(api("fsctl shutdown elegant"), "fsctl shutdown elegant");
  }

  /** Sends {@code exit} and closes the session; idempotent. */
  @Override
  public synchronized void close() {
    if (connection != null) {
      connection.exit();
      connection = null;
    }
  }

  private void expectOk(String body, String command) {
    if (!body.startsWith("+OK")) {
      throw new ProtocolException(
          "FreeSWITCH at " + where() + " refused '" + command + "': " + body.strip());
    }
  }

  private int total(String body, String command) {
    Matcher m = TOTAL.matcher(body);
    if (!m.find()) {
      throw new ProtocolException("no 'N total.' in the answer to '" + command + "'");
    }
    return Integer.parseInt(m.group(1));
  }

  /** Names go into a command line: refuse anything that could add arguments. */
  private static String name(String s) {
    if (s == null || !NAME.matcher(s).matches()) {
      throw new io.tandem.core.error.ConfigException("not a FreeSWITCH object name: " + s);
    }
    return s;
  }

  private String where() {
    return settings.host() + ":" + settings.port();
  }
}
