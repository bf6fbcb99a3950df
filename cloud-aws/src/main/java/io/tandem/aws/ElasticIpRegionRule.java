package io.tandem.aws;

import java.util.Optional;

/**
 * Config validation rule: an Elastic IP belongs to one region and can only be associated with
 * instances and network interfaces in that region. The app's configuration validator calls {@link
 * #check} for every site an Elastic IP is configured to move to.
 */
public final class ElasticIpRegionRule {

  private ElasticIpRegionRule() {}

  /**
   * @param field config path of the address, for the message (e.g. {@code
   *     services.sip.aws.elasticIp})
   * @param allocationId the Elastic IP's allocation id
   * @param addressRegion the region the address was allocated in
   * @param targetSite the site it would move to
   * @param targetRegion that site's region
   * @return a message for the operator if the move crosses regions, empty if allowed
   */
  public static Optional<String> check(
      String field,
      String allocationId,
      String addressRegion,
      String targetSite,
      String targetRegion) {
    if (addressRegion.equals(targetRegion)) {
      return Optional.empty();
    }
    return Optional.of(
        field
            + ": Elastic IP "
            + allocationId
            + " lives in region "
            + addressRegion
            + " and cannot move to site '"
            + targetSite
            + "' in region "
            + targetRegion
            + " (Elastic IPs are regional). Give that site its own address and move the service"
            + " between regions by DNS: configure a Route 53 record for it.");
  }
}
