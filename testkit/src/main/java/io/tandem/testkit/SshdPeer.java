package io.tandem.testkit;

import java.nio.file.Path;

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

  /** An {@code ssh} command line that trusts only this server's host key. */
  default String sshCommand() {
    return "ssh -o UserKnownHostsFile="
        + knownHostsFile()
        + " -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes";
  }
}
