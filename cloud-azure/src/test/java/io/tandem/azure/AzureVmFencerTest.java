package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.azure.stub.ArmStub;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.FenceState;
import io.tandem.core.witness.FencingToken;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** VM fencing (power off / deallocate, Location-polled operations) against the ARM stub. */
class AzureVmFencerTest {

  private static final FencingToken T4 = new FencingToken("sip-cluster", "azure-b", 4);

  private ArmStub arm;
  private AzureClients clients;
  private String vm;

  @BeforeEach
  void start() {
    arm = ArmStub.start();
    clients = arm.clients(new ArmCallCounter());
    vm = arm.vm("vm-pbx-a");
  }

  @AfterEach
  void stop() {
    arm.close();
  }

  @Test
  void powersOffAfterRecordingTheEpochAndPollsTheLocationUntilDone() {
    arm.lroPolls(3);
    AzureVmFencer fencer = new AzureVmFencer(clients, true, AzureVmFencer.Mode.POWER_OFF);

    FenceState s = fencer.fence(vm, T4);

    assertThat(s.fenced()).isTrue();
    assertThat(s.detail()).contains("stopped");
    assertThat(arm.powerState(vm)).isEqualTo("stopped");
    assertThat(arm.resource(vm).path("tags").path("tandem-epoch").asString()).isEqualTo("4");
    assertThat(arm.requests())
        .filteredOn(r -> r.getMethod().getName().equals("PATCH"))
        .singleElement()
        .satisfies(r -> assertThat(r.getHeader("If-Match")).isEqualTo("\"1\""));
    assertThat(arm.requests())
        .filteredOn(r -> r.getMethod().getName().equals("POST"))
        .singleElement()
        .satisfies(r -> assertThat(r.getUrl()).contains("/powerOff").contains("skipShutdown=true"));
    assertThat(arm.requests()).filteredOn(r -> r.getUrl().contains("/operations/")).hasSize(4);
  }

  @Test
  void deallocatesWhenConfiguredAndIsIdempotent() {
    AzureVmFencer fencer = new AzureVmFencer(clients, true, AzureVmFencer.Mode.DEALLOCATE);

    assertThat(fencer.fence("vm-pbx-a", T4).fenced()).isTrue();
    assertThat(arm.powerState(vm)).isEqualTo("deallocated");
    arm.resetRequests();

    assertThat(fencer.fence("vm-pbx-a", T4).fenced()).isTrue();
    assertThat(arm.requests()).allMatch(r -> r.getMethod().getName().equals("GET"));
  }

  @Test
  void disabledFencingChangesNothing() {
    FenceState s = new AzureVmFencer(clients, false, AzureVmFencer.Mode.POWER_OFF).fence(vm, T4);

    assertThat(s.fenced()).isFalse();
    assertThat(s.detail()).contains("disabled");
    assertThat(arm.requests()).isEmpty();
    assertThat(arm.powerState(vm)).isEqualTo("running");
  }

  @Test
  void aNewerEpochOnTheVmRefusesToFence() {
    arm.setTags(vm, Map.of("tandem-epoch", "6", "tandem-site", "aws-a"));

    assertThatThrownBy(
            () -> new AzureVmFencer(clients, true, AzureVmFencer.Mode.POWER_OFF).fence(vm, T4))
        .isInstanceOf(StaleEpochException.class);
    assertThat(arm.powerState(vm)).isEqualTo("running");
  }

  @Test
  void aConcurrentTagChangeIsAConflict() {
    arm.onceBefore(
        "PATCH", "/virtualmachines/vm-pbx-a", () -> arm.setTags(vm, Map.of("owner", "ops")));

    assertThatThrownBy(
            () -> new AzureVmFencer(clients, true, AzureVmFencer.Mode.POWER_OFF).fence(vm, T4))
        .isInstanceOf(ConflictException.class);
    assertThat(arm.powerState(vm)).isEqualTo("running");
  }

  @Test
  void forbiddenPowerOffNamesTheAction() {
    arm.deny(
        "POST",
        "(?i).*/virtualMachines/vm-pbx-a/powerOff",
        "Microsoft.Compute/virtualMachines/powerOff/action",
        vm);

    assertThatThrownBy(
            () -> new AzureVmFencer(clients, true, AzureVmFencer.Mode.POWER_OFF).fence(vm, T4))
        .isInstanceOf(PermissionException.class)
        .hasMessageContaining("Microsoft.Compute/virtualMachines/powerOff/action");
  }

  @Test
  void theNewHolderTagsItsOwnVmSoAStaleHoldersFencerRefusesToStopIt() {
    FencingToken newHolder = new FencingToken("sip-cluster", "azure-a", 7);
    AzureVmFencer own = new AzureVmFencer(clients, false, AzureVmFencer.Mode.POWER_OFF);

    assertThat(own.recordHolder("vm-pbx-a", newHolder)).contains("records epoch 7");
    assertThat(arm.resource(vm).path("tags").path("tandem-epoch").asString()).isEqualTo("7");
    assertThat(arm.resource(vm).path("tags").path("tandem-site").asString()).isEqualTo("azure-a");
    assertThat(arm.requests())
        .filteredOn(r -> r.getMethod().getName().equals("PATCH"))
        .singleElement()
        .satisfies(r -> assertThat(r.getHeader("If-Match")).isEqualTo("\"1\""));
    arm.resetRequests();
    assertThat(own.recordHolder(vm, newHolder)).contains("already records epoch 7");
    assertThat(arm.requests()).allMatch(r -> r.getMethod().getName().equals("GET"));

    // The old holder (epoch 4) comes back and tries to fence the new active: refused.
    AzureVmFencer stale = new AzureVmFencer(clients, true, AzureVmFencer.Mode.POWER_OFF);
    assertThatThrownBy(() -> stale.fence(vm, T4))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch 7");
    assertThat(arm.powerState(vm)).isEqualTo("running");
    // ... and cannot overwrite the new holder's record either.
    assertThatThrownBy(() -> stale.recordHolder(vm, T4)).isInstanceOf(StaleEpochException.class);
    assertThat(arm.resource(vm).path("tags").path("tandem-epoch").asString()).isEqualTo("7");
  }

  @Test
  void aHolderRecordLandingBetweenTheFencersReadAndWriteStopsTheFence() {
    FencingToken newHolder = new FencingToken("sip-cluster", "azure-a", 7);
    AzureVmFencer own = new AzureVmFencer(clients, false, AzureVmFencer.Mode.POWER_OFF);
    arm.onceBefore("PATCH", "/virtualmachines/vm-pbx-a", () -> own.recordHolder(vm, newHolder));

    assertThatThrownBy(
            () -> new AzureVmFencer(clients, true, AzureVmFencer.Mode.POWER_OFF).fence(vm, T4))
        .isInstanceOf(ConflictException.class);
    assertThat(arm.powerState(vm)).isEqualTo("running");
    assertThat(arm.resource(vm).path("tags").path("tandem-epoch").asString()).isEqualTo("7");
  }

  @Test
  void observeReportsThePowerState() {
    assertThat(new AzureVmFencer(clients, true, AzureVmFencer.Mode.POWER_OFF).observe(vm))
        .satisfies(s -> assertThat(s.fenced()).isFalse())
        .satisfies(s -> assertThat(s.detail()).contains("running"));
  }
}
