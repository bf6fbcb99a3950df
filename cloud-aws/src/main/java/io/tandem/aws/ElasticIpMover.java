package io.tandem.aws;

import io.tandem.aws.internal.AwsCalls;
import io.tandem.aws.internal.EpochTags;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.AddressBinding;
import io.tandem.core.port.AddressMover;
import io.tandem.core.witness.FencingToken;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Address;
import software.amazon.awssdk.services.ec2.model.AssociateAddressRequest;

/**
 * Moves an Elastic IP (by allocation id) to an instance ({@code i-...}) or a network interface
 * ({@code eni-...}, optionally {@code eni-.../10.0.1.5} for a secondary private address) in the
 * same region, fenced by the epoch tags on the allocation.
 *
 * <p>Order of a move, and why:
 *
 * <ol>
 *   <li>{@code DescribeAddresses}: read the association and the tags {@code tandem:epoch/site/
 *       cluster}. A newer epoch → {@link StaleEpochException}, nothing changed. Already attached to
 *       the target with our token recorded → return (idempotent: one read, no write).
 *   <li>{@code CreateTags} with our token <em>before</em> associating. EC2 tags have no
 *       compare-and-set, so the tag is a claim: whoever associates has claimed first. If we crash
 *       after tagging, a stale site reading the tag is still refused; had we associated first, a
 *       crash before tagging would leave the address moved under an old epoch that a stale site
 *       could overwrite.
 *   <li>{@code DescribeAddresses} again (re-check): if a newer token overwrote ours between our
 *       read and our tag write, stop before touching the association ({@link StaleEpochException});
 *       if the association changed since the first read, {@link ConflictException} (the runbook
 *       re-observes).
 *   <li>{@code AssociateAddress} with {@code AllowReassociation=false} when the address was free
 *       (so a concurrent association makes it fail rather than be stolen) and {@code true} only
 *       when it is attached elsewhere and the epoch check passed.
 *   <li>{@code DescribeAddresses} to verify: attached to the target and still tagged with our
 *       token; a newer tag seen here means we lost a race with a newer holder ({@link
 *       StaleEpochException}; the newer holder's own verification re-asserts its move).
 * </ol>
 *
 * The window left between step 3 and step 4 is one API round trip; it is bounded by the witness
 * protocol (a stale site must have fenced itself at its local deadline before a newer epoch is
 * granted), the tags being the second line of defence. A full move costs 5 calls, a repeated move
 * 1.
 *
 * <p>Thread-safe (stateless apart from the shared client).
 */
public final class ElasticIpMover implements AddressMover {

  private final Ec2Client ec2;
  private final AwsCalls aws;

  /**
   * @param ec2 a client for the address's region (from {@link AwsClients})
   * @param region that region, for messages and the regional check
   */
  public ElasticIpMover(Ec2Client ec2, String region) {
    this.ec2 = Objects.requireNonNull(ec2, "ec2");
    this.aws = new AwsCalls(Objects.requireNonNull(region, "region"));
  }

  public ElasticIpMover(AwsClients clients) {
    this(clients.ec2(), clients.site().region());
  }

  @Override
  public String provider() {
    return "aws-eip";
  }

  @Override
  public AddressBinding observe(String allocationId) {
    return binding(describe(allocationId));
  }

  @Override
  public AddressBinding move(String allocationId, String target, FencingToken token) {
    Target to = Target.parse(target);
    Address before = describe(allocationId);
    EpochTags recorded = EpochTags.of(before.tags());
    refuseIfNewer(allocationId, recorded, token);
    if (to.matches(before) && recorded.records(token)) {
      return binding(before);
    }
    aws.call(
        "ec2:CreateTags",
        "Elastic IP " + allocationId,
        () -> ec2.createTags(r -> r.resources(allocationId).tags(EpochTags.of(token))));
    Address rechecked = describe(allocationId);
    refuseIfNewer(allocationId, EpochTags.of(rechecked.tags()), token);
    if (!Objects.equals(associationOf(before), associationOf(rechecked))) {
      throw new ConflictException(
          "Elastic IP "
              + allocationId
              + " was re-associated by someone else while moving it (from "
              + associationOf(before).orElse("nothing")
              + " to "
              + associationOf(rechecked).orElse("nothing")
              + ")");
    }
    if (!to.matches(rechecked)) {
      associate(allocationId, to, associationOf(rechecked).isPresent());
    }
    Address after = describe(allocationId);
    refuseIfNewer(allocationId, EpochTags.of(after.tags()), token);
    if (!to.matches(after)) {
      throw new ConflictException(
          "Elastic IP "
              + allocationId
              + " is attached to "
              + associationOf(after).orElse("nothing")
              + " after moving it to "
              + target);
    }
    return binding(after);
  }

  private void associate(String allocationId, Target to, boolean attachedElsewhere) {
    AssociateAddressRequest.Builder request =
        AssociateAddressRequest.builder()
            .allocationId(allocationId)
            // Reassociation only after the epoch check above; a free address must stay free of
            // races: if someone associates it concurrently, ours fails instead of stealing it.
            .allowReassociation(attachedElsewhere);
    if (to.instance()) {
      request.instanceId(to.id());
    } else {
      request.networkInterfaceId(to.id());
    }
    to.privateIp().ifPresent(request::privateIpAddress);
    try {
      ec2.associateAddress(request.build());
    } catch (AwsServiceException e) {
      String code = AwsCalls.errorCode(e);
      if (code.equals("Resource.AlreadyAssociated")) {
        throw new ConflictException(
            "Elastic IP " + allocationId + " was associated by someone else while moving it", e);
      }
      if (code.startsWith("InvalidInstanceID") || code.startsWith("InvalidNetworkInterfaceID")) {
        throw new ResourceNotFoundException(
            "target "
                + to.id()
                + " not found in region "
                + aws.region()
                + " ("
                + code
                + "): an Elastic IP moves only within its own region; to fail over to"
                + " another region, move the service by DNS (Route 53) instead",
            e);
      }
      throw aws.translate("ec2:AssociateAddress", "Elastic IP " + allocationId, e);
    } catch (software.amazon.awssdk.core.exception.SdkException e) {
      throw aws.translate("ec2:AssociateAddress", "Elastic IP " + allocationId, e);
    }
  }

  private Address describe(String allocationId) {
    if (allocationId == null || !allocationId.startsWith("eipalloc-")) {
      throw new ConfigException(
          "Elastic IP: expected an allocation id such as 'eipalloc-0abc...', was '"
              + allocationId
              + "'");
    }
    try {
      var response = ec2.describeAddresses(r -> r.allocationIds(allocationId));
      if (response.addresses().isEmpty()) {
        throw notFound(allocationId, null);
      }
      return response.addresses().getFirst();
    } catch (AwsServiceException e) {
      if (AwsCalls.errorCode(e).startsWith("InvalidAllocationID")) {
        throw notFound(allocationId, e);
      }
      throw aws.translate("ec2:DescribeAddresses", "Elastic IP " + allocationId, e);
    } catch (software.amazon.awssdk.core.exception.SdkException e) {
      throw aws.translate("ec2:DescribeAddresses", "Elastic IP " + allocationId, e);
    }
  }

  private ResourceNotFoundException notFound(String allocationId, Throwable cause) {
    return new ResourceNotFoundException(
        "Elastic IP allocation "
            + allocationId
            + " not found in region "
            + aws.region()
            + ": check the allocation id, and that the site's region is the one the address was"
            + " allocated in (Elastic IPs are regional)",
        cause);
  }

  private static void refuseIfNewer(String allocationId, EpochTags recorded, FencingToken token) {
    if (!token.mayOverwrite(recorded.epoch())) {
      throw new StaleEpochException("Elastic IP " + allocationId, token.epoch(), recorded.epoch());
    }
  }

  private static Optional<String> associationOf(Address a) {
    if (a.instanceId() != null && !a.instanceId().isEmpty()) {
      return Optional.of(a.instanceId());
    }
    return Optional.ofNullable(a.networkInterfaceId())
        .filter(s -> !s.isEmpty())
        .map(eni -> a.privateIpAddress() == null ? eni : eni + "/" + a.privateIpAddress());
  }

  private static AddressBinding binding(Address a) {
    EpochTags tags = EpochTags.of(a.tags());
    return new AddressBinding(
        a.allocationId(),
        a.publicIp() == null ? "" : a.publicIp(),
        associationOf(a),
        tags.epoch(),
        tags.site());
  }

  /** Where the address goes: an instance or a network interface, optionally a private IP. */
  record Target(String id, boolean instance, Optional<String> privateIp) {

    static Target parse(String target) {
      if (target == null) {
        throw new ConfigException("Elastic IP target: expected 'i-...' or 'eni-...', was null");
      }
      int slash = target.indexOf('/');
      String id = slash < 0 ? target : target.substring(0, slash);
      Optional<String> ip = slash < 0 ? Optional.empty() : Optional.of(target.substring(slash + 1));
      if (id.startsWith("i-")) {
        return new Target(id, true, ip);
      }
      if (id.startsWith("eni-")) {
        return new Target(id, false, ip);
      }
      throw new ConfigException(
          "Elastic IP target: expected an instance id 'i-...' or a network interface id"
              + " 'eni-...' (optionally '/<private ip>'), was '"
              + target
              + "'");
    }

    boolean matches(Address a) {
      boolean sameResource =
          instance ? id.equals(a.instanceId()) : id.equals(a.networkInterfaceId());
      return sameResource && privateIp.map(ip -> ip.equals(a.privateIpAddress())).orElse(true);
    }
  }
}
