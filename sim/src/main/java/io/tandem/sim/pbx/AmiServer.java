package io.tandem.sim.pbx;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A simulated Asterisk Manager Interface (AMI) server over TCP on 127.0.0.1 that refuses what
 * Asterisk refuses, when Asterisk refuses it. Every rule follows Asterisk's source (current master,
 * AMI 13.0.0; files named below):
 *
 * <ul>
 *   <li>Banner {@code Asterisk Call Manager/13.0.0} ({@code AMI_VERSION} in
 *       include/asterisk/manager.h, written by {@code session_do}).
 *   <li>{@code process_message} in main/manager.c, in this order: no {@code Action} → "Missing
 *       action in request"; while shutting down, <em>every</em> action (Login included) → "Asterisk
 *       is shutting down"; before login anything but Login/Logoff/Challenge → "Permission denied";
 *       an action whose classes are not in the user's {@code write=} → "Permission denied"; an
 *       unknown action → "Invalid/unknown command: X. Use Action: ListCommands to show available
 *       commands." Action names are case-insensitive.
 *   <li>{@code action_login}: a failed login is answered "Authentication failed" after {@code
 *       sleep(1)} and the session is then closed; a second Login on a logged-in session answers
 *       "Already authenticated". After a login a {@code FullyBooted} event follows when the session
 *       receives {@code system} events ({@code Events:} header masked by {@code read=}, {@code
 *       set_eventmask}).
 *   <li>Unsolicited events ({@code Newchannel}, {@code Hangup}, or any {@link #emit}) are written
 *       between response packets to every session whose read and event classes include theirs.
 *   <li>{@code core stop gracefully} over {@code Command} runs the shutdown inside the session
 *       (main/asterisk.c {@code handle_stop_gracefully} → {@code quit_handler} → {@code
 *       can_safely_quit} waits for the channels): it never answers; the process exits when the last
 *       call ends, which closes every connection and the listening socket.
 * </ul>
 *
 * <p>The actions and their answers are in {@link AmiActions}. State lives in a {@link PbxModel};
 * faults in {@link PbxFaults}. The global {@value #ACCEPT_VARIABLE} set to {@code 0} makes the
 * model refuse new calls (the dialplan convention documented in {@code docs/pbx-setup.md}).
 */
public final class AmiServer extends LineServer {

  /** Dialplan global that gates new calls; {@code 0} refuses them. */
  public static final String ACCEPT_VARIABLE = "TANDEM_ACCEPT_CALLS";

  /** The greeting; {@code AMI_VERSION} of current Asterisk. */
  public static final String BANNER = "Asterisk Call Manager/13.0.0";

  /** {@code action_login} sleeps this long before answering a failed login. */
  public static final Duration FAILED_LOGIN_DELAY = Duration.ofSeconds(1);

  private final PbxModel model;
  private final PbxFaults faults;
  private final Map<String, ManagerUser> users = new ConcurrentHashMap<>();
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  private final AtomicInteger logins = new AtomicInteger();
  private final AtomicInteger failedLogins = new AtomicInteger();
  private final CountDownLatch exited = new CountDownLatch(1);
  private final AmiActions actions;

  /**
   * Starts listening on 127.0.0.1 with an ephemeral port, with one manager.conf user that has
   * {@code read = all} and {@code write = all}.
   */
  public AmiServer(PbxModel model, PbxFaults faults, String username, String secret) {
    this(
        model,
        faults,
        username,
        secret,
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
  }

  /** As {@link #AmiServer(PbxModel, PbxFaults, String, String)}, listening on {@code bind}. */
  public AmiServer(
      PbxModel model,
      PbxFaults faults,
      String username,
      String secret,
      java.net.InetSocketAddress bind) {
    super("ami", bind);
    this.model = Objects.requireNonNull(model, "model");
    this.faults = Objects.requireNonNull(faults, "faults");
    this.actions = new AmiActions(model);
    user(ManagerUser.all(username, secret));
    model.addListener(
        new PbxModel.Listener() {
          @Override
          public void channelCreated(PbxModel.Channel c) {
            emit(AmiClass.CALL, "Newchannel", AmiActions.channelState(c));
          }

          @Override
          public void channelHungUp(PbxModel.Channel c) {
            String[] state = AmiActions.channelState(c);
            String[] kv = java.util.Arrays.copyOf(state, state.length + 4);
            kv[state.length] = "Cause";
            kv[state.length + 1] = "16";
            kv[state.length + 2] = "Cause-txt";
            kv[state.length + 3] = "Normal Clearing";
            emit(AmiClass.CALL, "Hangup", kv);
          }

          @Override
          public void stopped() {
            processExited();
          }
        });
  }

  /** Adds (or replaces) a manager.conf user. */
  public AmiServer user(ManagerUser user) {
    users.put(user.name(), user);
    return this;
  }

  /** Successful logins so far (shows reconnects). */
  public int logins() {
    return logins.get();
  }

  /** Refused logins so far (what fail2ban would count). */
  public int failedLogins() {
    return failedLogins.get();
  }

  /**
   * Sends an unsolicited event of class {@code category} to every logged-in session that receives
   * that class, between its response packets.
   */
  public void emit(AmiClass category, String event, String... kv) {
    String[] withPrivilege = new String[kv.length + 2];
    withPrivilege[0] = "Privilege";
    withPrivilege[1] = category.label() + ",all";
    System.arraycopy(kv, 0, withPrivilege, 2, kv.length);
    String packet = AmiPacket.event(event, null, withPrivilege);
    for (Session s : sessions) {
      if (s.receives(category)) {
        s.writeQuietly(packet);
      }
    }
  }

  @Override
  void serve(Socket socket) throws IOException, InterruptedException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    Session session = new Session(socket.getOutputStream());
    sessions.add(session);
    try {
      session.write(BANNER + "\r\n");
      while (true) {
        Map<String, String> packet = AmiPacket.read(in);
        if (packet == null || faults.takeDrop()) {
          return;
        }
        if (!handle(session, packet)) {
          return;
        }
      }
    } finally {
      sessions.remove(session);
    }
  }

  /** One packet, as main/manager.c {@code process_message}; false when the session ends. */
  private boolean handle(Session session, Map<String, String> packet)
      throws IOException, InterruptedException {
    String id = packet.get("actionid");
    if (packet.containsKey(AmiPacket.LINE_TOO_LONG)) {
      // do_message: a message with a discarded line is answered by handle_parse_error
      session.write(AmiPacket.error(id, "Failed to parse message: line too long"));
      return true;
    }
    String action = packet.getOrDefault("action", "").toLowerCase(Locale.ROOT);
    if (action.isEmpty()) {
      session.write(AmiPacket.error(id, "Missing action in request"));
      return true;
    }
    if (model.lifecycle() == PbxModel.Lifecycle.SHUTTING_DOWN) {
      session.write(AmiPacket.error(id, "Asterisk is shutting down"));
      return true;
    }
    if (model.lifecycle() == PbxModel.Lifecycle.STOPPED) {
      return false;
    }
    if (!session.authenticated && !Set.of("login", "logoff", "challenge").contains(action)) {
      session.write(AmiPacket.error(id, "Permission denied"));
      return true;
    }
    switch (action) {
      case "login" -> {
        return login(session, packet, id);
      }
      case "logoff" -> {
        session.write(AmiPacket.response(id, "Goodbye", "Thanks for all the fish."));
        return false;
      }
      case "challenge" -> {
        session.write(challenge(session, packet, id));
        return true;
      }
      default -> {
        faults.delay();
        AmiActions.Reply reply = actions.handle(action, packet, id, session.user.write());
        if (reply.stopsTheProcess()) {
          // core stop gracefully: the CLI handler runs the shutdown in this session and never
          // returns; when the last call ends the process exits and closes this socket.
          model.requestGracefulStop();
          exited.await();
          return false;
        }
        session.write(reply.text());
        return true;
      }
    }
  }

  private boolean login(Session session, Map<String, String> packet, String id)
      throws IOException, InterruptedException {
    if (session.authenticated) {
      session.write(AmiPacket.ack(id, "Already authenticated"));
      return true;
    }
    ManagerUser user = authenticate(packet, session.challenge);
    if (user == null) {
      failedLogins.incrementAndGet();
      Thread.sleep(FAILED_LOGIN_DELAY); // action_login: sleep(1) before the error, not a test wait
      session.write(AmiPacket.error(id, "Authentication failed"));
      return false; // action_login returns -1: the session is destroyed
    }
    String events = packet.get("events");
    Set<AmiClass> send =
        events == null || events.isBlank()
            ? EnumSet.copyOf(user.read().isEmpty() ? EnumSet.noneOf(AmiClass.class) : user.read())
            : masked(AmiClass.parse(events), user.read());
    session.login(user, send);
    logins.incrementAndGet();
    session.write(AmiPacket.ack(id, "Authentication accepted"));
    if (session.receives(AmiClass.SYSTEM)) {
      long up = Duration.between(model.startedAt(), model.clock().instant()).toSeconds();
      long reload = Duration.between(model.lastReload(), model.clock().instant()).toSeconds();
      session.write(
          AmiPacket.event(
              "FullyBooted",
              null,
              "Privilege",
              "system,all",
              "Uptime",
              String.valueOf(up),
              "LastReload",
              String.valueOf(reload),
              "Status",
              "Fully Booted"));
    }
    return true;
  }

  private static Set<AmiClass> masked(Set<AmiClass> wanted, Set<AmiClass> read) {
    Set<AmiClass> out = EnumSet.noneOf(AmiClass.class);
    out.addAll(wanted);
    out.retainAll(read);
    return out;
  }

  /** main/manager.c {@code authenticate}: plain {@code Secret} or MD5 {@code Key}. */
  private ManagerUser authenticate(Map<String, String> packet, String challenge) {
    ManagerUser user = users.get(packet.getOrDefault("username", ""));
    if (user == null) {
      return null;
    }
    if ("md5".equalsIgnoreCase(packet.get("authtype"))) {
      String key = packet.get("key");
      return key != null
              && challenge != null
              && key.equals(AmiActions.md5(challenge + user.secret()))
          ? user
          : null;
    }
    return user.secret().equals(packet.get("secret")) ? user : null;
  }

  private static String challenge(Session session, Map<String, String> packet, String id) {
    if (!"md5".equalsIgnoreCase(packet.get("authtype"))) {
      return AmiPacket.error(id, "Must specify AuthType");
    }
    if (session.challenge == null) {
      session.challenge =
          String.valueOf(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 31));
    }
    return AmiPacket.response(id, "Success", null, "Challenge", session.challenge);
  }

  /** The graceful stop completed: the process exits, so every socket closes. */
  private void processExited() {
    exited.countDown();
    close();
  }

  @Override
  public void close() {
    exited.countDown();
    super.close();
  }

  /** One manager session; writes are serialised so events never split a response. */
  private static final class Session {
    private final OutputStream out;
    private volatile boolean authenticated;
    private volatile ManagerUser user;
    private volatile Set<AmiClass> sendEvents = EnumSet.noneOf(AmiClass.class);
    private String challenge;

    Session(OutputStream out) {
      this.out = out;
    }

    void login(ManagerUser user, Set<AmiClass> send) {
      this.user = user;
      this.sendEvents = send;
      this.authenticated = true;
    }

    boolean receives(AmiClass category) {
      return authenticated && user.read().contains(category) && sendEvents.contains(category);
    }

    synchronized void write(String text) throws IOException {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    void writeQuietly(String text) {
      try {
        write(text);
      } catch (IOException gone) {
        // the session is closing; its own thread ends it
      }
    }
  }
}
