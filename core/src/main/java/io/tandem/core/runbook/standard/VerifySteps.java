package io.tandem.core.runbook.standard;

import io.tandem.core.port.TrunkBinding;
import io.tandem.core.runbook.Observation;
import io.tandem.core.runbook.Step;
import io.tandem.core.runbook.StepContext;
import io.tandem.core.runbook.StepPolicy;
import io.tandem.core.runbook.StepSpec;
import io.tandem.core.runbook.Verification;

/** Outside checks built from the topology itself: authoritative DNS and registrar contacts. */
final class VerifySteps {

  private VerifySteps() {}

  /** The authoritative DNS server answers the new value. */
  record DnsAnswer(FailoverTopology.DnsChange d, StepPolicy policy) implements Step {
    @Override
    public StepSpec spec() {
      return StepSpec.of(
          "verify-dns:" + d.desired().name() + "/" + d.desired().type(),
          "Authoritative DNS answers "
              + SwitchSteps.Dns.show(d.desired())
              + " for "
              + d.desired().name(),
          d.updater().provider(),
          policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      return Observation.check(
          "DNS " + d.desired().name(), "expect " + SwitchSteps.Dns.show(d.desired()));
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      throw new IllegalStateException("a check has nothing to apply");
    }

    @Override
    public Verification verify(StepContext ctx) {
      boolean ok = d.updater().verify(d.desired());
      return new Verification(
          ok, ok ? "authoritative answer matches" : "authoritative answer differs");
    }
  }

  /** The carrier's registrar holds the new contact. */
  record Registration(FailoverTopology.TrunkMove t, StepPolicy policy) implements Step {
    @Override
    public StepSpec spec() {
      return StepSpec.of(
          "verify-trunk:" + t.trunk(),
          "Registrar of trunk " + t.trunk() + " holds " + t.newContact(),
          t.registrar().provider(),
          policy);
    }

    @Override
    public Observation observe(StepContext ctx) {
      return Observation.check("trunk " + t.trunk(), "expect contact " + t.newContact());
    }

    @Override
    public String apply(Observation o, StepContext ctx) {
      throw new IllegalStateException("a check has nothing to apply");
    }

    @Override
    public Verification verify(StepContext ctx) {
      TrunkBinding b = t.registrar().observe(t.trunk());
      return new Verification(
          b.contacts().contains(t.newContact()),
          "registrar holds " + String.join(",", b.contacts()));
    }
  }
}
