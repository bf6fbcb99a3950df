package io.tandem.onprem.vip;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.AddressBinding;
import io.tandem.core.port.AddressMover;
import io.tandem.core.witness.FencingToken;
import io.tandem.onprem.vip.HostCommand.CommandResult;
import io.tandem.onprem.vip.VipConfig.VipHost;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AddressMover} for a virtual IP shared by the hosts of one site: {@code ip addr del} on the
 * hosts that carry it, {@code ip addr add} on the target, then gratuitous ARP ({@code arping -U})
 * so switches and neighbours learn the new MAC at once instead of after their ARP cache ages out.
 *
 * <p>The epoch is recorded in a small properties file ({@code epoch}, {@code site}, {@code host}),
 * written atomically <em>before</em> the address is touched, so a mover acting under an older
 * ticket afterwards finds the newer epoch and refuses ({@link StaleEpochException}).
 *
 * <p>If a host that still carries the address cannot be reached, the move goes on (that host is
 * usually the one that died) and logs a warning: the caller must have fenced it first (the {@code
 * Fencer} port), since gratuitous ARP only wins the neighbours over, it does not silence the old
 * host. IPv4 only. Thread-safe: moves are serialised on this object.
 */
public final class LinuxVipMover implements AddressMover {

  private static final Logger LOG = LoggerFactory.getLogger(LinuxVipMover.class);

  private final VipConfig config;

  public LinuxVipMover(VipConfig config) {
    this.config = config;
  }

  @Override
  public String provider() {
    return "linux-vip";
  }

  @Override
  public synchronized AddressBinding observe(String address) {
    requireOurs(address);
    List<String> carriers = carriers(false);
    Properties state = readState();
    return new AddressBinding(
        address,
        address,
        carriers.isEmpty() ? Optional.empty() : Optional.of(String.join(",", carriers)),
        recordedEpoch(state),
        Optional.ofNullable(state.getProperty("site")));
  }

  @Override
  public synchronized AddressBinding move(String address, String target, FencingToken token) {
    requireOurs(address);
    VipHost to = config.hosts().get(target);
    if (to == null) {
      throw new ResourceNotFoundException(
          "vip: unknown host '" + target + "', expected one of " + config.hosts().keySet());
    }
    Properties state = readState();
    long recorded = recordedEpoch(state);
    if (!token.mayOverwrite(recorded)) {
      throw new StaleEpochException("vip " + address, token.epoch(), recorded);
    }
    List<String> carriers = carriers(true);
    if (carriers.equals(List.of(target)) && recorded == token.epoch()) {
      return observe(address); // idempotent: already there under this epoch
    }
    writeState(token, target);
    for (String host : carriers) {
      if (!host.equals(target)) {
        remove(host);
      }
    }
    if (!carriers.contains(target)) {
      CommandResult add = exec(to, List.of("ip", "addr", "add", cidr(), "dev", to.voipInterface()));
      if (!add.ok() && !add.stderr().contains("already assigned")) {
        throw failure(target, "ip addr add", add);
      }
    }
    // Announce even when the address was already there: neighbours may still point elsewhere.
    CommandResult garp =
        exec(
            to,
            List.of(
                "arping",
                "-q",
                "-U",
                "-c",
                Integer.toString(config.garpCount()),
                "-I",
                to.voipInterface(),
                config.address()));
    if (!garp.ok()) {
      throw failure(target, "arping -U", garp);
    }
    AddressBinding after = observe(address);
    if (!after.attachedTo().equals(Optional.of(target))) {
      throw new ProtocolException(
          "vip: after the move " + address + " is on " + after.attachedTo().orElse("no host"));
    }
    return after;
  }

  private void remove(String host) {
    VipHost h = config.hosts().get(host);
    try {
      CommandResult del = exec(h, List.of("ip", "addr", "del", cidr(), "dev", h.voipInterface()));
      if (!del.ok() && !del.stderr().contains("not found")) {
        throw failure(host, "ip addr del", del);
      }
    } catch (TransientException e) {
      LOG.warn(
          "vip: could not remove {} from {} ({}); it must be fenced", cidr(), host, e.getMessage());
    }
  }

  /** Hosts whose VoIP interface carries the address now. */
  private List<String> carriers(boolean tolerateUnreachable) {
    Pattern inet = Pattern.compile("\\sinet " + Pattern.quote(config.address()) + "/");
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, VipHost> e : config.hosts().entrySet()) {
      CommandResult r;
      try {
        r =
            exec(
                e.getValue(),
                List.of("ip", "-o", "-4", "addr", "show", "dev", e.getValue().voipInterface()));
      } catch (TransientException ex) {
        if (!tolerateUnreachable) {
          throw ex;
        }
        LOG.warn(
            "vip: cannot ask {} whether it carries {}: {}", e.getKey(), cidr(), ex.getMessage());
        continue;
      }
      if (!r.ok()) {
        throw failure(e.getKey(), "ip addr show", r);
      }
      if (inet.matcher(r.stdout()).find()) {
        out.add(e.getKey());
      }
    }
    return out.stream().sorted().toList();
  }

  private CommandResult exec(VipHost host, List<String> argv) {
    return host.command().run(argv, config.commandTimeout());
  }

  private String cidr() {
    return config.address() + "/" + config.prefixLength();
  }

  private void requireOurs(String address) {
    if (!config.address().equals(address)) {
      throw new ResourceNotFoundException(
          "vip: this mover handles " + config.address() + ", not " + address);
    }
  }

  private static RuntimeException failure(String host, String what, CommandResult r) {
    String err = r.stderr().strip();
    if (err.contains("Operation not permitted") || err.contains("must be run as root")) {
      return new io.tandem.core.error.PermissionException(
          "vip: " + what + " on " + host + " needs CAP_NET_ADMIN/CAP_NET_RAW: " + err);
    }
    if (err.contains("Cannot find device") || err.contains("does not exist")) {
      return new ConfigException("vip: " + what + " on " + host + ": " + err);
    }
    return new TransientException(
        "vip: " + what + " on " + host + " failed (exit " + r.exitCode() + "): " + err);
  }

  private long recordedEpoch(Properties state) {
    try {
      return Long.parseLong(state.getProperty("epoch", "0").strip());
    } catch (NumberFormatException e) {
      throw new ConfigException("vip: state file " + config.stateFile() + " has a bad epoch");
    }
  }

  private Properties readState() {
    Properties p = new Properties();
    Path file = config.stateFile();
    if (Files.exists(file)) {
      try (Reader in = Files.newBufferedReader(file)) {
        p.load(in);
      } catch (IOException e) {
        throw new ConfigException("vip: cannot read state file " + file + ": " + e.getMessage(), e);
      }
    }
    return p;
  }

  private void writeState(FencingToken token, String host) {
    Path file = config.stateFile();
    Properties p = new Properties();
    p.setProperty("epoch", Long.toString(token.epoch()));
    p.setProperty("site", token.site());
    p.setProperty("cluster", token.cluster());
    p.setProperty("host", host);
    p.setProperty("address", config.address());
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      try (Writer out = Files.newBufferedWriter(tmp)) {
        p.store(out, "Tandem VIP state: the epoch of the last move");
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new ConfigException("vip: cannot write state file " + file + ": " + e.getMessage(), e);
    }
  }
}
