package io.tandem.sim.peer.internal;

import io.tandem.sim.peer.KamailioPeer;
import io.tandem.sim.peer.RealPeers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A running Kamailio registrar (see {@code kamailio.cfg} next to this class). Thread-safe: the user
 * table and location table live in Kamailio and are reached over JSON-RPC.
 */
public final class RunningKamailio implements KamailioPeer, RealPeers.RunningKamailio {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private final Path dir;
  private final PeerProcess process;
  private final int sipPort;
  private final String domain;
  private final KamailioRpc rpc;
  private final Map<String, String> users = Collections.synchronizedMap(new LinkedHashMap<>());

  private RunningKamailio(Path dir, PeerProcess process, int sipPort, int httpPort, String domain) {
    this.dir = dir;
    this.process = process;
    this.sipPort = sipPort;
    this.domain = domain;
    this.rpc = new KamailioRpc(LoopbackPorts.HOST, httpPort);
  }

  public static RunningKamailio start(
      Path binary, String domain, String algorithm, Map<String, String> initialUsers) {
    Path dir = TempDirs.create("kamailio");
    int sipPort = LoopbackPorts.tcpAndUdp();
    int httpPort = LoopbackPorts.tcp();
    Path cfg = dir.resolve("kamailio.cfg");
    String header =
        String.join(
            "\n",
            "#!KAMAILIO",
            substdef("TK_SIP_PORT", Integer.toString(sipPort)),
            substdef("TK_HTTP_PORT", Integer.toString(httpPort)),
            substdef("TK_RUN_DIR", dir.toString()),
            substdef("TK_DOMAIN", domain),
            substdef("TK_ALGORITHM", algorithm),
            "");
    write(cfg, header + template());
    PeerProcess process =
        new PeerProcess(
            "kamailio",
            List.of(
                binary.toString(),
                "-f",
                cfg.toString(),
                "-DD",
                "-E",
                "-m",
                "32",
                "-M",
                "4",
                "-Y",
                dir.toString()),
            dir,
            dir.resolve("kamailio.log"),
            Map.of());
    RunningKamailio kamailio = new RunningKamailio(dir, process, sipPort, httpPort, domain);
    long t0 = System.nanoTime();
    try {
      process.startAndAwait(READY_TIMEOUT, () -> kamailio.rpc.call("core.version").isString());
      initialUsers.forEach(kamailio::addUser);
    } catch (RuntimeException e) {
      kamailio.close();
      throw e;
    }
    StartupTimes.record(
        "kamailio",
        Duration.ofNanos(System.nanoTime() - t0),
        LoopbackPorts.HOST + ":" + sipPort + " (rpc " + httpPort + ")");
    return kamailio;
  }

  private static String substdef(String token, String value) {
    if (value.contains("!")) {
      throw new IllegalArgumentException(token + " must not contain '!'");
    }
    return "#!substdef \"!" + token + "!" + value + "!g\"";
  }

  private static String template() {
    try (InputStream in = RunningKamailio.class.getResourceAsStream("kamailio.cfg")) {
      if (in == null) {
        throw new IllegalStateException("kamailio.cfg resource missing from the testkit jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String host() {
    return LoopbackPorts.HOST;
  }

  @Override
  public int sipPort() {
    return sipPort;
  }

  @Override
  public String domain() {
    return domain;
  }

  @Override
  public Map<String, String> users() {
    synchronized (users) {
      return Map.copyOf(users);
    }
  }

  @Override
  public void addUser(String user, String password) {
    rpc.call("htable.sets", "users", user, password);
    users.put(user, password);
  }

  @Override
  public void refuseRegistrations(String user, int retryAfterSeconds) {
    if (retryAfterSeconds < 1) {
      throw new IllegalArgumentException("retryAfterSeconds must be >= 1");
    }
    rpc.call("htable.sets", "busy", user, Integer.toString(retryAfterSeconds));
  }

  @Override
  public void acceptRegistrations(String user) {
    try {
      rpc.call("htable.delete", "busy", user);
    } catch (IllegalStateException e) {
      // htable.delete answers 404 for a key that is not there: lifting is idempotent.
      if (!e.getMessage().contains("HTTP 404")) {
        throw e;
      }
    }
  }

  @Override
  public List<String> contacts(String aor) {
    String key = userPart(aor);
    List<String> contacts = new ArrayList<>();
    for (JsonNode domainNode : dump().path("Domains")) {
      for (JsonNode aorNode : domainNode.path("Domain").path("AoRs")) {
        JsonNode info = aorNode.path("Info");
        if (key.equals(info.path("AoR").asString(""))) {
          for (JsonNode contact : info.path("Contacts")) {
            contacts.add(contact.path("Contact").path("Address").asString(""));
          }
        }
      }
    }
    return List.copyOf(contacts);
  }

  @Override
  public void clearLocation(String aor) {
    try {
      rpc.call("ul.rm", "location", userPart(aor));
    } catch (IllegalStateException e) {
      // ul.rm reports an error for an AoR without bindings: clearing is idempotent.
      if (!e.getMessage().contains("AOR not found")) {
        throw e;
      }
    }
  }

  @Override
  public String locationDump() {
    return dump().toString();
  }

  private JsonNode dump() {
    return rpc.call("ul.dump");
  }

  /** usrloc runs with use_domain=0: bindings are keyed by the user part of the AoR. */
  static String userPart(String aor) {
    String s = aor.trim();
    if (s.startsWith("sip:") || s.startsWith("sips:")) {
      s = s.substring(s.indexOf(':') + 1);
    }
    int at = s.indexOf('@');
    return at >= 0 ? s.substring(0, at) : s;
  }

  @Override
  public String logTail() {
    return process.logTail();
  }

  @Override
  public void close() {
    process.stop();
    TempDirs.delete(dir);
  }

  @Override
  public String toString() {
    return "Kamailio[sip=" + LoopbackPorts.HOST + ":" + sipPort + ", domain=" + domain + "]";
  }
}
