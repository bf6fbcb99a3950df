package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.effects.Activation;
import io.tandem.core.agent.effects.ActivationCause;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.runbook.RunKind;
import io.tandem.core.runbook.Runbook;
import io.tandem.core.witness.FencingToken;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cause decides the runbook (issue 12.1, 12.2), and {@code tandem plan} shows exactly the
 * runbook an activation builds, whichever agent is asked. Built from {@code
 * docs/examples/loopback.yaml}; nothing is listening, so the fence evidence that must be read from
 * the service resources is reported as unreadable.
 */
class ActivationPlansTest {

  @TempDir Path dir;
  static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
  static final FencingToken BETA_2 = new FencingToken("pbx-loopback", "beta", 2);

  AgentAssembly assemble(String site) {
    SecretResolver secrets = SecretResolver.of(AgentAssemblyTest.ENV);
    return AgentAssembly.assemble(
        AgentAssemblyTest.config(secrets),
        site,
        new AgentAssembly.Options(
            dir.resolve(site),
            secrets,
            "peer-secret-0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8),
            "http",
            HttpClient.newHttpClient(),
            Clock.systemUTC(),
            System::nanoTime));
  }

  static ActivationPlans.Planned plan(AgentAssembly a, ActivationCause cause) {
    return a.plans().plan(new Activation(BETA_2, cause, "test", NOW));
  }

  @Test
  void aPlanShowsExactlyTheRunbookAnActivationRunsWhicheverAgentIsAsked() {
    try (AgentAssembly alpha = assemble("alpha");
        AgentAssembly beta = assemble("beta")) {
      Runbook handover = plan(beta, new ActivationCause.PlannedHandover("alpha", 1)).runbook();
      assertThat(handover.kind()).isEqualTo(RunKind.SWITCHOVER);
      assertThat(handover.ids())
          .startsWith("drain:alpha")
          .contains("dns:sip.tandem.test./A", "trunk:carrier", "pbx-accept:beta")
          .noneMatch(id -> id.startsWith("fence:"));
      assertThat(beta.plans().preview("alpha", "beta", true).ids()).isEqualTo(handover.ids());
      assertThat(alpha.plans().preview("alpha", "beta", true).ids()).isEqualTo(handover.ids());
      assertThat(alpha.plans().preview("alpha", "beta", true).name()).isEqualTo(handover.name());

      Runbook outage =
          plan(beta, new ActivationCause.Outage(Optional.of("alpha"), 1, NOW.minusSeconds(8)))
              .runbook();
      assertThat(outage.kind()).isEqualTo(RunKind.FAILOVER);
      assertThat(beta.plans().preview("alpha", "beta", false).ids()).isEqualTo(outage.ids());
      assertThat(alpha.plans().preview("alpha", "beta", false).ids()).isEqualTo(outage.ids());
    }
  }

  @Test
  void eachCauseSaysWhyAndWhomItFences() {
    try (AgentAssembly beta = assemble("beta")) {
      ActivationPlans.Planned first = plan(beta, new ActivationCause.FirstActivation());
      assertThat(first.runbook().kind()).isEqualTo(RunKind.ACTIVATION);
      assertThat(first.request().runId()).isEqualTo("activation-2-" + NOW.toEpochMilli());
      assertThat(first.request().notes())
          .containsEntry("fence", "nobody fenced: nothing was serving before this site");
      assertThat(first.fenced()).isEmpty();

      ActivationPlans.Planned seen =
          plan(beta, new ActivationCause.Outage(Optional.of("alpha"), 1, NOW.minusSeconds(8)));
      assertThat(seen.request().notes().get("fence"))
          .isEqualTo(
              "fence alpha: it was seen serving under epoch 1 (peer reports) and this site now"
                  + " holds epoch 2; alpha has no fencer configured: it stops serving at its own"
                  + " ticket deadline");
      assertThat(seen.request().outageStartedAt()).contains(NOW.minusSeconds(8));
      assertThat(seen.request().decidedAt()).contains(NOW);

      ActivationPlans.Planned newer =
          plan(beta, new ActivationCause.Outage(Optional.of("alpha"), 2, NOW));
      assertThat(newer.request().notes().get("fence"))
          .startsWith("not fenced: alpha was reported serving under epoch 2, not older than");

      ActivationPlans.Planned self =
          plan(beta, new ActivationCause.Outage(Optional.of("beta"), 1, NOW));
      assertThat(self.request().notes().get("fence"))
          .isEqualTo("nobody fenced: this site itself was the last one seen serving (epoch 1)");

      // no report names a site: the service resources are read (here nothing answers)
      ActivationPlans.Planned unknown =
          plan(beta, new ActivationCause.Outage(Optional.empty(), 0, NOW));
      assertThat(unknown.request().notes().get("fence"))
          .startsWith("nobody fenced: no other site was seen serving (no peer report names one,")
          .contains("; could not read: ");

      ActivationPlans.Planned forced =
          plan(beta, new ActivationCause.Forced(Optional.of("alpha"), 1));
      assertThat(forced.request().runId()).startsWith("forced-2-");
      assertThat(forced.request().notes()).containsEntry("forced", "yes");
      assertThat(forced.runbook().kind()).isEqualTo(RunKind.FAILOVER);

      ActivationPlans.Planned drill = plan(beta, new ActivationCause.Drill("alpha", 1));
      assertThat(drill.request().drill()).isTrue();
      assertThat(drill.runbook().kind()).isEqualTo(RunKind.SWITCHOVER);
      assertThat(drill.request().notes().get("fence"))
          .isEqualTo(
              "not fenced: alpha handed over, drains its calls and cooperates (planned"
                  + " switchover)");
    }
  }
}
