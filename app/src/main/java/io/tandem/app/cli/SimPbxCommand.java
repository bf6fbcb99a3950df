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
    List<AutoCloseable> open = new ArrayList<>();
    try {
      PbxModel model = new PbxModel(asterisk() ? "20.7.0" : "1.10.12");
      String managerWords;
      if (asterisk()) {
        AmiServer ami = new AmiServer(model, new PbxFaults(), user, secret, manager);
        open.add(ami);
        managerWords = "AMI on " + ami.host() + ":" + ami.port() + " (user " + user + ")";
      } else {
        EslServer esl = new EslServer(model, new PbxFaults(), secret, manager);
        open.add(esl);
        managerWords = "event socket on " + esl.host() + ":" + esl.port();
      }
      SimSipServer options = SimSipServer.pbx(name, Clock.systemUTC(), sip);
      open.add(options);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    for (AutoCloseable c : open.reversed()) {
                      try {
                        c.close();
                      } catch (Exception ignored) {
                        // stopping anyway
                      }
                    }
                  },
                  "sim-pbx-stop"));
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
      for (AutoCloseable c : open) {
        try {
          c.close();
        } catch (Exception ignored) {
          // already failing
        }
      }
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
