package io.tandem.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.aws.internal.EpochTags;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.AddressBinding;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.testkit.AwsEmulator;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.ec2.model.Instance;

@AwsEmulator
class ElasticIpMoverTest {

  private final ApiCallCounter counter = new ApiCallCounter();
  private AwsClients aws;
  private ElasticIpMover mover;
  private Instance a;
  private Instance b;
  private String allocation;

  @BeforeEach
  void setUp(AwsEmulatorPeer peer) {
    peer.reset();
    aws = AwsTestSupport.clients(peer, counter);
    String image = AwsTestSupport.someImage(aws.ec2());
    a = AwsTestSupport.runInstance(aws.ec2(), image);
    b = AwsTestSupport.runInstance(aws.ec2(), image);
    allocation = AwsTestSupport.allocateAddress(aws.ec2());
    mover = new ElasticIpMover(aws);
    counter.reset();
  }

  @AfterEach
  void tearDown() {
    aws.close();
  }

  private static FencingToken token(String site, long epoch) {
    return new FencingToken("pbx", site, epoch);
  }

  @Test
  void movesFromInstanceAToBAndBack() {
    AddressBinding atA = mover.move(allocation, a.instanceId(), token("a", 1));
    assertThat(atA.attachedTo()).contains(a.instanceId());
    assertThat(atA.recordedEpoch()).isEqualTo(1);

    AddressBinding atB = mover.move(allocation, b.instanceId(), token("b", 2));
    assertThat(atB.attachedTo()).contains(b.instanceId());
    assertThat(atB.recordedSite()).contains("b");
    assertThat(mover.observe(allocation).attachedTo()).contains(b.instanceId());

    AddressBinding back = mover.move(allocation, a.instanceId(), token("a", 3));
    assertThat(back.attachedTo()).contains(a.instanceId());
    assertThat(back.recordedEpoch()).isEqualTo(3);
    assertThat(back.publicIp()).isEqualTo(atA.publicIp());
  }

  @Test
  void aFullMoveCostsFiveCallsAndARepeatOnlyOneRead() {
    mover.move(allocation, a.instanceId(), token("a", 1));
    assertThat(counter.calls())
        .containsEntry("Ec2.DescribeAddresses", 3L)
        .containsEntry("Ec2.CreateTags", 1L)
        .containsEntry("Ec2.AssociateAddress", 1L);
    assertThat(counter.totalCalls()).isEqualTo(5);

    counter.reset();
    AddressBinding again = mover.move(allocation, a.instanceId(), token("a", 1));
    assertThat(again.attachedTo()).contains(a.instanceId());
    assertThat(counter.calls()).containsOnlyKeys("Ec2.DescribeAddresses");
    assertThat(counter.totalCalls()).isEqualTo(1);
  }

  @Test
  void aStaleEpochIsRefusedAndNothingChanges() {
    mover.move(allocation, b.instanceId(), token("b", 7));
    counter.reset();

    assertThatThrownBy(() -> mover.move(allocation, a.instanceId(), token("a", 6)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch 7")
        .hasMessageContaining("our epoch 6");
    assertThat(counter.calls()).containsOnlyKeys("Ec2.DescribeAddresses");
    AddressBinding now = mover.observe(allocation);
    assertThat(now.attachedTo()).contains(b.instanceId());
    assertThat(now.recordedEpoch()).isEqualTo(7);
  }

  @Test
  void aNewerEpochTaggedConcurrentlyStopsTheMoveBeforeAssociating(AwsEmulatorPeer peer) {
    mover.move(allocation, a.instanceId(), token("a", 1));
    // A newer holder tags the allocation right after our own tag write: the re-check must see it.
    ExecutionInterceptor newerHolder =
        new ExecutionInterceptor() {
          private boolean done;

          @Override
          public void afterExecution(
              Context.AfterExecution context, ExecutionAttributes attributes) {
            if (!done
                && "CreateTags"
                    .equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
              done = true;
              aws.ec2().createTags(r -> r.resources(allocation).tags(EpochTags.of(token("c", 9))));
            }
          }
        };
    try (AwsClients racing =
        AwsClients.builder(AwsTestSupport.site(peer, peer.region()))
            .credentials(aws.credentials())
            .interceptor(newerHolder)
            .interceptor(counter)
            .build()) {
      counter.reset();
      ElasticIpMover stale = new ElasticIpMover(racing);
      assertThatThrownBy(() -> stale.move(allocation, b.instanceId(), token("b", 2)))
          .isInstanceOf(StaleEpochException.class)
          .hasMessageContaining("epoch 9");
      assertThat(counter.calls("Ec2.AssociateAddress")).isZero();
    }
    assertThat(mover.observe(allocation).attachedTo()).contains(a.instanceId());
  }

  @Test
  void aFreeAddressIsAssociatedWithoutReassociationSoAConcurrentAssociationIsNotStolen(
      AwsEmulatorPeer peer) {
    // Someone else associates the free address right before our AssociateAddress goes out.
    ExecutionInterceptor someoneElse =
        new ExecutionInterceptor() {
          private boolean done;

          @Override
          public void beforeExecution(
              Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (!done
                && "AssociateAddress"
                    .equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
              done = true;
              aws.ec2()
                  .associateAddress(r -> r.allocationId(allocation).instanceId(b.instanceId()));
            }
          }
        };
    try (AwsClients racing =
        AwsClients.builder(AwsTestSupport.site(peer, peer.region()))
            .credentials(aws.credentials())
            .interceptor(someoneElse)
            .build()) {
      assertThatThrownBy(
              () -> new ElasticIpMover(racing).move(allocation, a.instanceId(), token("a", 1)))
          .isInstanceOf(ConflictException.class)
          .hasMessageContaining("associated by someone else");
    }
    assertThat(mover.observe(allocation).attachedTo()).contains(b.instanceId());
  }

  @Test
  void movesToANetworkInterfaceWithAPrivateAddress() {
    var eni = a.networkInterfaces().getFirst();
    String target = eni.networkInterfaceId() + "/" + eni.privateIpAddress();
    AddressBinding bound = mover.move(allocation, target, token("a", 1));
    assertThat(bound.attachedTo()).isPresent();
    assertThat(mover.observe(allocation).attachedTo().orElseThrow()).isIn(a.instanceId(), target);
    counter.reset();
    mover.move(allocation, target, token("a", 1));
    assertThat(counter.totalCalls()).isEqualTo(1);
  }

  @Test
  void anUnknownAllocationIdGivesAClearError() {
    assertThatThrownBy(
            () -> mover.move("eipalloc-0123456789abcdef0", a.instanceId(), token("a", 1)))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("eipalloc-0123456789abcdef0")
        .hasMessageContaining("not found in region us-east-1");
    assertThatThrownBy(() -> mover.observe("203.0.113.10"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("allocation id");
  }

  @Test
  void theWrongRegionGivesAClearError(AwsEmulatorPeer peer) {
    try (AwsClients west =
        AwsTestSupport.clients(peer, AwsTestSupport.site(peer, "eu-west-1"), counter)) {
      ElasticIpMover inWest = new ElasticIpMover(west);
      assertThatThrownBy(() -> inWest.observe(allocation))
          .isInstanceOf(ResourceNotFoundException.class)
          .hasMessageContaining("not found in region eu-west-1")
          .hasMessageContaining("Elastic IPs are regional");

      Instance westInstance =
          AwsTestSupport.runInstance(west.ec2(), AwsTestSupport.someImage(west.ec2()));
      assertThatThrownBy(() -> mover.move(allocation, westInstance.instanceId(), token("w", 1)))
          .isInstanceOf(ResourceNotFoundException.class)
          .hasMessageContaining(westInstance.instanceId())
          .hasMessageContaining("move the service by DNS");
    }
    assertThat(mover.observe(allocation).attachedTo()).isEqualTo(Optional.empty());
  }

  @Test
  void theConfigRuleRejectsAMoveBetweenRegionsAndPointsToDns() {
    assertThat(
            ElasticIpRegionRule.check(
                "services.sip.eip", allocation, "us-east-1", "b", "us-east-1"))
        .isEmpty();
    assertThat(
            ElasticIpRegionRule.check(
                "services.sip.eip", allocation, "us-east-1", "b", "eu-west-1"))
        .hasValueSatisfying(
            message ->
                assertThat(message)
                    .contains("services.sip.eip")
                    .contains("eu-west-1")
                    .contains("by DNS"));
  }
}
