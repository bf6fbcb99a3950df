package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.sim.lab.SimSipServer;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.EslServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem sim-pbx}: a simulated Asterisk (AMI) or FreeSWITCH (event socket) with a SIP
 * OPTIONS responder, as the tests and the lab use them (module {@code sim}; their behaviour follows
 * Asterisk's {@code main/manager.c} and FreeSWITCH's {@code mod_event_socket.c}), for trying agents
 * on one machine without a PBX (docs/quickstart.md). Loopback only: it is a simulator.
 *
 * <p>Its SIP answers follow the simulated PBX as the real one's do once Tandem fences it ({@link
 * SimSipServer.Refusal}): an INVITE gets 503 while it refuses new calls (480 while it accepts: no
 * phone is registered); OPTIONS stays 200 for Asterisk (chan_pjsip answers OPTIONS whatever the
 * dialplan says) and FreeSWITCH as shipped, and turns 503 for FreeSWITCH with {@code
 * --sip-options-respond-503-on-busy} (sofia's profile parameter of that name).
 */
@Command(
    name = "sim-pbx",
    description = {
      "Run a simulated Asterisk (AMI) or FreeSWITCH (ESL) with a SIP OPTIONS responder on"
          + " loopback, for trying Tandem without a PBX (docs/quickstart.md).",
      "The manager secret comes from the environment variable named by --secret-env."
    })
public final class SimPbxCommand implements Callable<Integer> {

  @Option(
      names = "--type",
      defaultValue = "asterisk",
      description = "asterisk or freeswitch (default ${DEFAULT-VALUE}).")
  String type;

  @Option(names = "--name", defaultValue = "pbx", description = "Shown in SIP Server headers.")
  String name;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      description = "Loopback address to listen on (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--manager-port",
      description = "AMI port (Asterisk, default 5038) or event-socket port (FreeSWITCH, 8021).")
  Integer managerPort;

  @Option(
      names = "--sip-port",
      defaultValue = "5060",
      description = "UDP port answering SIP OPTIONS (default ${DEFAULT-VALUE}).")
  int sipPort;

  @Option(
      names = "--user",
      defaultValue = "tandem",
      description = "AMI user (Asterisk; default ${DEFAULT-VALUE}).")
  String user;

  @Option(
      names = "--secret-env",
      defaultValue = "AMI_SECRET",
      description =
          "Environment variable holding the AMI secret or ESL password (default"
              + " ${DEFAULT-VALUE}).")
  String secretEnv;

  @Option(
      names = "--sip-options-respond-503-on-busy",
      description =
          "FreeSWITCH only: answer OPTIONS 503 while inbound calls are paused, as sofia's profile"
              + " parameter of that name does (default: 200 whatever the pause).")
  boolean options503OnBusy;

  /** A running simulated PBX: its manager and SIP servers; closing stops both. */
  public record Running(
      PbxModel model, String managerWords, SimSipServer sip, List<AutoCloseable> open)
      implements AutoCloseable {
    @Override
    public void close() {
      for (AutoCloseable c : open.reversed()) {
        try {
          c.close();
        } catch (Exception ignored) {
          // stopping anyway
        }
      }
    }
  }

  /**
   * Starts a simulated PBX as {@code tandem sim-pbx} does: the manager interface ({@code asterisk}:
   * AMI with {@code user}; else the event socket) on {@code manager}, SIP on {@code sip}.
   *
   * @throws java.io.UncheckedIOException or {@link java.net.SocketException} if a port is taken
   */
  public static Running start(
      String name,
      boolean asterisk,
      InetSocketAddress manager,
      InetSocketAddress sip,
      String user,
      String secret,
      boolean options503OnBusy)
      throws java.net.SocketException {
    List<AutoCloseable> open = new ArrayList<>();
    try {
      PbxModel model = new PbxModel(asterisk ? "20.7.0" : "1.10.12");
      String managerWords;
      if (asterisk) {
        AmiServer ami = new AmiServer(model, new PbxFaults(), user, secret, manager);
        open.add(ami);
        managerWords = "AMI on " + ami.host() + ":" + ami.port() + " (user " + user + ")";
      } else {
        EslServer esl = new EslServer(model, new PbxFaults(), secret, manager);
        open.add(esl);
        managerWords = "event socket on " + esl.host() + ":" + esl.port();
      }
      SimSipServer.Refusal refusal =
          asterisk
              ? SimSipServer.Refusal.ASTERISK
              : options503OnBusy
                  ? SimSipServer.Refusal.FREESWITCH_OPTIONS_503_ON_BUSY
                  : SimSipServer.Refusal.FREESWITCH;
      SimSipServer options = SimSipServer.pbx(name, Clock.systemUTC(), sip, model, refusal);
      open.add(options);
      return new Running(model, managerWords, options, List.copyOf(open));
    } catch (java.io.UncheckedIOException | java.net.SocketException e) {
      new Running(null, "", null, List.copyOf(open)).close();
      throw e;
    }
  }

  @Override
  public Integer call() {
    InetSocketAddress manager;
    InetSocketAddress sip;
    try {
      InetAddress address = InetAddress.getByName(bind);
      if (!address.isLoopbackAddress()) {
        throw new CliException(
            "--bind: a simulated PBX listens on loopback only, found " + bind, ExitCodes.INVALID);
      }
      boolean asterisk = asterisk();
      manager =
          new InetSocketAddress(
              address, managerPort != null ? managerPort : asterisk ? 5038 : 8021);
      sip = new InetSocketAddress(address, sipPort);
    } catch (UnknownHostException e) {
      throw new CliException("--bind: unknown address " + bind, ExitCodes.INVALID);
    }
    String secret = System.getenv(secretEnv);
    if (secret == null || secret.isEmpty()) {
      throw new CliException(
          "--secret-env: environment variable " + secretEnv + " is not set", ExitCodes.INVALID);
    }
    if (options503OnBusy && asterisk()) {
      throw new CliException(
          "--sip-options-respond-503-on-busy: FreeSWITCH only (Asterisk answers OPTIONS 200 while"
              + " its dialplan refuses calls)",
          ExitCodes.INVALID);
    }
    try {
      Running running = start(name, asterisk(), manager, sip, user, secret, options503OnBusy);
      String managerWords = running.managerWords();
      SimSipServer options = running.sip();
      Runtime.getRuntime().addShutdownHook(new Thread(running::close, "sim-pbx-stop"));
      System.out.println(
          "tandem sim-pbx "
              + name
              + ": simulated "
              + (asterisk() ? "Asterisk 20.7.0" : "FreeSWITCH 1.10.12")
              + ", "
              + managerWords
              + ", SIP OPTIONS on udp "
              + options.hostPort().replaceFirst("^[^:]*", bind)
              + "; stop it with Ctrl-C or kill");
      System.out.flush();
      // the simulators run on daemon (virtual) threads: this thread keeps the process alive
      // until it is stopped (the shutdown hook closes them)
      try {
        Thread.currentThread().join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return ExitCodes.OK;
    } catch (java.io.UncheckedIOException | java.net.SocketException e) {
      throw new CliException(
          "cannot listen: "
              + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())
              + " (is the port in use? choose another with --manager-port/--sip-port)",
          ExitCodes.INVALID);
    }
  }

  private boolean asterisk() {
    return switch (type.toLowerCase(java.util.Locale.ROOT)) {
      case "asterisk" -> true;
      case "freeswitch" -> false;
      default ->
          throw new CliException(
              "--type: expected asterisk or freeswitch, found '" + type + "'", ExitCodes.INVALID);
    };
  }
}
