package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.azure.stub.ArmStub;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.AddressBinding;
import io.tandem.core.witness.FencingToken;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The public IP mover against the stateful ARM stub, through the real SDK pipeline. */
class AzurePublicIpMoverTest {

  private ArmStub arm;
  private ArmCallCounter calls;
  private AzurePublicIpMover mover;
  private String pip;
  private String primaryIpc;
  private String standbyIpc;

  @BeforeEach
  void start() {
    arm = ArmStub.start();
    calls = new ArmCallCounter();
    mover = new AzurePublicIpMover(arm.clients(calls));
    pip = arm.publicIp("pip-sip", "203.0.113.10");
    primaryIpc = arm.nic("nic-pbx-a", "10.1.0.4", pip);
    standbyIpc = arm.nic("nic-pbx-b", "10.1.0.5", null);
  }

  @AfterEach
  void stop() {
    arm.close();
  }

  private static FencingToken token(long epoch) {
    return new FencingToken("sip-cluster", "azure-b", epoch);
  }

  @Test
  void observeReadsWhereTheAddressIsAndChangesNothing() {
    AddressBinding b = mover.observe("pip-sip");

    assertThat(b.publicIp()).isEqualTo("203.0.113.10");
    assertThat(b.attachedTo()).contains(primaryIpc);
    assertThat(b.recordedEpoch()).isZero();
    assertThat(arm.requests()).allMatch(r -> r.getMethod().getName().equals("GET"));
  }

  @Test
  void moveDetachesAttachesTagsAndReadsBack() {
    arm.lroPolls(3);

    AddressBinding b = mover.move(pip, standbyIpc, token(7));

    assertThat(b.attachedTo()).contains(standbyIpc);
    assertThat(b.recordedEpoch()).isEqualTo(7);
    assertThat(b.recordedSite()).contains("azure-b");
    // The stub's state really changed: the old NIC lost the address, the new one holds it.
    assertThat(publicIpOf("nic-pbx-a")).isEmpty();
    assertThat(publicIpOf("nic-pbx-b"))
        .hasValueSatisfying(id -> assertThat(id).isEqualToIgnoringCase(pip));
    assertThat(arm.resource(pip).path("tags").path("tandem-epoch").asString()).isEqualTo("7");
    // Every mutation was conditional on the ETag just read.
    assertThat(arm.requests())
        .filteredOn(r -> r.getMethod().getName().equals("PUT"))
        .hasSize(3)
        .allSatisfy(r -> assertThat(r.getHeader("If-Match")).startsWith("W/\""));
    // ... and each long-running PUT was polled several times until it succeeded.
    assertThat(arm.requests()).filteredOn(r -> r.getUrl().contains("/operations/")).hasSize(12);
  }

  @Test
  void movingAgainIsIdempotent() {
    mover.move(pip, standbyIpc, token(7));
    calls.reset();

    AddressBinding again = mover.move(pip, standbyIpc, token(7));

    assertThat(again.attachedTo()).contains(standbyIpc);
    assertThat(calls.byMethod()).containsOnlyKeys("GET");
    assertThat(calls.total()).isEqualTo(1);
  }

  @Test
  void shortFormsOfIdsAreResolvedInTheSiteGroup() {
    AddressBinding b = mover.move("pip-sip", "nic-pbx-b/ipconfig1", token(3));

    assertThat(b.attachedTo()).contains(standbyIpc);
  }

  @Test
  void aNewerRecordedEpochRefusesTheMoveWithoutWriting() {
    arm.setTags(pip, Map.of("tandem-epoch", "9", "tandem-site", "aws-a"));

    assertThatThrownBy(() -> mover.move(pip, standbyIpc, token(8)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch 9");
    assertThat(arm.requests()).noneMatch(r -> r.getMethod().getName().equals("PUT"));
    assertThat(publicIpOf("nic-pbx-a")).isPresent();
  }

  @Test
  void aConcurrentChangeOfTheOldNicIsAConflict412() {
    arm.onceBefore(
        "PUT",
        "/networkinterfaces/nic-pbx-a",
        () -> arm.touch(primaryIpc.substring(0, primaryIpc.indexOf("/ipConfigurations"))));

    assertThatThrownBy(() -> mover.move(pip, standbyIpc, token(4)))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("412");
    // Nothing was half-moved: the address is still on the old NIC, the standby has none.
    assertThat(publicIpOf("nic-pbx-a")).isPresent();
    assertThat(publicIpOf("nic-pbx-b")).isEmpty();
  }

  @Test
  void anOlderMoverRacingANewerOneLosesThenSeesTheNewerEpoch() {
    // Just before our epoch-8 tag write lands, a site acting under epoch 9 moves the address.
    arm.onceBefore(
        "PUT",
        "/publicipaddresses/pip-sip",
        () ->
            new AzurePublicIpMover(arm.clients(new ArmCallCounter()))
                .move(pip, standbyIpc, token(9)));

    assertThatThrownBy(() -> mover.move(pip, primaryIpc, token(8)))
        .isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> mover.move(pip, primaryIpc, token(8)))
        .isInstanceOf(StaleEpochException.class);
    assertThat(mover.observe(pip).recordedEpoch()).isEqualTo(9);
    assertThat(mover.observe(pip).attachedTo()).contains(standbyIpc);
  }

  @Test
  void anotherOperationInProgressIsAConflict409() {
    arm.failOnce(
        "PUT",
        ".*/networkInterfaces/nic-pbx-b",
        409,
        "AnotherOperationInProgress",
        "Operation on nic-pbx-b is in progress.",
        null);

    assertThatThrownBy(() -> mover.move(pip, standbyIpc, token(4)))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("AnotherOperationInProgress");
    // Resuming after the conflict completes the move from where it stopped.
    AddressBinding b = mover.move(pip, standbyIpc, token(4));
    assertThat(b.attachedTo()).contains(standbyIpc);
  }

  @Test
  void aFailedLongRunningOperationIsReportedAndARetryResumes() {
    arm.lroPolls(2);
    arm.failNextLro("/networkinterfaces/nic-pbx-b", "InternalServerError");

    assertThatThrownBy(() -> mover.move(pip, standbyIpc, token(5)))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("attach public IP");
    assertThat(mover.observe(pip).attachedTo()).isEmpty(); // detached, attach rolled back

    AddressBinding b = mover.move(pip, standbyIpc, token(5));
    assertThat(b.attachedTo()).contains(standbyIpc);
  }

  @Test
  void throttlingWithRetryAfterIsRetriedAfterTheAnnouncedDelay() {
    arm.failOnce(
        "PUT", ".*/networkInterfaces/nic-pbx-b", 429, "TooManyRequests", "Too many requests.", "1");

    AddressBinding b = mover.move(pip, standbyIpc, token(6));

    assertThat(b.attachedTo()).contains(standbyIpc);
    var puts =
        arm.requests().stream()
            .filter(r -> r.getMethod().getName().equals("PUT") && r.getUrl().contains("nic-pbx-b"))
            .toList();
    assertThat(puts).hasSize(2);
    long gapMillis =
        Math.abs(puts.get(0).getLoggedDate().getTime() - puts.get(1).getLoggedDate().getTime());
    assertThat(gapMillis)
        .isGreaterThanOrEqualTo(900); // Retry-After: 1 honoured, not the 100 ms back-off
  }

  @Test
  void serverErrorsAreRetried() {
    arm.failOnce("GET", ".*/publicIPAddresses/pip-sip", 503, "ServiceUnavailable", "Busy.", null);

    assertThat(mover.observe(pip).publicIp()).isEqualTo("203.0.113.10");
  }

  @Test
  void forbiddenNamesTheMissingPermission() {
    arm.deny(
        "PUT",
        ".*/networkInterfaces/nic-pbx-a",
        "Microsoft.Network/networkInterfaces/write",
        primaryIpc.substring(0, primaryIpc.indexOf("/ipConfigurations")));

    assertThatThrownBy(() -> mover.move(pip, standbyIpc, token(2)))
        .isInstanceOf(PermissionException.class)
        .hasMessageContaining("missing permission 'Microsoft.Network/networkInterfaces/write'")
        .hasMessageContaining("nic-pbx-a");
  }

  private Optional<String> publicIpOf(String nic) {
    var ipc =
        arm.resource(arm.group() + "/providers/Microsoft.Network/networkInterfaces/" + nic)
            .path("properties")
            .path("ipConfigurations")
            .get(0);
    return Optional.ofNullable(
        ipc.path("properties").path("publicIPAddress").path("id").asString(null));
  }
}
