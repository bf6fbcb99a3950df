package io.tandem.onprem.ami;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.PbxStatus;
import io.tandem.onprem.ami.internal.CliCommandAction;
import io.tandem.onprem.ami.internal.OutboundRegistrationDetailCompleteEvent;
import io.tandem.onprem.ami.internal.OutboundRegistrationDetailEvent;
import io.tandem.onprem.ami.internal.PjsipRegistrationAction;
import io.tandem.onprem.ami.internal.PjsipShowRegistrationsOutboundAction;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.asteriskjava.manager.AuthenticationFailedException;
import org.asteriskjava.manager.DefaultManagerConnection;
import org.asteriskjava.manager.EventTimeoutException;
import org.asteriskjava.manager.ManagerConnection;
import org.asteriskjava.manager.ManagerConnectionState;
import org.asteriskjava.manager.ResponseEvents;
import org.asteriskjava.manager.TimeoutException;
import org.asteriskjava.manager.action.CoreSettingsAction;
import org.asteriskjava.manager.action.CoreShowChannelsAction;
import org.asteriskjava.manager.action.CoreStatusAction;
import org.asteriskjava.manager.action.EventGeneratingAction;
import org.asteriskjava.manager.action.GetVarAction;
import org.asteriskjava.manager.action.ManagerAction;
import org.asteriskjava.manager.action.ModuleLoadAction;
import org.asteriskjava.manager.action.PJSipShowContactsAction;
import org.asteriskjava.manager.action.SetVarAction;
import org.asteriskjava.manager.event.ContactList;
import org.asteriskjava.manager.event.CoreShowChannelEvent;
import org.asteriskjava.manager.event.ResponseEvent;
import org.asteriskjava.manager.response.CoreSettingsResponse;
import org.asteriskjava.manager.response.CoreStatusResponse;
import org.asteriskjava.manager.response.GetVarResponse;
import org.asteriskjava.manager.response.ManagerError;
import org.asteriskjava.manager.response.ManagerResponse;

/**
 * {@link PbxControl} for Asterisk over AMI, using asterisk-java's {@link ManagerConnection} (which
 * also reconnects in the background after a dropped connection).
 *
 * <p>Call drain: Asterisk has no "refuse new calls" switch short of {@code core stop gracefully};
 * Tandem sets a dialplan global ({@link AmiSettings#acceptVariable()}, {@code 0} = refuse) that the
 * inbound contexts check first (see {@code docs/pbx-setup.md}). Globals survive until a dialplan
 * reload or restart, so {@link #status()} reads it back rather than caching.
 *
 * <p>Every call is bounded by {@link AmiSettings#timeout()}. Errors: no connection / no answer →
 * {@link TransientException}; login refused → {@link PermissionException}; an unknown trunk →
 * {@link ResourceNotFoundException}. Thread-safe; the controls are idempotent.
 */
public final class AmiPbxControl implements PbxControl {

  private final AmiSettings settings;
  private ManagerConnection connection;

  public AmiPbxControl(AmiSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** Logs in now (or verifies the current session is up). */
  public synchronized void connect() {
    connection();
  }

  @Override
  public PbxStatus status() {
    CoreStatusResponse core = (CoreStatusResponse) expect(new CoreStatusAction());
    ManagerResponse settingsResponse = expect(new CoreSettingsAction());
    String version =
        settingsResponse instanceof CoreSettingsResponse cs
            ? "Asterisk " + cs.getAsteriskVersion()
            : "Asterisk";
    Integer calls = core.getCoreCurrentCalls();
    return new PbxStatus(true, version, calls == null ? 0 : calls, acceptingCalls());
  }

  /** Whether the accept variable allows new calls (unset counts as accepting). */
  public boolean acceptingCalls() {
    ManagerResponse r = expect(new GetVarAction(settings.acceptVariable()));
    String value = r instanceof GetVarResponse g ? g.getValue() : null;
    return value == null || value.isBlank() || !value.trim().equals("0");
  }

  /** Active channels ({@code CoreShowChannels}). */
  public int activeChannels() {
    return (int)
        list(new CoreShowChannelsAction()).getEvents().stream()
            .filter(CoreShowChannelEvent.class::isInstance)
            .count();
  }

  /** Outbound registration name to {@code Status} (e.g. {@code Registered}). */
  public Map<String, String> outboundRegistrations() {
    Map<String, String> out = new LinkedHashMap<>();
    for (ResponseEvent e : list(new PjsipShowRegistrationsOutboundAction()).getEvents()) {
      if (e instanceof OutboundRegistrationDetailEvent d && d.getObjectName() != null) {
        out.put(d.getObjectName(), d.getStatus() == null ? "Unknown" : d.getStatus());
      }
    }
    return out;
  }

  /** Reachable contacts over all contacts ({@code PJSIPShowContacts}); NaN when none exist. */
  public double contactReachability() {
    int total = 0;
    int reachable = 0;
    for (ResponseEvent e : list(new PJSipShowContactsAction()).getEvents()) {
      if (e instanceof ContactList c) {
        total++;
        if (c.getStatus() != null && c.getStatus().name().equals("REACHABLE")) {
          reachable++;
        }
      }
    }
    return total == 0 ? Double.NaN : (double) reachable / total;
  }

  @Override
  public void stopNewCalls() {
    expect(new SetVarAction(settings.acceptVariable(), "0"));
  }

  @Override
  public void acceptNewCalls() {
    expect(new SetVarAction(settings.acceptVariable(), "1"));
  }

  @Override
  public void registerTrunk(String trunk) {
    expectTrunk(new PjsipRegistrationAction(true, trunk), trunk);
  }

  @Override
  public void unregisterTrunk(String trunk) {
    expectTrunk(new PjsipRegistrationAction(false, trunk), trunk);
  }

  /** {@code ModuleLoad} with {@code LoadType: reload}, e.g. {@code res_pjsip.so}. */
  public void reloadModule(String module) {
    expect(new ModuleLoadAction(module, ModuleLoadAction.LOAD_TYPE_RELOAD));
  }

  /**
   * {@code core stop gracefully}: Asterisk refuses new calls and exits once the last one ends.
   * Needs the {@code system} (or {@code command}) write class.
   */
  @Override
  public void gracefulStop() {
    expect(new CliCommandAction("core stop gracefully"));
  }

  /** Logs off and stops asterisk-java's reconnect thread. Idempotent. */
  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.logoff();
      } catch (IllegalStateException alreadyDown) {
        // not connected: nothing to log off
      }
      connection = null;
    }
  }

  private void expectTrunk(ManagerAction action, String trunk) {
    ManagerResponse r = send(action);
    if (r instanceof ManagerError e) {
      String msg = String.valueOf(e.getMessage());
      if (msg.toLowerCase(Locale.ROOT).contains("unable to retrieve registration")) {
        throw new ResourceNotFoundException(
            "Asterisk at " + where() + " has no outbound registration named " + trunk);
      }
      throw error(action, msg);
    }
  }

  private ManagerResponse expect(ManagerAction action) {
    ManagerResponse r = send(action);
    if (r instanceof ManagerError e) {
      throw error(action, String.valueOf(e.getMessage()));
    }
    return r;
  }

  private RuntimeException error(ManagerAction action, String message) {
    if (message.toLowerCase(Locale.ROOT).contains("permission denied")) {
      return new PermissionException(
          "AMI user "
              + settings.username()
              + " may not run "
              + action.getAction()
              + " on "
              + where()
              + " (grant it in manager.conf)");
    }
    return new ProtocolException(
        "Asterisk at " + where() + " refused " + action.getAction() + ": " + message);
  }

  private ManagerResponse send(ManagerAction action) {
    ManagerConnection c = connection();
    try {
      ManagerResponse r = c.sendAction(action, settings.timeout().toMillis());
      if (r == null) {
        throw new TransientException(noAnswer(action));
      }
      return r;
    } catch (TimeoutException e) {
      throw new TransientException(noAnswer(action), e);
    } catch (IOException | IllegalStateException e) {
      throw new TransientException(
          "AMI connection to " + where() + " lost during " + action.getAction(), e);
    }
  }

  private ResponseEvents list(EventGeneratingAction action) {
    ManagerConnection c = connection();
    try {
      ResponseEvents events = c.sendEventGeneratingAction(action, settings.timeout().toMillis());
      if (events.getResponse() instanceof ManagerError e) {
        throw error(action, String.valueOf(e.getMessage()));
      }
      return events;
    } catch (EventTimeoutException e) {
      throw new TransientException(noAnswer(action), e);
    } catch (IOException | IllegalStateException e) {
      throw new TransientException(
          "AMI connection to " + where() + " lost during " + action.getAction(), e);
    }
  }

  private String noAnswer(ManagerAction action) {
    return "Asterisk at "
        + where()
        + " did not answer "
        + action.getAction()
        + " within "
        + settings.timeout().toMillis()
        + " ms";
  }

  private synchronized ManagerConnection connection() {
    if (connection != null) {
      ManagerConnectionState state = connection.getState();
      if (state == ManagerConnectionState.CONNECTED
          || state == ManagerConnectionState.RECONNECTING) {
        return connection; // RECONNECTING: asterisk-java is logging in again by itself
      }
      connection = null;
    }
    DefaultManagerConnection c =
        new DefaultManagerConnection(
            settings.host(), settings.port(), settings.username(), settings.secret());
    c.setDefaultResponseTimeout(settings.timeout().toMillis());
    c.setDefaultEventTimeout(settings.timeout().toMillis());
    c.setSocketTimeout((int) settings.timeout().toMillis());
    // A changed secret must surface as a PermissionException on our next call, not as an
    // endless background reconnect loop.
    c.setKeepAliveAfterAuthenticationFailure(false);
    c.registerUserEventClass(OutboundRegistrationDetailEvent.class);
    c.registerUserEventClass(OutboundRegistrationDetailCompleteEvent.class);
    try {
      c.login("off");
    } catch (AuthenticationFailedException e) {
      throw new PermissionException(
          "AMI login refused for user " + settings.username() + " at " + where(), e);
    } catch (IOException | TimeoutException e) {
      throw new TransientException("cannot log in to AMI at " + where() + ": " + e.getMessage(), e);
    }
    connection = c;
    return c;
  }

  private String where() {
    return settings.host() + ":" + settings.port();
  }
}
