package io.tandem.sim.pbx;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * A simulated FreeSWITCH event socket (mod_event_socket, inbound mode) that answers as FreeSWITCH
 * does. Rules from FreeSWITCH's source (signalwire/freeswitch master; functions named below):
 *
 * <ul>
 *   <li>mod_event_socket.c {@code listener_run}: greeting {@code Content-Type: auth/request};
 *       commands are lines ended by an empty line; replies {@code command/reply} with {@code
 *       Reply-Text}; at the end of a session a {@code text/disconnect-notice} ("Disconnected,
 *       goodbye. See you at ClueCon!").
 *   <li>{@code parse_command}: {@code exit} works before login ("+OK bye"); {@code auth <password>}
 *       answers "+OK accepted" or "-ERR invalid" and ends the session (no delay, unlike Asterisk);
 *       {@code userauth user@domain:password} answers "+OK accepted" with {@code Allowed-Events},
 *       {@code Allowed-API} and {@code Allowed-LOG} headers; anything else before login, and any
 *       unknown command, answers "-ERR command not found".
 *   <li>{@code api <cmd>} answers {@code api/response} with a {@code Content-Length} body ({@code
 *       api_exec}); an unknown API "-ERR x Command not found!"; a directory user's {@code
 *       esl-allowed-api} refuses other commands with "-ERR permission denied" ({@code
 *       auth_api_command}). {@code bgapi <cmd>} answers at once "+OK Job-UUID: ..." and runs the
 *       command in the background.
 *   <li>mod_commands.c {@code status_function} ("UP ...", "FreeSWITCH (Version x) is ready"),
 *       {@code show channels|calls|registrations count} ("N total."), {@code ctl_function}: {@code
 *       fsctl pause|resume|pause_check inbound}, {@code fsctl shutdown_check}, and {@code fsctl
 *       shutdown elegant}, which switch_core.c {@code
 *       switch_core_session_ctl(SCSC_SHUTDOWN_ELEGANT)} runs in the caller's thread, looping while
 *       sessions remain: over {@code api} it answers nothing until the last call has ended, and
 *       then the process exits.
 * </ul>
 *
 * <p>API commands also: {@code sofia status}, {@code sofia status gateway <gw>}, {@code sofia
 * profile <p> killgw <gw>}, {@code sofia profile <p> rescan}, {@code reload <module>}, {@code
 * uptime s}. State lives in a {@link PbxModel} (trunks are Sofia gateways of profile {@value
 * #PROFILE}; reachable contacts are registrations); faults in {@link PbxFaults}.
 */
public final class EslServer extends LineServer {

  /** The Sofia profile the simulated gateways belong to. */
  public static final String PROFILE = "external";

  private static final String DISCONNECT_BODY =
      "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

  private final PbxModel model;
  private final PbxFaults faults;
  private final String password;
  private volatile String user;
  private volatile String userPassword;
  private volatile Set<String> allowedApi = Set.of();
  private final CountDownLatch exited = new CountDownLatch(1);

  /** Starts listening on 127.0.0.1 with an ephemeral port. */
  public EslServer(PbxModel model, PbxFaults faults, String password) {
    this(
        model,
        faults,
        password,
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
  }

  /** As {@link #EslServer(PbxModel, PbxFaults, String)}, listening on {@code bind}. */
  public EslServer(
      PbxModel model, PbxFaults faults, String password, java.net.InetSocketAddress bind) {
    super("esl", bind);
    this.model = model;
    this.faults = faults;
    this.password = password;
    model.addListener(
        new PbxModel.Listener() {
          @Override
          public void stopped() {
            close(); // the process exited
          }
        });
  }

  @Override
  public void close() {
    exited.countDown();
    super.close();
  }

  /**
   * Adds a directory user for {@code userauth user@domain:password}, limited to the API commands
   * whose first word is in {@code allowedApi} (FreeSWITCH's {@code esl-allowed-api}); others answer
   * {@code -ERR permission denied}.
   */
  public EslServer withUser(String userAtDomain, String password, Set<String> allowedApi) {
    this.user = userAtDomain;
    this.userPassword = password;
    this.allowedApi = Set.copyOf(allowedApi);
    return this;
  }

  @Override
  void serve(Socket socket) throws IOException, InterruptedException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    OutputStream out = socket.getOutputStream();
    write(out, "Content-Type: auth/request\n\n");
    boolean authenticated = false;
    boolean restricted = false;
    for (int commands = 0; commands < 100_000; commands++) {
      String command = readCommand(in);
      if (command == null) {
        return;
      }
      if (faults.takeDrop()) {
        return;
      }
      if (command.startsWith("userauth ")) {
        String expected = user + ":" + userPassword;
        if (user != null && command.substring(9).equals(expected)) {
          authenticated = true;
          restricted = true;
          write(
              out,
              "Content-Type: command/reply\nReply-Text: +OK accepted\nAllowed-Events: all\n"
                  + "Allowed-API: "
                  + String.join(",", allowedApi)
                  + "\nAllowed-LOG: true\n\n");
          continue;
        }
        write(out, "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n");
        disconnect(out);
        return;
      }
      if (command.startsWith("auth ")) {
        if (command.substring(5).equals(password)) {
          authenticated = true;
          write(out, "Content-Type: command/reply\nReply-Text: +OK accepted\n\n");
          continue;
        }
        write(out, "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n");
        disconnect(out);
        return;
      }
      if (command.equals("exit")) {
        write(out, "Content-Type: command/reply\nReply-Text: +OK bye\n\n");
        disconnect(out);
        return;
      }
      if (!authenticated) {
        write(out, "Content-Type: command/reply\nReply-Text: -ERR command not found\n\n");
        continue;
      }
      faults.delay();
      if (command.startsWith("api ") || command.startsWith("bgapi ")) {
        boolean background = command.startsWith("bgapi ");
        String api = command.substring(background ? 6 : 4).trim();
        String word = api.split("\\s+")[0];
        if (restricted && !allowedApi.contains(word)) {
          write(out, "Content-Type: command/reply\nReply-Text: -ERR permission denied\n\n");
          continue;
        }
        if (background) {
          // parse_command "bgapi": the job runs in its own thread; its result goes out only as a
          // BACKGROUND_JOB event, which this session has not subscribed to.
          String job = UUID.randomUUID().toString();
          write(
              out,
              "Content-Type: command/reply\nReply-Text: +OK Job-UUID: "
                  + job
                  + "\nJob-UUID: "
                  + job
                  + "\n\n");
          Thread.ofVirtual().name("esl-bgapi-" + job).start(() -> runQuietly(api));
          continue;
        }
        if (api.equals("fsctl shutdown elegant") && !model.channels().isEmpty()) {
          // SCSC_SHUTDOWN_ELEGANT loops in this thread while sessions remain: no api/response
          // until the last call ends, and then the process exits and the socket closes.
          model.requestGracefulStop();
          exited.await();
          return;
        }
        byte[] body = api(api).getBytes(StandardCharsets.UTF_8);
        write(out, "Content-Type: api/response\nContent-Length: " + body.length + "\n\n");
        out.write(body);
        out.flush();
        if (api.equals("fsctl shutdown elegant")) {
          // no session was up: the ctl returned at once, the answer went out; the process exits
          model.requestGracefulStop();
          return;
        }
      } else {
        write(out, "Content-Type: command/reply\nReply-Text: -ERR command not found\n\n");
      }
    }
  }

  private void runQuietly(String api) {
    try {
      api(api);
      if (api.equals("fsctl shutdown elegant")) {
        model.requestGracefulStop();
      }
    } catch (RuntimeException e) {
      // a background job's failure is only reported in its event
    }
  }

  private String api(String command) {
    String[] w = command.split("\\s+");
    if (command.equals("status")) {
      int sessions = model.channels().size();
      return "UP 0 years, 0 days, 1 hour, 2 minutes, 3 seconds, 0 milliseconds, 0 microseconds\n"
          + "FreeSWITCH (Version "
          + model.version()
          + " -release 64bit) is "
          + (model.lifecycle() == PbxModel.Lifecycle.RUNNING ? "ready" : "not ready")
          + "\n"
          + sessions
          + " session(s) since startup\n"
          + sessions
          + " session(s) - peak "
          + sessions
          + ", last 5min "
          + sessions
          + "\n0 session(s) per Sec out of max 30, peak 1, last 5min 0\n"
          + "1000 session(s) max\nmin idle cpu 0.00/97.73\n"
          + "Current Stack Size/Max 240K/8192K\n";
    }
    if (command.equals("show calls count")) {
      return "\n" + model.calls() + " total.\n";
    }
    if (command.equals("uptime s") || command.equals("uptime")) {
      return java.time.Duration.between(model.startedAt(), model.clock().instant()).toSeconds()
          + "\n";
    }
    if (command.equals("show channels count")) {
      return "\n" + model.channels().size() + " total.\n";
    }
    if (command.equals("show registrations count")) {
      long reachable = model.contacts().values().stream().filter(b -> b).count();
      return "\n" + reachable + " total.\n";
    }
    if (command.equals("sofia status")) {
      StringBuilder sb = new StringBuilder();
      String rule = "=".repeat(97) + "\n";
      sb.append(String.format("%20s\t%7s\t%42s\t%s%n", "Name", "Type", "Data", "State"));
      sb.append(rule);
      sb.append(
          String.format(
              "%20s\t%7s\t%42s\t%s%n",
              PROFILE, "profile", "sip:mod_sofia@192.0.2.1:5080", "RUNNING (0)"));
      for (Map.Entry<String, Boolean> e : model.registrations().entrySet()) {
        sb.append(
            String.format(
                "%20s\t%7s\t%42s\t%s%n",
                PROFILE + "::" + e.getKey(),
                "gateway",
                "sip:" + e.getKey() + "@carrier.test",
                e.getValue() ? "REGED" : "NOREG"));
      }
      return sb.append(rule).append("1 profile 0 aliases\n").toString();
    }
    if (w.length == 4 && command.startsWith("sofia status gateway ")) {
      Boolean reged = model.registrations().get(w[3]);
      if (reged == null) {
        return "Invalid Gateway!\n";
      }
      String rule = "=".repeat(97) + "\n";
      return rule
          + "Name    \t"
          + w[3]
          + "\nProfile \t"
          + PROFILE
          + "\nScheme  \tDigest\nRealm   \tcarrier.test\nUsername\t"
          + w[3]
          + "\nPassword\tyes\nState   \t"
          + (reged ? "REGED" : "NOREG")
          + "\nStatus  \t"
          + (reged ? "UP" : "DOWN")
          + "\n"
          + rule;
    }
    if (w.length == 5 && w[0].equals("sofia") && w[1].equals("profile") && w[3].equals("killgw")) {
      if (!w[2].equals(PROFILE) || !model.removeTrunk(w[4])) {
        return "-ERR no such gateway.\n";
      }
      return "+OK gateway marked for deletion.\n";
    }
    if (w.length == 4 && w[0].equals("sofia") && w[1].equals("profile") && w[3].equals("rescan")) {
      if (!w[2].equals(PROFILE)) {
        return "Invalid Profile [" + w[2] + "]\n";
      }
      model.rescanTrunks();
      return "+OK scan complete\n";
    }
    switch (command) {
      case "fsctl pause inbound" -> {
        model.acceptingCalls(false);
        return "+OK\n";
      }
      case "fsctl resume inbound" -> {
        model.acceptingCalls(true);
        return "+OK\n";
      }
      case "fsctl pause_check inbound" -> {
        return model.acceptingCalls() ? "false" : "true";
      }
      case "fsctl shutdown elegant" -> {
        return "+OK\n"; // the stop itself: see serve() and runQuietly()
      }
      case "fsctl shutdown_check" -> {
        return model.gracefulStopRequested() ? "true" : "false";
      }
      default -> {}
    }
    if (command.equals("reloadxml")) {
      // mod_commands.c reload_xml_function: "+OK [%s]" with the error switch_xml_open_root left,
      // "Success" when freeswitch.xml parsed (switch_xml.c) — an XML error is still "+OK"
      String err = model.xmlError();
      if (err == null) {
        model.moduleReloaded("xml");
      }
      return "+OK [" + (err == null ? "Success" : err) + "]\n";
    }
    if (w.length == 2 && w[0].equals("reload")) {
      model.moduleReloaded(w[1]);
      return "+OK Reloading XML\n+OK module unloaded\n+OK module loaded\n";
    }
    return "-ERR " + w[0] + " Command not found!\n";
  }

  private static void disconnect(OutputStream out) throws IOException {
    byte[] body = DISCONNECT_BODY.getBytes(StandardCharsets.UTF_8);
    write(out, "Content-Type: text/disconnect-notice\nContent-Length: " + body.length + "\n\n");
    out.write(body);
    out.flush();
  }

  /** The first line of a command block (headers after it are ignored); null at end of stream. */
  private static String readCommand(BufferedReader in) throws IOException {
    String first = null;
    for (int lines = 0; lines < 1000; lines++) {
      String line = in.readLine();
      if (line == null) {
        return null;
      }
      if (line.isEmpty()) {
        if (first != null) {
          return first;
        }
        continue;
      }
      if (first == null) {
        first = line.trim();
      }
    }
    return null;
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
