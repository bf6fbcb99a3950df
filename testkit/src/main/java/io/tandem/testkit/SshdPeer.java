package io.tandem.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A running OpenSSH server; see {@link Sshd}. */
public interface SshdPeer {

  /** Always 127.0.0.1. */
  String host();

  int port();

  /** The user the key is authorised for (the one the tests run as). */
  String user();

  /** The client's private key. */
  Path identityFile();

  /** A known_hosts file naming this server's host key. */
  Path knownHostsFile();

  /**
   * sshd's log at {@code LogLevel INFO}: one {@code Accepted publickey for <user> from ...} line
   * per authenticated connection.
   */
  Path logFile();

  /** The listening sshd's process id (its per-connection processes are its descendants). */
  long pid();

  /**
   * An {@code ssh_config} block that reaches this server as {@code hosts} (one or more patterns, as
   * a {@code Host} line takes them): its port, user, key and host key, as an operator's {@code
   * ~/.ssh/config} names them, errors only in ssh's log; {@code extra} lines (e.g. {@code
   * ConnectTimeout 2}) are added to the block.
   */
  default String clientConfig(String hosts, String... extra) {
    StringBuilder block = new StringBuilder("Host ").append(hosts).append('\n');
    List<String> lines = new ArrayList<>();
    lines.add("Port " + port());
    lines.add("User " + user());
    lines.add("IdentityFile " + identityFile());
    lines.add("IdentitiesOnly yes");
    lines.add("UserKnownHostsFile " + knownHostsFile());
    lines.add("StrictHostKeyChecking yes");
    lines.add("LogLevel ERROR");
    lines.addAll(List.of(extra));
    lines.forEach(l -> block.append("  ").append(l).append('\n'));
    return block.toString();
  }

  /** An {@code ssh} command line that trusts only this server's host key. */
  default String sshCommand() {
    return "ssh -o UserKnownHostsFile="
        + knownHostsFile()
        + " -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes";
  }
}
