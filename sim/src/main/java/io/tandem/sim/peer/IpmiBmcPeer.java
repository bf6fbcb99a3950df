package io.tandem.sim.peer;

import java.util.List;

/**
 * A BMC reachable over IPMI LAN (RMCP / RMCP+) on 127.0.0.1, whose chassis power a test reads back
 * and sets, and which can be made to stop answering.
 */
public interface IpmiBmcPeer {

  /** Always {@code 127.0.0.1}. */
  String host();

  /** The UDP port of the LAN interface (ephemeral, never 623). */
  int port();

  /** The administrator's user name. */
  String user();

  /** The administrator's password. */
  String password();

  /** Whether the simulated chassis is powered on now (read from the chassis control's state). */
  boolean poweredOn();

  /** Sets the chassis power, as a person at the machine would. */
  void power(boolean on);

  /** The chassis control requests the BMC made, oldest first (e.g. {@code "set power 0"}). */
  List<String> chassisRequests();

  /** Stops the BMC process (SIGSTOP): packets are still queued but nothing answers. */
  void freeze();

  /** Lets a frozen BMC run again (SIGCONT). */
  void thaw();
}
