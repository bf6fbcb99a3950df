package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.app.lab.LabCluster;
import io.tandem.app.lab.LabScenario;
import io.tandem.sim.peer.PeerNotInstalledException;
import io.tandem.sim.peer.PeerStartException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tandem lab}: the whole failover on loopback, with nothing else installed. Starts the lab
 * cluster, prints the console URL and one-time credentials, waits until one site is active, then
 * injects the scenario and prints the timeline and RTO as they happen.
 */
@Command(
    name = "lab",
    description =
        "Run the lab: witness, two sites with simulated PBXs, carrier registrar, DNS and a"
            + " simulated cloud address on 127.0.0.1; then fail over and print the timeline.")
public final class LabCommand implements Callable<Integer> {

  @Option(
      names = "--scenario",
      description =
          "primary-crash (default), partition, witness-down, switchover; or 'none' to only start.")
  String scenario;

  @Option(names = "--port", defaultValue = "8080", description = "Console/API port (0: any).")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Console/API address.")
  String bind;

  @Option(names = "--data-dir", description = "Where the witness state, journals and reports go.")
  Path dataDir;

  @Option(
      names = "--exit",
      description =
          "Exit after the scenario. Without it the consoles stay up: until Enter on a terminal,"
              + " until Ctrl-C or SIGTERM otherwise (a --repeat run above 1 always exits).")
  boolean exit;

  @Option(
      names = "--repeat",
      defaultValue = "1",
      description = "Run the scenario N times on fresh clusters and print median and worst RTO.")
  int repeat;

  @Option(names = "--json", description = "Write the measured results as JSON to this file.")
  Path jsonOut;

  @Option(
      names = "--no-browser",
      description = "Do not open the console in a browser (it opens only on a desktop session).")
  boolean noBrowser;

  @Option(
      names = "--real-peers",
      description =
          "Use the testkit's real peers instead of the simulated ones: Kamailio as the carrier"
              + " registrar, BIND 9 for DNS, the AWS emulator (moto) for the public address."
              + " Fails (exit 2) with the install command when one is missing.")
  boolean realPeers;

  @Override
  public Integer call() throws IOException {
    PrintStream out = System.out;
    boolean terminal = System.console() != null;
    boolean interactive = terminal && !exit && repeat == 1;
    LabScenario chosen = null;
    if (scenario != null && !scenario.equals("none")) {
      chosen =
          LabScenario.byId(scenario)
              .orElseThrow(
                  () ->
                      new CliException(
                          "--scenario: expected primary-crash, partition, witness-down,"
                              + " switchover or none, got '"
                              + scenario
                              + "'",
                          ExitCodes.INVALID));
    }
    if (repeat < 1 || repeat > 100) {
      throw new CliException("--repeat: expected 1..100, got " + repeat, ExitCodes.INVALID);
    }
    out.println(
        realPeers
            ? "tandem lab: a cluster on 127.0.0.1 with REAL carrier, DNS and cloud peers"
                + " (simulated PBXs; nothing leaves this machine)"
            : "tandem lab: a SIMULATED cluster on 127.0.0.1 (nothing leaves this machine)");
    List<LabScenario.Result> results = new ArrayList<>();
    for (int i = 1; i <= repeat; i++) {
      Path dir =
          dataDir != null ? dataDir.resolve("run-" + i) : Files.createTempDirectory("tandem-lab-");
      int p = repeat > 1 ? 0 : freeConsolePorts(out);
      LabCluster lab;
      try {
        lab = startLab(dir, p);
      } catch (PeerNotInstalledException | PeerStartException e) {
        throw peerFailure(e);
      } catch (RuntimeException e) {
        if (p != 0 && portInUse(e)) {
          out.println("port " + p + " or " + (p + 1) + " is busy; using free ports instead");
          try {
            lab = startLab(dir, 0);
          } catch (PeerNotInstalledException | PeerStartException pe) {
            throw peerFailure(pe);
          }
        } else {
          throw e;
        }
      }
      try {
        if (i == 1) {
          for (String site : lab.siteNames()) {
            out.printf(
                Locale.ROOT,
                "console  %-7s %s/   (API docs: %s/swagger-ui.html)%n",
                site,
                lab.consoleUrl(site),
                lab.consoleUrl(site));
          }
          out.println(
              "login    admin / "
                  + lab.adminPassword()
                  + "   viewer / "
                  + lab.viewerPassword()
                  + "   (generated for this run)");
          out.println("cluster  " + lab.clusterFile() + "   (each site runs tandem agent with it)");
          out.println(
              "cli      tandem plan --url "
                  + lab.consoleUrl(LabCluster.PRIMARY)
                  + " --token-file "
                  + lab.apiTokenFile()
                  + " --to "
                  + LabCluster.BACKUP);
          if (interactive && !noBrowser) {
            openBrowser(lab.consoleUrl(LabCluster.BACKUP) + "/");
          }
          lab.describePeers().forEach(out::println);
        }
        LabScenario s = chosen;
        if (s == null && interactive && scenario == null) {
          s = ask(out);
        } else if (s == null && scenario == null) {
          s = LabScenario.PRIMARY_CRASH;
        }
        if (s != null) {
          if (repeat > 1) {
            out.printf(Locale.ROOT, "--- run %d of %d ---%n", i, repeat);
          }
          results.add(s.run(lab, out));
        }
        if (!exit && repeat == 1) {
          keepRunning(lab, terminal, out);
        }
      } finally {
        lab.close();
      }
    }
    summarise(out, results);
    boolean ok = results.stream().allMatch(LabScenario.Result::ok);
    return ok ? ExitCodes.OK : ExitCodes.REFUSED;
  }

  /**
   * The console port to ask for: {@code --port} when it and the next one (the second site's) are
   * free on {@code --bind}, else the first free pair above it, said on {@code out} (as development
   * servers do when their port is taken); 0 (any free ports) when {@code --port 0} or no pair is
   * free within 100 ports. Checked before anything starts, so a taken port costs no failed start.
   */
  int freeConsolePorts(PrintStream out) {
    if (port == 0) {
      return 0;
    }
    if (LabPorts.pairFree(bind, port)) {
      return port;
    }
    int busy = LabPorts.free(bind, port) ? port + 1 : port;
    for (int p = port + 1; p < port + 100 && p < 65535; p++) {
      if (LabPorts.pairFree(bind, p)) {
        out.printf(
            Locale.ROOT,
            "port %d is busy on %s; the consoles use ports %d and %d instead%n",
            busy,
            bind,
            p,
            p + 1);
        return p;
      }
    }
    out.printf(
        Locale.ROOT,
        "ports %d to %d are busy on %s; using any free ports%n",
        port,
        port + 100,
        bind);
    return 0;
  }

  /**
   * After the scenario the consoles stay up: until Enter on a terminal, else until a signal (the
   * lab is closed by a shutdown hook either way, so Ctrl-C or {@code kill} leaves no agent, witness
   * or peer process behind). A closed or redirected stdin is no reason to stop: a lab started by a
   * service manager, {@code nohup} or CI keeps running until it is told to stop.
   */
  private static void keepRunning(LabCluster lab, boolean terminal, PrintStream out)
      throws IOException {
    List<String> urls = lab.siteNames().stream().map(n -> lab.consoleUrl(n) + "/").toList();
    Thread hook = new Thread(lab::close, "lab-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    if (terminal) {
      out.println("The consoles stay up (" + urls + ") — press Enter (or Ctrl-C) to stop the lab.");
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // a signal came with the Enter: the hook closes the lab
      }
      return;
    }
    out.println(
        "The consoles stay up ("
            + urls
            + ") until the lab is stopped: Ctrl-C, or kill "
            + ProcessHandle.current().pid()
            + " (SIGTERM). Run with --exit to end after the scenario.");
    out.flush();
    try {
      new java.util.concurrent.CountDownLatch(1).await(); // only a signal ends this process
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private LabCluster startLab(Path dir, int p) {
    return new LabCluster(new LabCluster.Options(dir, bind, p, realPeers)).start();
  }

  /** Whether a start failed because a console port was taken (Spring wraps the bind failure). */
  static boolean portInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException
          || t.getClass().getSimpleName().equals("PortInUseException")
          || String.valueOf(t.getMessage()).contains("already in use")) {
        return true;
      }
    }
    return false;
  }

  /** A real peer that is missing or will not start: never fall back to a simulation. */
  private static CliException peerFailure(RuntimeException e) {
    if (e instanceof PeerNotInstalledException missing) {
      return new CliException(
          "--real-peers: "
              + missing.getMessage()
              + "\nInstall the peers with: "
              + missing.installCommand()
              + "  (or run the lab without --real-peers)",
          ExitCodes.INVALID);
    }
    return new CliException(
        "--real-peers: a real peer did not start: " + e.getMessage(), ExitCodes.UNREACHABLE);
  }

  /** Opens the console on a desktop session (best effort: a headless machine just prints it). */
  private static void openBrowser(String url) {
    if (System.getenv("DISPLAY") == null && System.getenv("WAYLAND_DISPLAY") == null) {
      return;
    }
    try {
      new ProcessBuilder("xdg-open", url)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      // no xdg-open: the URL is printed above
    }
  }

  private LabScenario ask(PrintStream out) throws IOException {
    out.println(
        "Press Enter to crash the primary site, or type: partition, witness-down,"
            + " switchover, none");
    String line =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    if (line == null || line.isBlank()) {
      return LabScenario.PRIMARY_CRASH;
    }
    if (line.trim().equals("none")) {
      return null;
    }
    return LabScenario.byId(line.trim()).orElse(LabScenario.PRIMARY_CRASH);
  }

  private void summarise(PrintStream out, List<LabScenario.Result> results) throws IOException {
    List<Long> rtos =
        results.stream()
            .map(LabScenario.Result::rtoMillis)
            .filter(r -> r != null && r > 0)
            .sorted(Comparator.naturalOrder())
            .toList();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("runs", results.size());
    summary.put("ok", results.stream().filter(LabScenario.Result::ok).count());
    if (!rtos.isEmpty()) {
      long median = rtos.get((rtos.size() - 1) / 2);
      long worst = rtos.get(rtos.size() - 1);
      summary.put("rtoMedianMillis", median);
      summary.put("rtoWorstMillis", worst);
      if (results.size() > 1) {
        out.printf(
            Locale.ROOT,
            "RTO over %d runs: median %.2f s, worst %.2f s%n",
            rtos.size(),
            median / 1000.0,
            worst / 1000.0);
      }
    }
    summary.put("results", results);
    if (jsonOut != null) {
      Files.writeString(
          jsonOut,
          JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(summary));
      out.println("results written to " + jsonOut);
    }
  }
}
