package io.tandem.sim.pbx;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In-memory state of a simulated PBX, shared by {@link AmiServer} and {@link EslServer}: channels
 * grouped into calls, outbound registrations (PJSIP registrations / Sofia gateways), endpoint
 * contacts, installed modules, globals, the accepting-calls flag and the process lifecycle.
 *
 * <p>Calls and channels follow Asterisk's model: a bridged call is two channels sharing one {@code
 * Linkedid} and one {@code BridgeId}; {@code CoreCurrentCalls} counts channels (main/manager.c
 * {@code action_corestatus} prints {@code ast_active_channels()}), {@code CoreProcessedCalls}
 * counts calls since start.
 *
 * <p>Lifecycle follows {@code core stop gracefully} (main/asterisk.c {@code can_safely_quit} with
 * {@code SHUTDOWN_NICE}): new calls are refused at once, the process exits when the last channel
 * has hung up, or immediately when none is up. {@link Listener}s hear about channels and the stop
 * (the servers close their sockets then, as the exiting process would).
 *
 * <p>Thread-safe (every method synchronises on the model; listeners are called outside the lock).
 * Tests and the lab change it directly and read what the adapters did.
 */
public final class PbxModel {

  /** Where the simulated process is in its life. */
  public enum Lifecycle {
    RUNNING,
    /** A graceful stop waits for the last call to end; new calls are refused. */
    SHUTTING_DOWN,
    /** The process has exited: nothing answers any more. */
    STOPPED
  }

  /** Whether a PJSIP contact answers qualify OPTIONS (pjsip_options.c {@code status_map}). */
  public enum ContactStatus {
    REACHABLE("Reachable"),
    UNREACHABLE("Unreachable"),
    /** {@code qualify_frequency} is 0: Asterisk does not know. */
    NON_QUALIFIED("NonQualified"),
    UNKNOWN("Unknown");

    private final String label;

    ContactStatus(String label) {
      this.label = label;
    }

    /** As Asterisk prints it in {@code ContactList} events. */
    public String label() {
      return label;
    }
  }

  /**
   * One channel.
   *
   * @param name e.g. {@code PJSIP/1001-00000001}
   * @param uniqueId unique per channel
   * @param linkedId shared by the channels of one call
   * @param bridgeId the bridge it is in, empty when not bridged
   */
  public record Channel(String name, String uniqueId, String linkedId, String bridgeId) {}

  /** Hears what happens in the model; called outside the model's lock, on the changing thread. */
  public interface Listener {
    default void channelCreated(Channel channel) {}

    default void channelHungUp(Channel channel) {}

    /** The process exited (graceful stop completed). */
    default void stopped() {}
  }

  private final String version;
  private final Clock clock;
  private final Instant startedAt;
  private final AtomicLong ids = new AtomicLong(1);
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final List<Channel> channels = new ArrayList<>();
  private final Map<String, Boolean> registrations = new LinkedHashMap<>();
  private final Map<String, Boolean> configuredTrunks = new LinkedHashMap<>();
  private final Map<String, ContactStatus> contacts = new LinkedHashMap<>();
  private final Map<String, Boolean> modules = new LinkedHashMap<>();
  private final Map<String, String> globals = new LinkedHashMap<>();
  private final List<String> reloadedModules = new ArrayList<>();
  private final AstDb astdb = new AstDb();
  private Instant lastReload;
  private long processedCalls;
  private boolean pjsip = true;
  private boolean acceptingCalls = true;
  private Lifecycle lifecycle = Lifecycle.RUNNING;

  /**
   * A PBX started now, with the modules a PJSIP Asterisk loads ({@code res_pjsip.so} and {@code
   * res_pjsip_outbound_registration.so} reloadable, {@code chan_pjsip.so} not: its {@code
   * AST_MODULE_INFO} has no {@code .reload}).
   *
   * @param version the version string the PBX reports, e.g. {@code 20.5.0}
   */
  public PbxModel(String version) {
    this(version, Clock.systemUTC());
  }

  /** As {@link #PbxModel(String)}, reading time from {@code clock}. */
  public PbxModel(String version, Clock clock) {
    this.version = Objects.requireNonNull(version, "version");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.startedAt = clock.instant();
    this.lastReload = startedAt;
    modules.put("res_pjsip.so", true);
    modules.put("res_pjsip_outbound_registration.so", true);
    modules.put("chan_pjsip.so", false);
    modules.put("pbx_config.so", true);
  }

  public String version() {
    return version;
  }

  public Clock clock() {
    return clock;
  }

  public Instant startedAt() {
    return startedAt;
  }

  public synchronized Instant lastReload() {
    return lastReload;
  }

  /** The internal database (AstDB) the {@code DB*} actions read and write. */
  public AstDb astdb() {
    return astdb;
  }

  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  // ---- trunks, contacts, modules ------------------------------------------------------------

  /** Adds an outbound registration (trunk) and whether it is registered now. */
  public synchronized PbxModel trunk(String name, boolean registered) {
    configuredTrunks.put(name, true);
    registrations.put(name, registered);
    return this;
  }

  /** Adds an endpoint contact (a phone), qualified, and whether it answers qualify OPTIONS. */
  public PbxModel contact(String endpoint, boolean reachable) {
    return contact(endpoint, reachable ? ContactStatus.REACHABLE : ContactStatus.UNREACHABLE);
  }

  public synchronized PbxModel contact(String endpoint, ContactStatus status) {
    contacts.put(endpoint, Objects.requireNonNull(status, "status"));
    return this;
  }

  /** An Asterisk without res_pjsip: its AMI actions are not registered. */
  public synchronized PbxModel withoutPjsip() {
    pjsip = false;
    modules.keySet().removeIf(m -> m.contains("pjsip"));
    return this;
  }

  public synchronized boolean pjsip() {
    return pjsip;
  }

  /** Installs a module file (e.g. {@code app_queue.so}) and whether it implements reload. */
  public synchronized PbxModel module(String file, boolean reloadable) {
    modules.put(file, reloadable);
    return this;
  }

  /** Installed module files to whether they implement reload. */
  public synchronized Map<String, Boolean> modules() {
    return new LinkedHashMap<>(modules);
  }

  /** Registration state per trunk, in configuration order. */
  public synchronized Map<String, Boolean> registrations() {
    return new LinkedHashMap<>(registrations);
  }

  /** Contacts with a boolean view: reachable or not (any other status counts as not). */
  public synchronized Map<String, Boolean> contacts() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    contacts.forEach((k, v) -> out.put(k, v == ContactStatus.REACHABLE));
    return out;
  }

  public synchronized Map<String, ContactStatus> contactStatuses() {
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

  public synchronized void moduleReloaded(String module) {
    reloadedModules.add(module);
    lastReload = clock.instant();
  }

  private String xmlError;

  /**
   * Makes FreeSWITCH's XML fail to parse with {@code error} (what {@code switch_xml_error} would
   * say), or parse again with null: {@code reloadxml} then keeps the old configuration.
   */
  public synchronized PbxModel xmlError(String error) {
    this.xmlError = error;
    return this;
  }

  public synchronized String xmlError() {
    return xmlError;
  }

  public synchronized List<String> reloadedModules() {
    return List.copyOf(reloadedModules);
  }

  // ---- channels and calls -------------------------------------------------------------------

  /** Adds one channel on its own (a caller in an IVR): one call, one channel. */
  public PbxModel addChannel(String name) {
    Channel c;
    synchronized (this) {
      String id = nextId();
      c = new Channel(name, id, id, "");
      channels.add(c);
      processedCalls++;
    }
    listeners.forEach(l -> l.channelCreated(c));
    return this;
  }

  /** Adds a bridged call: two channels with one {@code Linkedid} and one {@code BridgeId}. */
  public PbxModel addCall(String caller, String callee) {
    Channel a;
    Channel b;
    synchronized (this) {
      String linked = nextId();
      String bridge = "bridge-" + linked;
      a = new Channel(caller, linked, linked, bridge);
      b = new Channel(callee, nextId(), linked, bridge);
      channels.add(a);
      channels.add(b);
      processedCalls++;
    }
    listeners.forEach(
        l -> {
          l.channelCreated(a);
          l.channelCreated(b);
        });
    return this;
  }

  /** Hangs up every channel; a graceful stop then completes. */
  public void hangupAll() {
    List<Channel> gone;
    boolean stop;
    synchronized (this) {
      gone = List.copyOf(channels);
      channels.clear();
      stop = lifecycle == Lifecycle.SHUTTING_DOWN;
      if (stop) {
        lifecycle = Lifecycle.STOPPED;
      }
    }
    gone.forEach(c -> listeners.forEach(l -> l.channelHungUp(c)));
    if (stop) {
      listeners.forEach(Listener::stopped);
    }
  }

  /** Channel names. */
  public synchronized List<String> channels() {
    return channels.stream().map(Channel::name).toList();
  }

  public synchronized List<Channel> channelDetails() {
    return List.copyOf(channels);
  }

  /** Calls up now: channels grouped by {@code Linkedid}. */
  public synchronized int calls() {
    return (int) channels.stream().map(Channel::linkedId).distinct().count();
  }

  /** Calls since start ({@code CoreProcessedCalls}). */
  public synchronized long processedCalls() {
    return processedCalls;
  }

  // ---- call gate, globals, lifecycle --------------------------------------------------------

  public synchronized boolean acceptingCalls() {
    return acceptingCalls && lifecycle == Lifecycle.RUNNING;
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

  public synchronized Lifecycle lifecycle() {
    return lifecycle;
  }

  /**
   * {@code core stop gracefully} / {@code fsctl shutdown elegant}: refuse new calls, exit when the
   * last call has ended (at once when none is up). Repeating it changes nothing.
   */
  public void requestGracefulStop() {
    boolean stopNow;
    synchronized (this) {
      if (lifecycle != Lifecycle.RUNNING) {
        return;
      }
      stopNow = channels.isEmpty();
      lifecycle = stopNow ? Lifecycle.STOPPED : Lifecycle.SHUTTING_DOWN;
    }
    if (stopNow) {
      listeners.forEach(Listener::stopped);
    }
  }

  /** Whether a graceful stop was requested (it may still be waiting for calls). */
  public synchronized boolean gracefulStopRequested() {
    return lifecycle != Lifecycle.RUNNING;
  }

  private String nextId() {
    return String.format("%d.%d", startedAt.getEpochSecond(), ids.getAndIncrement());
  }
}
