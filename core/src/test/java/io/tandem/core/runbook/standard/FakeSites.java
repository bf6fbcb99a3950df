package io.tandem.core.runbook.standard;

import io.tandem.core.error.ConflictException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.AddressBinding;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.port.FenceState;
import io.tandem.core.port.Fencer;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.PbxStatus;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.SyncStatus;
import io.tandem.core.port.TrunkBinding;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.runbook.Notice;
import io.tandem.core.runbook.Probe;
import io.tandem.core.runbook.ProbeResult;
import io.tandem.core.witness.FencingToken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Hand-written fakes of the ports for two sites, a and b, sharing one "cloud". */
final class FakeSites {

  static final String ADDRESS = "eipalloc-1";
  static final DnsRecord RECORD_A =
      new DnsRecord("example.com.", "sip.example.com.", "A", 60, List.of("198.51.100.1"));
  static final DnsRecord RECORD_B = RECORD_A.withValues(List.of("203.0.113.2"));

  final Mover mover = new Mover();
  final Dns dns = new Dns();
  final Registrar registrar = new Registrar();
  final FencerFake fencer = new FencerFake();
  final Pbx pbxA = new Pbx("a");
  final Pbx pbxB = new Pbx("b");
  final Sync sync = new Sync();
  final List<Notice> notices = new CopyOnWriteArrayList<>();

  FakeSites() {
    mover.attached.put(ADDRESS, "i-a");
    dns.records.put(RECORD_A.name(), RECORD_A);
    registrar.contacts.put("carrier-1", new ArrayList<>(List.of("sip:pbx@198.51.100.1")));
    pbxB.accepting = false;
  }

  /** As {@link #topology}, with the new site recording its epoch on its own machine first. */
  FailoverTopology topologyWithHolder(String from, String to) {
    FailoverTopology t = topology(from, to);
    return new FailoverTopology(
        t.cluster(),
        t.fromSite(),
        t.toSite(),
        t.fence(),
        Optional.of(new FailoverTopology.FenceTarget(fencer, "i-" + to)),
        t.addresses(),
        t.dnsRecords(),
        t.trunks(),
        t.oldPbx(),
        t.newPbx(),
        t.syncJobs(),
        t.probes(),
        t.notifier());
  }

  /** Topology moving service from {@code from} to {@code to}. */
  FailoverTopology topology(String from, String to) {
    boolean toB = to.equals("b");
    return FailoverTopology.builder()
        .cluster("c1")
        .fromSite(from)
        .toSite(to)
        .fence(fencer, "i-" + from)
        .address(mover, ADDRESS, "i-" + to)
        .dns(dns, toB ? RECORD_B : RECORD_A)
        .trunk(
            registrar,
            "carrier-1",
            toB ? "sip:pbx@203.0.113.2" : "sip:pbx@198.51.100.1",
            toB ? "sip:pbx@198.51.100.1" : "sip:pbx@203.0.113.2")
        .oldPbx(toB ? pbxA : pbxB)
        .newPbx(toB ? pbxB : pbxA)
        .sync(sync)
        .probe(new OptionsProbe(to))
        .notifier(notices::add)
        .build();
  }

  Map<String, String> state() {
    return Map.of(
        "address", mover.attached.get(ADDRESS),
        "dns", dns.records.get(RECORD_A.name()).values().toString(),
        "trunk", registrar.contacts.get("carrier-1").toString(),
        "pbxA", Boolean.toString(pbxA.accepting),
        "pbxB", Boolean.toString(pbxB.accepting));
  }

  final class Mover implements AddressMover {
    final Map<String, String> attached = new ConcurrentHashMap<>();
    volatile long recordedEpoch;
    final AtomicInteger moves = new AtomicInteger();

    @Override
    public String provider() {
      return "fake-eip";
    }

    @Override
    public AddressBinding observe(String address) {
      return new AddressBinding(
          address,
          "203.0.113.10",
          Optional.ofNullable(attached.get(address)),
          recordedEpoch,
          Optional.empty());
    }

    @Override
    public AddressBinding move(String address, String target, FencingToken token) {
      if (!token.mayOverwrite(recordedEpoch)) {
        throw new StaleEpochException(address, token.epoch(), recordedEpoch);
      }
      moves.incrementAndGet();
      attached.put(address, target);
      recordedEpoch = token.epoch();
      return observe(address);
    }
  }

  static final class Dns implements DnsUpdater {
    final Map<String, DnsRecord> records = new ConcurrentHashMap<>();

    @Override
    public String provider() {
      return "fake-dns";
    }

    @Override
    public Optional<DnsRecord> observe(String zone, String name, String type) {
      return Optional.ofNullable(records.get(name));
    }

    @Override
    public synchronized DnsRecord replace(
        Optional<DnsRecord> expected, DnsRecord desired, FencingToken token) {
      Optional<DnsRecord> now = Optional.ofNullable(records.get(desired.name()));
      if (now.equals(Optional.of(desired))) {
        return desired;
      }
      if (!now.equals(expected)) {
        throw new ConflictException("record " + desired.name() + " changed since observed");
      }
      records.put(desired.name(), desired);
      return desired;
    }

    @Override
    public boolean verify(DnsRecord desired) {
      return desired.equals(records.get(desired.name()));
    }
  }

  static final class Registrar implements TrunkRegistrar {
    final Map<String, List<String>> contacts = new ConcurrentHashMap<>();

    @Override
    public String provider() {
      return "fake-registrar";
    }

    @Override
    public synchronized TrunkBinding observe(String trunk) {
      return new TrunkBinding(trunk, contacts.getOrDefault(trunk, List.of()), Optional.empty());
    }

    @Override
    public synchronized TrunkBinding register(String trunk, String contact, FencingToken token) {
      List<String> c = contacts.computeIfAbsent(trunk, k -> new ArrayList<>());
      if (!c.contains(contact)) {
        c.add(contact);
      }
      return observe(trunk);
    }

    @Override
    public synchronized TrunkBinding unregister(String trunk, String contact) {
      contacts.getOrDefault(trunk, new ArrayList<>()).remove(contact);
      return observe(trunk);
    }
  }

  static final class FencerFake implements Fencer {
    final Map<String, Boolean> fenced = new ConcurrentHashMap<>();
    final Map<String, Long> holderEpoch = new ConcurrentHashMap<>();

    @Override
    public String recordHolder(String target, FencingToken token) {
      long recorded = holderEpoch.getOrDefault(target, 0L);
      if (!token.mayOverwrite(recorded)) {
        throw new StaleEpochException(target, token.epoch(), recorded);
      }
      holderEpoch.put(target, token.epoch());
      return target + " records epoch " + token.epoch();
    }

    @Override
    public String provider() {
      return "fake-fence";
    }

    @Override
    public FenceState observe(String target) {
      boolean f = fenced.getOrDefault(target, false);
      return new FenceState(target, f, f ? "stopped" : "running");
    }

    @Override
    public FenceState fence(String target, FencingToken token) {
      fenced.put(target, true);
      return observe(target);
    }
  }

  /** A PBX whose active calls end one per status query once new calls are refused. */
  static final class Pbx implements PbxControl {
    final String site;
    volatile boolean accepting = true;
    volatile int activeCalls;
    volatile boolean callsEnd = true;

    Pbx(String site) {
      this.site = site;
    }

    @Override
    public synchronized PbxStatus status() {
      PbxStatus s = new PbxStatus(true, "FakePBX 1.0", activeCalls, activeCalls * 2, accepting);
      if (!accepting && callsEnd && activeCalls > 0) {
        activeCalls--;
      }
      return s;
    }

    @Override
    public void stopNewCalls() {
      accepting = false;
    }

    @Override
    public void acceptNewCalls() {
      accepting = true;
    }

    @Override
    public void registerTrunk(String trunk) {}

    @Override
    public void unregisterTrunk(String trunk) {}

    @Override
    public void gracefulStop() {}
  }

  static final class Sync implements SyncJob {
    volatile double lag = 120;
    volatile boolean checkedBeforeHandover;
    final AtomicInteger runs = new AtomicInteger();

    @Override
    public boolean checkedBeforeHandover() {
      return checkedBeforeHandover;
    }

    @Override
    public String name() {
      return "config-files";
    }

    @Override
    public SyncStatus status() {
      return new SyncStatus(
          name(), Optional.of(Instant.parse("2026-11-26T05:58:00Z")), lag, "rsync");
    }

    @Override
    public SyncStatus runOnce() {
      runs.incrementAndGet();
      lag = 0;
      return status();
    }
  }

  /** SIP OPTIONS to the public address, answered by whichever site holds it. */
  final class OptionsProbe implements Probe {
    private final String site;

    OptionsProbe(String site) {
      this.site = site;
    }

    @Override
    public String provider() {
      return "sip-options";
    }

    @Override
    public String expectation() {
      return "sip:203.0.113.10 answers OPTIONS from site " + site;
    }

    @Override
    public ProbeResult check() {
      String holder = mover.attached.get(ADDRESS);
      boolean ok = holder.equals("i-" + site);
      return new ProbeResult(ok, "200 OK from " + holder);
    }
  }
}
