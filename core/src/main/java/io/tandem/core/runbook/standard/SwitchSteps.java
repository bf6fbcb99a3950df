package io.tandem.core.runbook.standard;

import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.AddressBinding;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.port.FenceState;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.PbxStatus;
import io.tandem.core.port.TrunkBinding;
import io.tandem.core.runbook.Observation;
import io.tandem.core.runbook.Step;
import io.tandem.core.runbook.StepContext;
import io.tandem.core.runbook.StepPolicy;
import io.tandem.core.runbook.StepSpec;
import io.tandem.core.runbook.Verification;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** The steps that move service: fence, address, DNS, trunk, new-site PBX. All idempotent. */
final class SwitchSteps {

  private SwitchSteps() {}

  /** Fences the old site; best effort. */
  record Fence(FailoverTopology.FenceTarget f, String site, StepPolicy policy) implements Step {
    @Override
    public StepSpec spec() {
      return new StepSpec(
          "fence:" + f.target(),
          "Fence " + f.target() + " on old site " + site,
          f.fencer().provider(),
          true,
          true,
          policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      FenceState s = f.fencer().observe(f.target());
      return new Observation(f.target() + " on site " + site, state(s), "fenced", !s.fenced());
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      return state(f.fencer().fence(f.target(), ctx.token()));
    }

    @Override
    public Verification verify(StepContext ctx) {
      FenceState s = f.fencer().observe(f.target());
      return new Verification(s.fenced(), state(s));
    }

    private static String state(FenceState s) {
      return s.fenced() ? "fenced" : "serving (" + s.detail() + ")";
    }
  }

  /**
   * Records the new holder's epoch on its own machine ({@link
   * io.tandem.core.port.Fencer#recordHolder}) before it serves, so that a stale holder's fencer
   * finds the newer epoch and refuses to stop it. A target that records a newer epoch stops the run
   * as fenced: another site holds a newer ticket. Otherwise best effort: failing to record leaves
   * this site unprotected against a stale fencer but must not keep it from serving.
   */
  record RecordHolder(FailoverTopology.FenceTarget f, String site, StepPolicy policy)
      implements Step {
    @Override
    public StepSpec spec() {
      return new StepSpec(
          "holder:" + f.target(),
          "Record the epoch on " + f.target() + ", site " + site + "'s own machine",
          f.fencer().provider(),
          true,
          true,
          policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      // the port reads no record back: recording is idempotent, so it is always (re)applied
      return Observation.change(
          f.target() + " on site " + site,
          "holder record not checked",
          "records epoch " + ctx.token().epoch());
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      return f.fencer().recordHolder(f.target(), ctx.token());
    }

    @Override
    public Verification verify(StepContext ctx) {
      return Verification.ok("holder record applied");
    }
  }

  /** Moves one service address to the new site's target. */
  record Address(FailoverTopology.ServiceAddress a, StepPolicy policy) implements Step {
    @Override
    public StepSpec spec() {
      return StepSpec.of(
          "address:" + a.address(),
          "Move address " + a.address() + " to " + a.target(),
          a.mover().provider(),
          policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      AddressBinding b = a.mover().observe(a.address());
      if (!ctx.token().mayOverwrite(b.recordedEpoch())) {
        throw new StaleEpochException(
            "address " + a.address(), ctx.token().epoch(), b.recordedEpoch());
      }
      return Observation.change(
          "address " + a.address() + " (" + b.publicIp() + ")",
          where(b),
          "attached to " + a.target());
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      return where(a.mover().move(a.address(), a.target(), ctx.token()));
    }

    @Override
    public Verification verify(StepContext ctx) {
      AddressBinding b = a.mover().observe(a.address());
      return new Verification(b.attachedTo().equals(Optional.of(a.target())), where(b));
    }

    private static String where(AddressBinding b) {
      return b.attachedTo().map(t -> "attached to " + t).orElse("unattached");
    }
  }

  /** Sets one DNS record with compare-and-set against what observe saw. */
  static final class Dns implements Step {
    private final FailoverTopology.DnsChange d;
    private final StepPolicy policy;
    private final AtomicReference<Optional<DnsRecord>> seen = new AtomicReference<>();

    Dns(FailoverTopology.DnsChange d, StepPolicy policy) {
      this.d = d;
      this.policy = policy;
    }

    @Override
    public StepSpec spec() {
      DnsRecord r = d.desired();
      return StepSpec.of(
          "dns:" + r.name() + "/" + r.type(),
          "Set DNS " + r.name() + " " + r.type() + " to " + String.join(",", r.values()),
          d.updater().provider(),
          policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      DnsRecord r = d.desired();
      Optional<DnsRecord> current = d.updater().observe(r.zone(), r.name(), r.type());
      seen.set(current);
      return new Observation(
          "DNS " + r.name() + " " + r.type(),
          current.map(Dns::show).orElse("absent"),
          show(r),
          !current.equals(Optional.of(r)));
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      Optional<DnsRecord> expected = seen.get();
      return show(
          d.updater()
              .replace(expected == null ? Optional.empty() : expected, d.desired(), ctx.token()));
    }

    @Override
    public Verification verify(StepContext ctx) {
      boolean ok = d.updater().verify(d.desired());
      return new Verification(
          ok, ok ? "authoritative DNS answers " + show(d.desired()) : "authoritative DNS differs");
    }

    static String show(DnsRecord r) {
      return String.join(",", r.values()) + " ttl " + r.ttl();
    }
  }

  /** Registers the new contact of a trunk and drops the old one. */
  record Trunk(FailoverTopology.TrunkMove t, StepPolicy policy) implements Step {
    @Override
    public StepSpec spec() {
      return StepSpec.of(
          "trunk:" + t.trunk(),
          "Register trunk " + t.trunk() + " as " + t.newContact(),
          t.registrar().provider(),
          policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      TrunkBinding b = t.registrar().observe(t.trunk());
      return new Observation(
          "trunk " + t.trunk(),
          contacts(b.contacts()),
          contacts(List.of(t.newContact())),
          !moved(b));
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      TrunkBinding b = t.registrar().register(t.trunk(), t.newContact(), ctx.token());
      if (t.oldContact().isPresent() && b.contacts().contains(t.oldContact().get())) {
        b = t.registrar().unregister(t.trunk(), t.oldContact().get());
      }
      return contacts(b.contacts());
    }

    @Override
    public Verification verify(StepContext ctx) {
      TrunkBinding b = t.registrar().observe(t.trunk());
      return new Verification(moved(b), "registrar holds " + contacts(b.contacts()));
    }

    private boolean moved(TrunkBinding b) {
      return b.contacts().contains(t.newContact())
          && t.oldContact().map(old -> !b.contacts().contains(old)).orElse(true);
    }

    private static String contacts(List<String> c) {
      return c.isEmpty() ? "no contact" : String.join(",", c);
    }
  }

  /** Tells the new site's PBX to accept calls. */
  record AcceptCalls(PbxControl pbx, String site, StepPolicy policy) implements Step {
    @Override
    public StepSpec spec() {
      return StepSpec.of(
          "pbx-accept:" + site,
          "Let the PBX of site " + site + " accept calls",
          "pbx-" + site,
          policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      PbxStatus s = pbx.status();
      return Observation.change("PBX of site " + site, accepting(s), "accepting new calls");
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      pbx.acceptNewCalls();
      return accepting(pbx.status());
    }

    @Override
    public Verification verify(StepContext ctx) {
      PbxStatus s = pbx.status();
      return new Verification(s.up() && s.acceptingCalls(), accepting(s));
    }

    private static String accepting(PbxStatus s) {
      return !s.up() ? "down" : s.acceptingCalls() ? "accepting new calls" : "refusing new calls";
    }
  }
}
