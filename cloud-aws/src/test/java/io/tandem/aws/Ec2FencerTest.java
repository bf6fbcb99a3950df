package io.tandem.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.FenceState;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.testkit.AwsEmulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;

@AwsEmulator
class Ec2FencerTest {

  private final ApiCallCounter counter = new ApiCallCounter();
  private AwsClients aws;
  private Instance old;

  @BeforeEach
  void setUp(AwsEmulatorPeer peer) {
    peer.reset();
    aws = AwsTestSupport.clients(peer, counter);
    old = AwsTestSupport.runInstance(aws.ec2(), AwsTestSupport.someImage(aws.ec2()));
    counter.reset();
  }

  @AfterEach
  void tearDown() {
    aws.close();
  }

  private static FencingToken token(long epoch) {
    return new FencingToken("pbx", "b", epoch);
  }

  @Test
  void stopsTheOldPrimaryOnceAndRecordsTheEpoch() {
    Ec2Fencer fencer = new Ec2Fencer(aws, Ec2Fencer.Settings.stop());
    assertThat(fencer.observe(old.instanceId()).fenced()).isFalse();

    FenceState state = fencer.fence(old.instanceId(), token(3));
    assertThat(state.fenced()).isTrue();
    assertThat(state.detail()).containsAnyOf("stopping", "stopped");
    assertThat(counter.calls("Ec2.StopInstances")).isEqualTo(1);
    assertThat(tags(old.instanceId())).extracting(Tag::value).contains("3", "b", "pbx");

    counter.reset();
    assertThat(fencer.fence(old.instanceId(), token(3)).fenced()).isTrue();
    assertThat(counter.calls()).containsOnlyKeys("Ec2.DescribeInstances");
  }

  @Test
  void isolatesByReplacingTheSecurityGroups() {
    var ec2 = aws.ec2();
    String vpc = old.vpcId();
    String app =
        ec2.createSecurityGroup(r -> r.groupName("pbx").description("sip and rtp").vpcId(vpc))
            .groupId();
    String isolation =
        ec2.createSecurityGroup(
                r -> r.groupName("tandem-isolation").description("no traffic").vpcId(vpc))
            .groupId();
    // The security groups live on the interface, as for a PBX instance built with its own ENI.
    String eni =
        ec2.createNetworkInterface(r -> r.subnetId(old.subnetId()).groups(app))
            .networkInterface()
            .networkInterfaceId();
    String pbx =
        ec2.runInstances(
                r ->
                    r.imageId(old.imageId())
                        .minCount(1)
                        .maxCount(1)
                        .networkInterfaces(n -> n.networkInterfaceId(eni).deviceIndex(0)))
            .instances()
            .getFirst()
            .instanceId();
    Ec2Fencer fencer = new Ec2Fencer(aws, Ec2Fencer.Settings.isolate(isolation));
    assertThat(fencer.observe(pbx).fenced()).isFalse();
    counter.reset();

    FenceState state = fencer.fence(pbx, token(4));
    assertThat(state.fenced()).as(state.detail()).isTrue();
    assertThat(state.detail()).contains(isolation);
    assertThat(tags(pbx))
        .anySatisfy(
            t -> {
              assertThat(t.key()).isEqualTo(Ec2Fencer.ISOLATED_FROM);
              assertThat(t.value()).contains(app);
            });
    assertThat(counter.calls("Ec2.ModifyNetworkInterfaceAttribute")).isEqualTo(1);
    assertThat(counter.calls("Ec2.StopInstances")).isZero();
  }

  @Test
  void refusesWithAStaleEpoch() {
    Ec2Fencer fencer = new Ec2Fencer(aws, Ec2Fencer.Settings.stop());
    aws.ec2()
        .createTags(r -> r.resources(old.instanceId()).tags(t -> t.key("tandem:epoch").value("9")));
    assertThatThrownBy(() -> fencer.fence(old.instanceId(), token(8)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch 9");
    assertThat(fencer.observe(old.instanceId()).fenced()).isFalse();
  }

  @Test
  void theNewHolderTagsItsOwnInstanceSoAStaleHoldersFencerRefusesToStopIt() {
    Ec2Fencer own = new Ec2Fencer(aws, Ec2Fencer.Settings.disabled());
    FencingToken newHolder = new FencingToken("pbx", "a", 7);

    assertThat(own.recordHolder(old.instanceId(), newHolder)).contains("records epoch 7");
    assertThat(tags(old.instanceId())).extracting(Tag::value).contains("7", "a", "pbx");
    counter.reset();
    assertThat(own.recordHolder(old.instanceId(), newHolder)).contains("already records");
    assertThat(counter.calls()).containsOnlyKeys("Ec2.DescribeInstances");

    // The old holder (epoch 6, site b) comes back and tries to fence the new active: refused.
    Ec2Fencer stale = new Ec2Fencer(aws, Ec2Fencer.Settings.stop());
    counter.reset();
    assertThatThrownBy(() -> stale.fence(old.instanceId(), token(6)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch 7");
    assertThat(counter.calls("Ec2.StopInstances")).isZero();
    assertThat(counter.calls("Ec2.CreateTags")).isZero();
    assertThat(stale.observe(old.instanceId()).fenced()).isFalse();
    assertThatThrownBy(() -> stale.recordHolder(old.instanceId(), token(6)))
        .isInstanceOf(StaleEpochException.class);
    assertThat(tags(old.instanceId())).extracting(Tag::value).contains("7");
  }

  @Test
  void doesNothingUnlessEnabled() {
    Ec2Fencer fencer = new Ec2Fencer(aws, Ec2Fencer.Settings.disabled());
    FenceState state = fencer.fence(old.instanceId(), token(1));
    assertThat(state.fenced()).isFalse();
    assertThat(state.detail()).contains("disabled");
    assertThat(counter.totalCalls()).isZero();
  }

  private java.util.List<Tag> tags(String instanceId) {
    return aws.ec2()
        .describeInstances(r -> r.instanceIds(instanceId))
        .reservations()
        .getFirst()
        .instances()
        .getFirst()
        .tags();
  }
}
