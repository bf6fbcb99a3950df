package io.tandem.onprem.fence;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.FencedException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.FenceState;
import io.tandem.core.port.Fencer;
import io.tandem.core.runbook.TicketGuard;
import io.tandem.core.witness.FencingToken;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fences a machine by its power: an IPMI BMC ({@code fence_ipmilan}) or a switched PDU outlet
 * ({@code fence_apc_snmp}, {@code fence_apc}, {@code fence_raritan}, …), through the ClusterLabs
 * fence agents and their standard interface (fence-agents {@code lib/fencing.py.py}, Pacemaker's
 * fencing contract): options as {@code name=value} lines on stdin, {@code action=off|on|status|
 * monitor}; exit 0 is success, and for {@code status} 0 means ON and 2 means OFF ({@code
 * fence_action}: "Status: ON|OFF"); every failure exits 1 with {@code fail()}'s sentence on stderr.
 *
 * <p>{@link #fence} runs {@code off} and then, separately, {@code status}: the fence is done only
 * when the device itself reports OFF. A device that does not answer within the time left makes the
 * fence UNKNOWN (a {@link TransientException}), never done. Words map to categories: a refused
 * login or session ("Unable to connect/login", ipmitool's "RAKP 2 HMAC is invalid", "unauthorized
 * name", insufficient privileges) is a {@link PermissionException} quoting the device; a timeout or
 * lost connection is transient; a usage error is a {@link ConfigException}.
 *
 * <p><b>Epochs.</b> A power device keeps no tags and the fence agents have no way to store a value
 * on it, so nothing is recorded ({@link #recordHolder} keeps the port's default). What guards a
 * stale holder is the ticket: {@link #fence} first asks the {@link TicketGuard} whether this agent
 * still holds the token's epoch, and bounds the agent's run by the ticket's time left, so a site
 * whose ticket has passed to another never powers anything off; a run cut short is killed with the
 * {@code ipmitool} it started. (A BMC acts on a command at once, so a command that reached it
 * before the deadline is done before the new holder's grace period ends.)
 *
 * <p>Secrets go only to the agent's stdin; every word quoted from the agent has the secret masked.
 * One run at a time per device (fence agents are not written for concurrent sessions on one BMC).
 * Thread-safe.
 */
public final class FenceAgentFencer implements Fencer {

  private static final List<String> DENIED =
      List.of(
          "unable to connect/login",
          "does not have the correct privileges",
          "rakp 2 hmac is invalid",
          "unauthorized name",
          "invalid user name",
          "insufficient privilege",
          "activate session command failed",
          "authentication failed",
          "login failed",
          "password is incorrect",
          "unauthorized");
  private static final List<String> NO_ANSWER =
      List.of(
          "connection timed out",
          "connection lost",
          "timed out waiting to power",
          "no response from");
  private static final List<String> USAGE =
      List.of("you have to", "please use '-h' for usage", "parse error", "invalid value");

  private final FenceAgentSettings settings;
  private final TicketGuard guard;
  private final ReentrantLock oneAtATime = new ReentrantLock();

  /**
   * @param settings the agent and the device options
   * @param guard whether this agent still holds a token's epoch, and for how long
   */
  public FenceAgentFencer(FenceAgentSettings settings, TicketGuard guard) {
    this.settings = settings;
    this.guard = guard;
  }

  @Override
  public String provider() {
    return settings.agentName();
  }

  @Override
  public FenceState observe(String target) {
    return status(target, settings.timeout());
  }

  @Override
  public FenceState fence(String target, FencingToken token) {
    if (!guard.holds(token)) {
      throw new FencedException(
          "not powering off "
              + target
              + ": this agent no longer holds ticket epoch "
              + token.epoch());
    }
    long start = System.nanoTime();
    Duration budget = budget(token);
    Run off = run(target, "off", budget);
    if (!(off.exitCode == 0)) {
      throw failure(target, "off", off);
    }
    Duration left = budget.minusNanos(System.nanoTime() - start);
    if (left.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new TransientException(
          settings.agentName()
              + " powered "
              + target
              + " off but no time was left to confirm it: the fence is UNKNOWN");
    }
    FenceState confirmed = status(target, left);
    if (!confirmed.fenced()) {
      throw new TransientException(
          settings.agentName()
              + " reported "
              + target
              + " off, but its status says it is on: the fence is UNKNOWN");
    }
    return new FenceState(
        target, true, "powered off by " + settings.agentName() + " (status confirms OFF)");
  }

  /** The shorter of the configured timeout and the ticket's time left. */
  private Duration budget(FencingToken token) {
    Optional<Duration> left = guard.timeLeft(token);
    Duration budget =
        left.filter(l -> l.compareTo(settings.timeout()) < 0).orElse(settings.timeout());
    if (budget.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new FencedException(
          "not powering off: ticket epoch "
              + token.epoch()
              + " has "
              + budget.toMillis()
              + " ms left, too little for "
              + settings.agentName());
    }
    return budget;
  }

  private FenceState status(String target, Duration timeout) {
    Run r = run(target, "status", timeout);
    String out = r.stdout;
    if (r.exitCode == 2 && out.contains("Status: OFF")) {
      return new FenceState(target, true, "powered off (" + settings.agentName() + " status)");
    }
    if (r.exitCode == 0 && out.contains("Status: ON")) {
      return new FenceState(target, false, "powered on (" + settings.agentName() + " status)");
    }
    throw failure(target, "status", r);
  }

  /** A run's result in Tandem's words. */
  private record Run(
      int exitCode, String stdout, List<String> words, boolean timedOut, Duration took) {}

  private Run run(String target, String action, Duration timeout) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("action", action);
    String host = target;
    int colon = target.lastIndexOf(':');
    if (colon > 0 && target.indexOf(':') == colon && target.substring(colon + 1).matches("\\d+")) {
      host = target.substring(0, colon);
      options.put("ipport", target.substring(colon + 1));
    }
    options.put("ip", host);
    options.putAll(settings.options());
    // The agent's own timeouts end before ours, so it can say what failed (fencing.py
    // run_command: power_timeout bounds every device command; login_timeout the session).
    long agentSeconds = Math.max(1, timeout.toSeconds() - 2);
    options.putIfAbsent("power_timeout", Long.toString(agentSeconds));
    options.putIfAbsent("login_timeout", Long.toString(agentSeconds));
    options.put("verbose_level", "2"); // the device's own words (ipmitool -v) on failure
    StringBuilder stdin = new StringBuilder();
    options.forEach((k, v) -> stdin.append(k).append('=').append(v).append('\n'));
    settings
        .secret()
        .ifPresent(s -> stdin.append(settings.secretOption()).append('=').append(s).append('\n'));
    byte[] bytes = stdin.toString().getBytes(StandardCharsets.UTF_8);
    oneAtATime.lock();
    try {
      FenceAgentProcess.Run r =
          FenceAgentProcess.run(List.of(settings.agent().toString()), bytes, timeout);
      return new Run(
          r.timedOut() ? -1 : r.exitCode(),
          mask(r.stdout()),
          words(mask(r.stdout() + "\n" + r.stderr())),
          r.timedOut(),
          r.took());
    } catch (IllegalStateException interrupted) {
      throw new TransientException(
          settings.agentName() + " " + action + " on " + target + " was interrupted", interrupted);
    } finally {
      java.util.Arrays.fill(bytes, (byte) 0);
      oneAtATime.unlock();
    }
  }

  private RuntimeException failure(String target, String action, Run r) {
    String said = r.words.isEmpty() ? "no words" : String.join(" / ", r.words);
    String what = settings.agentName() + " " + action + " on " + target;
    if (r.timedOut) {
      return new TransientException(
          what
              + " did not finish within "
              + r.took.toSeconds()
              + " s (the device does not answer): the fence is UNKNOWN; it said: "
              + said);
    }
    String lower = said.toLowerCase(java.util.Locale.ROOT);
    if (DENIED.stream().anyMatch(lower::contains)) {
      return new PermissionException(
          what
              + " was refused by the device (check the fencing user, secret and privilege): "
              + said);
    }
    if (NO_ANSWER.stream().anyMatch(lower::contains)) {
      return new TransientException(
          what + ": the device did not answer, the fence is UNKNOWN: " + said);
    }
    if (USAGE.stream().anyMatch(lower::contains)) {
      return new ConfigException(what + ": the agent refused its options: " + said);
    }
    return new ProtocolException(what + " failed (exit " + r.exitCode + "): " + said);
  }

  /** The secret, wherever an agent echoes it, becomes {@code ****}. */
  private String mask(String text) {
    return settings
        .secret()
        .filter(s -> !s.isEmpty())
        .map(s -> text.replace(s, "****"))
        .orElse(text);
  }

  /**
   * The device's and the agent's sentences: log prefixes and blank lines dropped, the agent's own
   * command echo ("Executing: …") and ipmitool's banner left out, at most eight distinct lines.
   */
  static List<String> words(String output) {
    List<String> out = new ArrayList<>();
    for (String line : output.split("\n")) {
      String l = line.replaceFirst("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d+ [A-Z]+: ", "");
      l = l.replaceFirst("^\\d+\\s{2}", "").strip();
      if (l.isEmpty()
          || l.startsWith("Executing:")
          || l.startsWith("Loading IANA")
          || l.startsWith("Status:")
          || out.contains(l)) {
        continue;
      }
      out.add(l.length() > 200 ? l.substring(0, 200) + "…" : l);
      if (out.size() == 8) {
        break;
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "FenceAgentFencer[" + settings + "]";
  }
}
