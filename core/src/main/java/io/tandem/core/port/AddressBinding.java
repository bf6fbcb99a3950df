package io.tandem.core.port;

import java.util.Objects;
import java.util.Optional;

/**
 * Where a service address is attached now, and which fencing epoch the resource records.
 *
 * @param address provider id of the address (EIP allocation id, Azure public IP resource id, VIP)
 * @param publicIp the address itself, e.g. {@code 203.0.113.10}
 * @param attachedTo provider id of what it is attached to (instance, ENI, NIC ipconfig, host), or
 *     empty when free
 * @param recordedEpoch epoch recorded on the resource by the last Tandem change (0 if none)
 * @param recordedSite site recorded with that epoch, or empty
 */
public record AddressBinding(
    String address,
    String publicIp,
    Optional<String> attachedTo,
    long recordedEpoch,
    Optional<String> recordedSite) {

  public AddressBinding {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(publicIp, "publicIp");
    Objects.requireNonNull(attachedTo, "attachedTo");
    Objects.requireNonNull(recordedSite, "recordedSite");
  }
}
