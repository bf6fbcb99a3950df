package io.tandem.sim.pbx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * In-memory state of a simulated PBX, shared by {@link AmiServer} and {@link EslServer}: channels,
 * outbound registrations (PJSIP registrations / Sofia gateways), endpoint contacts, the
 * accepting-calls flag, globals, reloaded modules and a graceful-stop request.
 *
 * <p>Thread-safe (every method synchronises on the model). Tests and the lab demo change it
 * directly and read what the adapters did.
 */
public final class PbxModel {

  private final String version;
  private final List<String> channels = new ArrayList<>();
  private final Map<String, Boolean> registrations = new LinkedHashMap<>();
  private final Map<String, Boolean> configuredTrunks = new LinkedHashMap<>();
  private final Map<String, Boolean> contacts = new LinkedHashMap<>();
  private final Map<String, String> globals = new LinkedHashMap<>();
  private final List<String> reloadedModules = new ArrayList<>();
  private boolean acceptingCalls = true;
  private boolean gracefulStopRequested;

  /**
   * @param version the version string the PBX reports, e.g. {@code 20.5.0}
   */
  public PbxModel(String version) {
    this.version = version;
  }

  public String version() {
    return version;
  }

  /** Adds an outbound registration (trunk) and whether it is registered now. */
  public synchronized PbxModel trunk(String name, boolean registered) {
    configuredTrunks.put(name, true);
    registrations.put(name, registered);
    return this;
  }

  /** Adds an endpoint contact (a phone) and whether it answers qualify OPTIONS. */
  public synchronized PbxModel contact(String endpoint, boolean reachable) {
    contacts.put(endpoint, reachable);
    return this;
  }

  public synchronized PbxModel addChannel(String name) {
    channels.add(name);
    return this;
  }

  public synchronized void hangupAll() {
    channels.clear();
  }

  public synchronized List<String> channels() {
    return List.copyOf(channels);
  }

  /** Registration state per trunk, in configuration order. */
  public synchronized Map<String, Boolean> registrations() {
    return new LinkedHashMap<>(registrations);
  }

  public synchronized Map<String, Boolean> contacts() {
    return new LinkedHashMap<>(contacts);
  }

  /** Sets a trunk's state; false if no such trunk exists. */
  public synchronized boolean setRegistered(String trunk, boolean registered) {
    if (!registrations.containsKey(trunk)) {
      return false;
    }
    registrations.put(trunk, registered);
    return true;
  }

  /** Removes a trunk until {@link #rescanTrunks()} (FreeSWITCH {@code killgw}). */
  public synchronized boolean removeTrunk(String trunk) {
    return registrations.remove(trunk) != null;
  }

  /** Re-adds configured trunks that were removed, registered (FreeSWITCH {@code rescan}). */
  public synchronized void rescanTrunks() {
    configuredTrunks.keySet().forEach(t -> registrations.putIfAbsent(t, true));
  }

  public synchronized boolean acceptingCalls() {
    return acceptingCalls;
  }

  public synchronized void acceptingCalls(boolean accepting) {
    this.acceptingCalls = accepting;
  }

  public synchronized void setGlobal(String name, String value) {
    globals.put(name, value);
  }

  public synchronized String global(String name) {
    return globals.get(name);
  }

  public synchronized void moduleReloaded(String module) {
    reloadedModules.add(module);
  }

  public synchronized List<String> reloadedModules() {
    return List.copyOf(reloadedModules);
  }

  public synchronized void requestGracefulStop() {
    gracefulStopRequested = true;
    acceptingCalls = false;
  }

  public synchronized boolean gracefulStopRequested() {
    return gracefulStopRequested;
  }
}
