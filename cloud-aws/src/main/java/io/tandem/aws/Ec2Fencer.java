package io.tandem.aws;

import io.tandem.aws.internal.AwsCalls;
import io.tandem.aws.internal.EpochTags;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.FenceState;
import io.tandem.core.port.Fencer;
import io.tandem.core.witness.FencingToken;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.GroupIdentifier;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterface;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * Fences an old primary EC2 instance: stops it, or isolates it by replacing the security groups of
 * every network interface with one isolation group (no inbound SIP/RTP, no outbound to carriers).
 * Acts only when {@link Settings#enabled()} and only with a token at least as new as the instance's
 * {@code tandem:epoch} tag, which it writes first (same order and reasoning as {@link
 * ElasticIpMover}). Isolation also records the original groups in {@code tandem:isolated-from} so
 * an operator can restore them.
 *
 * <p>The new holder records its own epoch on its own instance ({@link #recordHolder}), so a stale
 * holder's fencer reads a newer epoch there and refuses. EC2 tags have no compare-and-set, so after
 * writing its tags the fencer reads them back and refuses if a newer epoch landed in between; the
 * window left (between that read and {@code StopInstances}) is closed by timing: a stale holder
 * acts only while its own ticket is valid, and the witness hands out a newer one only after that
 * ticket expired plus a grace period.
 *
 * <p>Calls: {@code DescribeInstances}, {@code CreateTags}, {@code DescribeInstances} (the
 * read-back), then either {@code StopInstances} (its answer carries the new state, which is the
 * verification) or one {@code ModifyNetworkInterfaceAttribute} per interface and {@code
 * DescribeInstances} to verify; an already fenced instance costs one read. Idempotent; thread-safe.
 */
public final class Ec2Fencer implements Fencer {

  static final String ISOLATED_FROM = "tandem:isolated-from";
  private static final Set<String> STOPPED =
      Set.of("stopping", "stopped", "shutting-down", "terminated");

  /** How to fence. */
  public enum Mode {
    STOP,
    ISOLATE
  }

  /**
   * @param enabled fencing is off unless explicitly enabled
   * @param mode stop the instance or swap its security groups
   * @param isolationGroupId the security group used for {@link Mode#ISOLATE}
   * @param forceStop {@code StopInstances} with {@code Force} (no OS shutdown; faster, for a hung
   *     instance)
   */
  public record Settings(
      boolean enabled, Mode mode, Optional<String> isolationGroupId, boolean forceStop) {

    public Settings {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(isolationGroupId, "isolationGroupId");
      if (mode == Mode.ISOLATE && isolationGroupId.filter(g -> g.startsWith("sg-")).isEmpty()) {
        throw new ConfigException(
            "fencing.aws.isolationGroupId: mode ISOLATE needs a security group id 'sg-...'");
      }
    }

    public static Settings stop() {
      return new Settings(true, Mode.STOP, Optional.empty(), false);
    }

    public static Settings isolate(String groupId) {
      return new Settings(true, Mode.ISOLATE, Optional.of(groupId), false);
    }

    public static Settings disabled() {
      return new Settings(false, Mode.STOP, Optional.empty(), false);
    }
  }

  private final Ec2Client ec2;
  private final AwsCalls aws;
  private final Settings settings;

  public Ec2Fencer(Ec2Client ec2, String region, Settings settings) {
    this.ec2 = Objects.requireNonNull(ec2, "ec2");
    this.aws = new AwsCalls(Objects.requireNonNull(region, "region"));
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public Ec2Fencer(AwsClients clients, Settings settings) {
    this(clients.ec2(), clients.site().region(), settings);
  }

  @Override
  public String provider() {
    return "aws-ec2";
  }

  @Override
  public FenceState observe(String instanceId) {
    return state(describe(instanceId));
  }

  @Override
  public FenceState fence(String instanceId, FencingToken token) {
    if (!settings.enabled()) {
      return new FenceState(
          instanceId, false, "fencing of " + instanceId + " is disabled by configuration");
    }
    Instance before = describe(instanceId);
    EpochTags recorded = EpochTags.of(before.tags());
    if (!token.mayOverwrite(recorded.epoch())) {
      throw new StaleEpochException("EC2 instance " + instanceId, token.epoch(), recorded.epoch());
    }
    FenceState was = state(before);
    if (was.fenced() && recorded.records(token)) {
      return was;
    }
    List<Tag> tags = new ArrayList<>(EpochTags.of(token));
    if (settings.mode() == Mode.ISOLATE && !was.fenced()) {
      tags.add(Tag.builder().key(ISOLATED_FROM).value(String.join(",", groupsOf(before))).build());
    }
    aws.call(
        "ec2:CreateTags",
        "EC2 instance " + instanceId,
        () -> ec2.createTags(r -> r.resources(instanceId).tags(tags)));
    refuseIfNewer(instanceId, describe(instanceId), token);
    if (settings.mode() == Mode.STOP && !was.fenced()) {
      // StopInstances answers the new state: that is the verification, no second read needed.
      return stop(instanceId);
    }
    if (!was.fenced()) {
      isolate(before);
    }
    Instance after = describe(instanceId);
    refuseIfNewer(instanceId, after, token);
    FenceState now = state(after);
    if (!now.fenced()) {
      throw new ConflictException(
          "EC2 instance " + instanceId + " is not fenced after fencing it: " + now.detail());
    }
    return now;
  }

  /**
   * Tags this site's own instance with {@code token} (the {@code tandem:*} epoch tags), so that a
   * stale holder's fencer finds the newer epoch and refuses to stop it. Works whether or not
   * fencing is enabled for the site: the record protects this instance from other sites' fencers.
   * Calls: {@code DescribeInstances}, and {@code CreateTags} plus a read-back unless the tags
   * already record {@code token}.
   */
  @Override
  public String recordHolder(String instanceId, FencingToken token) {
    Objects.requireNonNull(token, "token");
    Instance before = describe(instanceId);
    EpochTags recorded = EpochTags.of(before.tags());
    refuseIfNewer(instanceId, before, token);
    if (recorded.records(token)) {
      return "instance " + instanceId + " already records epoch " + token.epoch();
    }
    aws.call(
        "ec2:CreateTags",
        "EC2 instance " + instanceId,
        () -> ec2.createTags(r -> r.resources(instanceId).tags(EpochTags.of(token))));
    Instance after = describe(instanceId);
    refuseIfNewer(instanceId, after, token);
    if (!EpochTags.of(after.tags()).records(token)) {
      throw new ConflictException(
          "EC2 instance "
              + instanceId
              + " does not read back the epoch tags just written: changed concurrently");
    }
    return "instance "
        + instanceId
        + " records epoch "
        + token.epoch()
        + " of site "
        + token.site()
        + " (was "
        + recorded.epoch()
        + ")";
  }

  private static void refuseIfNewer(String instanceId, Instance instance, FencingToken token) {
    long recorded = EpochTags.of(instance.tags()).epoch();
    if (!token.mayOverwrite(recorded)) {
      throw new StaleEpochException("EC2 instance " + instanceId, token.epoch(), recorded);
    }
  }

  private FenceState stop(String id) {
    var response =
        aws.call(
            "ec2:StopInstances",
            "EC2 instance " + id,
            () -> ec2.stopInstances(r -> r.instanceIds(id).force(settings.forceStop())));
    String state =
        response.stoppingInstances().stream()
            .filter(c -> id.equals(c.instanceId()))
            .map(c -> c.currentState().nameAsString())
            .findFirst()
            .orElse("unknown");
    if (!STOPPED.contains(state)) {
      throw new ConflictException(
          "EC2 instance " + id + " is " + state + " after StopInstances, not stopping");
    }
    return new FenceState(id, true, "instance " + id + " is " + state);
  }

  private void isolate(Instance instance) {
    String group = settings.isolationGroupId().orElseThrow();
    // Per interface: the interface is where EC2 keeps security groups (the instance-level
    // attribute is a shorthand that fails with several interfaces).
    for (InstanceNetworkInterface eni : instance.networkInterfaces()) {
      aws.call(
          "ec2:ModifyNetworkInterfaceAttribute",
          "network interface " + eni.networkInterfaceId(),
          () ->
              ec2.modifyNetworkInterfaceAttribute(
                  r -> r.networkInterfaceId(eni.networkInterfaceId()).groups(group)));
    }
  }

  private FenceState state(Instance i) {
    String id = i.instanceId();
    String stateName = i.state() == null ? "unknown" : i.state().nameAsString();
    if (STOPPED.contains(stateName)) {
      return new FenceState(id, true, "instance " + id + " is " + stateName);
    }
    if (settings.mode() == Mode.ISOLATE) {
      String group = settings.isolationGroupId().orElseThrow();
      List<String> groups = groupsOf(i);
      if (groups.equals(List.of(group))) {
        return new FenceState(id, true, "instance " + id + " isolated in security group " + group);
      }
      return new FenceState(
          id, false, "instance " + id + " is " + stateName + " in groups " + groups);
    }
    return new FenceState(id, false, "instance " + id + " is " + stateName);
  }

  private static List<String> groupsOf(Instance i) {
    if (!i.networkInterfaces().isEmpty()) {
      return i.networkInterfaces().stream()
          .flatMap(n -> n.groups().stream())
          .map(GroupIdentifier::groupId)
          .distinct()
          .sorted()
          .toList();
    }
    return i.securityGroups().stream().map(GroupIdentifier::groupId).distinct().sorted().toList();
  }

  private Instance describe(String instanceId) {
    if (instanceId == null || !instanceId.startsWith("i-")) {
      throw new ConfigException(
          "EC2 fencing target: expected an instance id 'i-...', was '" + instanceId + "'");
    }
    var response =
        aws.call(
            "ec2:DescribeInstances",
            "EC2 instance " + instanceId,
            () -> ec2.describeInstances(r -> r.instanceIds(instanceId)));
    return response.reservations().stream()
        .flatMap(r -> r.instances().stream())
        .findFirst()
        .orElseThrow(
            () ->
                new ResourceNotFoundException(
                    "EC2 instance " + instanceId + " not found in region " + aws.region()));
  }
}
