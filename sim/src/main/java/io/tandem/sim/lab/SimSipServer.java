package io.tandem.sim.lab;

import io.tandem.sim.pbx.PbxModel;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab's simulated SIP peer over UDP on 127.0.0.1: either a site's PBX (answers OPTIONS with 200
 * while it serves, 503 once fenced or stopped) or a carrier's registrar (REGISTER with MD5 digest
 * authentication and a location table; OPTIONS 200).
 *
 * <p>Clearly a simulation: it implements only what the lab exercises. Requests are answered
 * statelessly, except that a final non-2xx answer to an INVITE is sent again until the client's ACK
 * comes, as every real UAS does over UDP (RFC 3261 17.2.1; {@link #unacknowledgedInvites()}).
 * Thread-safe; one receive thread and one timer thread; {@link #close()} stops them.
 */
public final class SimSipServer implements AutoCloseable {

  /** What the server plays. */
  public enum Role {
    PBX,
    REGISTRAR
  }

  /**
   * How a PBX bound to a {@link PbxModel} answers SIP while it refuses new calls (fenced or
   * draining: Tandem's AMI fence sets the dialplan global {@code TANDEM_ACCEPT_CALLS=0}, its ESL
   * fence runs {@code fsctl pause inbound}).
   */
  public enum Refusal {
    /**
     * Asterisk with chan_pjsip: OPTIONS is answered by res_pjsip's options module
     * (res/res_pjsip/pjsip_options.c, {@code options_on_rx_request}): 503 only while Asterisk shuts
     * down, else 200 (404 if the request URI names an extension the endpoint's context lacks),
     * whatever a dialplan global says. An INVITE reaches the dialplan, whose gate (docs/
     * pbx-setup.md) hangs up with cause 34, which chan_pjsip sends as 503.
     */
    ASTERISK,
    /**
     * FreeSWITCH (mod_sofia) as shipped: OPTIONS is answered 200 whatever the pause; an INVITE
     * while inbound calls are paused gets 503 "Maximum Calls In Progress".
     */
    FREESWITCH,
    /**
     * FreeSWITCH with the sofia profile parameter {@code sip-options-respond-503-on-busy=true}: as
     * {@link #FREESWITCH}, but OPTIONS too gets 503 "Maximum Calls In Progress" while paused or at
     * its session limit (the FreeSWITCH documentation of that parameter).
     */
    FREESWITCH_OPTIONS_503_ON_BUSY
  }

  private static final Pattern PARAM = Pattern.compile("(\\w+)=(\"([^\"]*)\"|[^,\\s]+)");
  private static final Pattern CONTACT_URI = Pattern.compile("<([^>]+)>|^([^;]+)");
  private static final Pattern EXPIRES = Pattern.compile(";\\s*expires=(\\d+)");

  private final Role role;
  private final String name;
  private final String realm;
  private final Map<String, String> users;
  private final Clock clock;
  private final DatagramSocket socket;
  private final AtomicBoolean serving = new AtomicBoolean(true);
  private final Map<String, Map<String, Instant>> bindings = new ConcurrentHashMap<>();
  private final String nonce;
  private final Thread receiver;
  private PbxModel model;
  private Refusal refusal;

  /*
   * RFC 3261 17.2.1 over UDP: an INVITE server transaction sends its final non-2xx answer again at
   * timer G (T1, doubling up to T2) until the ACK comes (Confirmed: no more retransmissions) or
   * timer H (64 * T1) gives up. pjsip's transaction layer does so for Asterisk's chan_pjsip
   * (pjsip/src/pjsip/sip_transaction.c, the retransmit timer of a UAS INVITE transaction on an
   * unreliable transport), sofia-sip's for FreeSWITCH: a client that never ACKs gets the 503 again
   * and again, which a client must be able to take, and which the fake must do too.
   */
  static final long T1_MILLIS = 500;
  static final long T2_MILLIS = 4_000;
  static final long TIMER_H_MILLIS = 64 * T1_MILLIS;

  /** An INVITE server transaction whose final non-2xx answer awaits its ACK. */
  private final class InviteTransaction {
    final String key;
    final byte[] answer;
    final java.net.SocketAddress to;
    final long startedNanos = System.nanoTime();
    long intervalMillis = T1_MILLIS;

    InviteTransaction(String key, byte[] answer, java.net.SocketAddress to) {
      this.key = key;
      this.answer = answer;
      this.to = to;
    }

    void schedule() {
      timers.schedule(this::timerG, intervalMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void timerG() {
      if (inviteTransactions.get(key) != this || socket.isClosed()) {
        return; // ACKed (or closed)
      }
      if ((System.nanoTime() - startedNanos) / 1_000_000 >= TIMER_H_MILLIS) {
        inviteTransactions.remove(key, this); // timer H: the client is gone
        return;
      }
      try {
        socket.send(new DatagramPacket(answer, answer.length, to));
        retransmissions.incrementAndGet();
      } catch (IOException closed) {
        return;
      }
      intervalMillis = Math.min(2 * intervalMillis, T2_MILLIS);
      schedule();
    }
  }

  private final Map<String, InviteTransaction> inviteTransactions = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong retransmissions =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.ScheduledExecutorService timers =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          Thread.ofVirtual().name("lab-sip-timers").factory());

  private SimSipServer(Role role, String name, String realm, Map<String, String> users, Clock clock)
      throws SocketException {
    this(
        role,
        name,
        realm,
        users,
        clock,
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  private SimSipServer(
      Role role,
      String name,
      String realm,
      Map<String, String> users,
      Clock clock,
      InetSocketAddress bind)
      throws SocketException {
    this.role = role;
    this.name = name;
    this.realm = realm;
    this.users = Map.copyOf(users);
    this.clock = clock;
    this.socket = new DatagramSocket(bind);
    byte[] n = new byte[16];
    new SecureRandom().nextBytes(n);
    this.nonce = HexFormat.of().formatHex(n);
    this.receiver = Thread.ofVirtual().name("lab-sip-" + role).unstarted(this::loop);
  }

  /** A simulated PBX answering OPTIONS; {@code site} appears in its {@code Server} header. */
  public static SimSipServer pbx(String site, Clock clock) throws SocketException {
    SimSipServer s = new SimSipServer(Role.PBX, site, "pbx.lab", Map.of(), clock);
    s.receiver.start();
    return s;
  }

  /** A simulated PBX answering OPTIONS on {@code bind} ({@code tandem sim-pbx}). */
  public static SimSipServer pbx(String site, Clock clock, InetSocketAddress bind)
      throws SocketException {
    SimSipServer s = new SimSipServer(Role.PBX, site, "pbx.lab", Map.of(), clock, bind);
    s.receiver.start();
    return s;
  }

  /**
   * A simulated PBX whose SIP answers follow {@code model} the way the real PBX's do while it
   * refuses new calls ({@code tandem sim-pbx}): see {@link Refusal}. While the model accepts calls,
   * an INVITE gets 480 Temporarily Unavailable (the dialled extension has no phone registered: the
   * simulator has none), once it refuses, 503; OPTIONS as {@code refusal} says.
   */
  public static SimSipServer pbx(
      String site, Clock clock, InetSocketAddress bind, PbxModel model, Refusal refusal)
      throws SocketException {
    SimSipServer s = new SimSipServer(Role.PBX, site, "pbx.lab", Map.of(), clock, bind);
    s.model = java.util.Objects.requireNonNull(model, "model");
    s.refusal = java.util.Objects.requireNonNull(refusal, "refusal");
    s.receiver.start();
    return s;
  }

  /** A simulated carrier registrar with digest users (user to password). */
  public static SimSipServer registrar(String realm, Map<String, String> users, Clock clock)
      throws SocketException {
    SimSipServer s = new SimSipServer(Role.REGISTRAR, "carrier", realm, users, clock);
    s.receiver.start();
    return s;
  }

  public int port() {
    return socket.getLocalPort();
  }

  public String hostPort() {
    return "127.0.0.1:" + port();
  }

  /** PBX only: whether it answers as the service (200) or refuses (503). */
  public void serving(boolean on) {
    serving.set(on);
  }

  public boolean serving() {
    return serving.get();
  }

  /** Registrar only: live contacts of an address of record such as {@code sip:trunk1@lab}. */
  public List<String> contacts(String aor) {
    Instant now = clock.instant();
    List<String> out = new ArrayList<>();
    bindings
        .getOrDefault(aor, Map.of())
        .forEach(
            (c, exp) -> {
              if (exp.isAfter(now)) {
                out.add(c);
              }
            });
    return out;
  }

  private void loop() {
    byte[] buf = new byte[65_535];
    while (!socket.isClosed()) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
      } catch (IOException closed) {
        return;
      }
      String answer;
      SipMessage m;
      try {
        m = SipMessage.parse(p.getData(), p.getLength());
        answer = handle(m);
      } catch (RuntimeException malformed) {
        continue; // a simulated peer drops what it cannot parse, as a real one would
      }
      String tx = transactionKey(m);
      if (m.method().equals("ACK")) {
        inviteTransactions.remove(tx); // Confirmed: timer G stops
      }
      if (answer == null) {
        continue;
      }
      byte[] out = answer.getBytes(StandardCharsets.UTF_8);
      try {
        socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
      } catch (IOException closed) {
        return;
      }
      if (m.method().equals("INVITE") && !answer.startsWith("SIP/2.0 2")) {
        InviteTransaction t = new InviteTransaction(tx, out, p.getSocketAddress());
        if (inviteTransactions.putIfAbsent(tx, t) == null) {
          t.schedule(); // a retransmitted INVITE is answered again by the same transaction
        }
      }
    }
  }

  /**
   * INVITE server transactions still waiting for the ACK of their final answer (RFC 3261 17.2.1,
   * Completed state); 0 once every client ended its transactions.
   */
  public int unacknowledgedInvites() {
    return inviteTransactions.size();
  }

  /** How many final answers to INVITEs were sent again because no ACK came (timer G). */
  public long retransmittedAnswers() {
    return retransmissions.get();
  }

  /**
   * The transaction an INVITE or the ACK of its non-2xx answer belongs to: the top Via, which the
   * ACK repeats exactly (RFC 3261 17.1.1.3; matching by its branch and sent-by, 17.2.3).
   */
  private static String transactionKey(SipMessage m) {
    String via = String.valueOf(m.header("via"));
    int comma = via.indexOf(',');
    return (comma >= 0 ? via.substring(0, comma) : via).replaceAll("\\s+", "");
  }

  private String handle(SipMessage m) {
    String server =
        "Server: tandem-lab-" + role.name().toLowerCase(java.util.Locale.ROOT) + " " + name;
    if (model != null) {
      return modelAnswer(m, server);
    }
    return switch (m.method()) {
      case "OPTIONS" ->
          role == Role.PBX && !serving.get()
              ? m.response(503, "Service Unavailable", List.of("Retry-After: 30", server))
              : m.response(
                  200, "OK", List.of("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER", server));
      case "REGISTER" ->
          role == Role.REGISTRAR ? register(m) : m.response(405, "Method Not Allowed", List.of());
      case "ACK" -> null;
      default -> m.response(501, "Not Implemented", List.of());
    };
  }

  private String modelAnswer(SipMessage m, String server) {
    PbxModel.Lifecycle life = model.lifecycle();
    if (life == PbxModel.Lifecycle.STOPPED) {
      return null; // the process has exited: nothing answers
    }
    boolean refusing = !model.acceptingCalls();
    String busy = refusal == Refusal.ASTERISK ? "Service Unavailable" : "Maximum Calls In Progress";
    return switch (m.method()) {
      case "OPTIONS" ->
          life == PbxModel.Lifecycle.SHUTTING_DOWN
                  || (refusing && refusal == Refusal.FREESWITCH_OPTIONS_503_ON_BUSY)
              ? m.response(503, busy, List.of(server))
              : m.response(
                  200, "OK", List.of("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER", server));
      case "INVITE" ->
          refusing
              ? m.response(503, busy, List.of(server))
              : m.response(480, "Temporarily Unavailable", List.of(server));
      case "ACK" -> null;
      default -> m.response(501, "Not Implemented", List.of(server));
    };
  }

  private String register(SipMessage m) {
    String auth = m.header("authorization");
    String challenge =
        "WWW-Authenticate: Digest realm=\""
            + realm
            + "\", nonce=\""
            + nonce
            + "\", algorithm=MD5, qop=\"auth\"";
    if (auth == null) {
      return m.response(401, "Unauthorized", List.of(challenge));
    }
    Map<String, String> p = params(auth);
    String user = p.get("username");
    String password = users.get(user);
    if (password == null || !nonce.equals(p.get("nonce"))) {
      return m.response(401, "Unauthorized", List.of(challenge));
    }
    String ha1 = md5(user + ":" + realm + ":" + password);
    String ha2 = md5("REGISTER:" + p.get("uri"));
    String expected =
        p.containsKey("qop")
            ? md5(
                ha1
                    + ":"
                    + nonce
                    + ":"
                    + p.get("nc")
                    + ":"
                    + p.get("cnonce")
                    + ":"
                    + p.get("qop")
                    + ":"
                    + ha2)
            : md5(ha1 + ":" + nonce + ":" + ha2);
    if (!MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII),
        String.valueOf(p.get("response")).getBytes(StandardCharsets.US_ASCII))) {
      return m.response(403, "Forbidden", List.of());
    }
    String aor = aor(m.header("to"));
    long defaultExpires = parseLong(m.header("expires"), 3600);
    Map<String, Instant> table = bindings.computeIfAbsent(aor, k -> new LinkedHashMap<>());
    synchronized (table) {
      for (String contact : m.all("contact")) {
        if (contact.trim().equals("*")) {
          table.clear();
          continue;
        }
        Matcher em = EXPIRES.matcher(contact);
        long expires = em.find() ? Long.parseLong(em.group(1)) : defaultExpires;
        String uri = contactUri(contact);
        if (expires == 0) {
          table.remove(uri);
        } else {
          table.put(uri, clock.instant().plusSeconds(Math.min(expires, 3600)));
        }
      }
      List<String> headers = new ArrayList<>();
      Instant now = clock.instant();
      table.forEach(
          (c, exp) -> {
            if (exp.isAfter(now)) {
              headers.add(
                  "Contact: <" + c + ">;expires=" + (exp.getEpochSecond() - now.getEpochSecond()));
            }
          });
      headers.add(
          "Date: "
              + java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                  now.atZone(java.time.ZoneOffset.UTC)));
      return m.response(200, "OK", headers);
    }
  }

  private static Map<String, String> params(String header) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher pm = PARAM.matcher(header.replaceFirst("(?i)^Digest\\s+", ""));
    while (pm.find()) {
      out.put(
          pm.group(1).toLowerCase(java.util.Locale.ROOT),
          pm.group(3) != null ? pm.group(3) : pm.group(2));
    }
    return out;
  }

  static String aor(String to) {
    Matcher cm = CONTACT_URI.matcher(to == null ? "" : to.replaceFirst("^\"[^\"]*\"\\s*", ""));
    String uri = cm.find() ? (cm.group(1) != null ? cm.group(1) : cm.group(2)) : "";
    int semi = uri.indexOf(';');
    uri = semi > 0 ? uri.substring(0, semi) : uri;
    int colonPort = uri.lastIndexOf(':');
    // the address of record is user@domain, without port or parameters
    if (colonPort > uri.indexOf('@') && uri.indexOf('@') > 0) {
      uri = uri.substring(0, colonPort);
    }
    return uri;
  }

  private static String contactUri(String contact) {
    Matcher cm = CONTACT_URI.matcher(contact.trim());
    return cm.find() ? (cm.group(1) != null ? cm.group(1) : cm.group(2)).trim() : contact.trim();
  }

  private static long parseLong(String s, long dflt) {
    try {
      return s == null ? dflt : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private static String md5(String s) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required by every JDK", e);
    }
  }

  @Override
  public void close() {
    socket.close();
    timers.shutdownNow();
  }
}
