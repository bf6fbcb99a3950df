package io.tandem.onprem.fence;

import io.tandem.core.error.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How to drive one ClusterLabs fence agent ({@code fence_ipmilan}, {@code fence_apc_snmp}, …) for
 * one device: the agent, the device options it reads on stdin ({@code ip}, {@code ipport}, {@code
 * username}, {@code lanplus}, {@code plug}, …; fence-agents' {@code fencing.py} {@code
 * _parse_input_stdin}: one {@code name=value} per line), the option that carries the secret
 * (default {@code password}), and the longest one agent run may take.
 *
 * <p>Immutable; validated when built. {@link #toString()} never shows the secret.
 *
 * @param agent the agent executable
 * @param options device options, secret-free, in the order they are written
 * @param secretOption the agent option that receives {@code secret} (e.g. {@code password}, {@code
 *     community})
 * @param secret the device password or community; empty when the device needs none
 * @param timeout the longest one agent run may take (a fence is further bounded by the ticket)
 */
public record FenceAgentSettings(
    Path agent,
    Map<String, String> options,
    String secretOption,
    Optional<String> secret,
    Duration timeout) {

  /** Where Debian's {@code fence-agents} installs the agents; searched in this order. */
  static final List<Path> AGENT_DIRS =
      List.of(Path.of("/usr/sbin"), Path.of("/usr/bin"), Path.of("/sbin"));

  /** Options Tandem sets itself on every run; configuring them is refused. */
  static final Set<String> RESERVED =
      Set.of("action", "nodename", "verbose", "verbose_level", "debug_file");

  /** Options that hold secrets; they belong in {@code fencing.secret}, never in the params. */
  static final Set<String> SECRET_OPTIONS =
      Set.of(
          "password",
          "passwd",
          "snmp_priv_passwd",
          "snmp-priv-passwd",
          "community",
          "password_script");

  public FenceAgentSettings {
    Objects.requireNonNull(agent, "agent");
    options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    Objects.requireNonNull(secretOption, "secretOption");
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException("fencing timeout must be positive, was " + timeout);
    }
    for (Map.Entry<String, String> e : options.entrySet()) {
      String key = e.getKey().toLowerCase(Locale.ROOT);
      if (!key.matches("[a-z0-9_-]+")) {
        throw new ConfigException(
            "fencing.params: '" + e.getKey() + "' is not a fence agent option name");
      }
      if (RESERVED.contains(key)) {
        throw new ConfigException(
            "fencing.params." + e.getKey() + ": Tandem sets this option itself");
      }
      if (SECRET_OPTIONS.contains(key)) {
        throw new ConfigException(
            "fencing.params."
                + e.getKey()
                + ": a secret goes in fencing.secret (${env:...} or ${file:...})");
      }
      oneLine("fencing.params." + e.getKey(), e.getValue());
    }
    secret.ifPresent(s -> oneLine("fencing.secret", s));
  }

  /**
   * The agent named {@code name} ({@code fence_ipmilan}) in Debian's directories, or an absolute
   * path to an executable.
   *
   * @throws ConfigException when it is not installed, naming the package
   */
  public static Path agent(String name) {
    if (name.startsWith("/")) {
      Path p = Path.of(name);
      if (!Files.isExecutable(p)) {
        throw new ConfigException("fence agent " + name + " is not an executable file");
      }
      return p;
    }
    if (!name.matches("fence_[a-z0-9_]+")) {
      throw new ConfigException(
          "fencing.params.agent: expected a fence agent name such as fence_ipmilan, was '"
              + name
              + "'");
    }
    for (Path dir : AGENT_DIRS) {
      Path p = dir.resolve(name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new ConfigException(
        "fence agent "
            + name
            + " is not installed (searched "
            + AGENT_DIRS
            + "): install it with apt-get install fence-agents");
  }

  /** The agent's name, e.g. {@code fence_ipmilan}. */
  public String agentName() {
    return agent.getFileName().toString();
  }

  private static void oneLine(String field, String value) {
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
      // one option per line on the agent's stdin: a line break would start another option
      throw new ConfigException(field + ": must be a single line");
    }
  }

  @Override
  public String toString() {
    return "FenceAgentSettings[agent="
        + agent
        + ", options="
        + options
        + ", secretOption="
        + secretOption
        + ", secret="
        + (secret.isPresent() ? "****" : "none")
        + ", timeout="
        + timeout
        + "]";
  }
}
