package io.tandem.azure;

import com.azure.core.util.Context;
import com.azure.resourcemanager.network.fluent.NetworkInterfacesClient;
import com.azure.resourcemanager.network.fluent.PublicIpAddressesClient;
import com.azure.resourcemanager.network.fluent.models.IpConfigurationInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceIpConfigurationInner;
import com.azure.resourcemanager.network.fluent.models.PublicIpAddressInner;
import io.tandem.azure.internal.ArmCall;
import io.tandem.azure.internal.ArmResourceId;
import io.tandem.azure.internal.ConditionalRequestPolicy;
import io.tandem.azure.internal.EpochTags;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.AddressBinding;
import io.tandem.core.port.AddressMover;
import io.tandem.core.witness.FencingToken;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a Standard public IP between NIC IP configurations (the old VM's and the new VM's).
 *
 * <p>{@code address} is the public IP's resource id (or its name in the site's resource group);
 * {@code target} is the IP configuration's resource id ({@code .../networkInterfaces/{nic}/
 * ipConfigurations/{name}}) or {@code nic/ipconfig} in the site's resource group.
 *
 * <p>A move is observe, then for each step apply and verify, every write conditional on the ETag
 * just read ({@code If-Match}; a concurrent change fails with 412 and becomes a {@link
 * ConflictException}):
 *
 * <ol>
 *   <li>read the public IP; refuse with {@link StaleEpochException} if its {@code tandem-epoch} tag
 *       is newer than ours;
 *   <li>record our epoch in its tags (PUT public IP, If-Match) — this claims it first, so an older
 *       mover that reads it next refuses;
 *   <li>disassociate: PUT the old NIC with the IP configuration's {@code publicIPAddress} removed
 *       (If-Match), a long-running operation polled to its end;
 *   <li>re-read the public IP: it must be free and still carry our epoch;
 *   <li>associate: PUT the target NIC with {@code publicIPAddress} set (If-Match), polled;
 *   <li>read the public IP back and check it points at the target.
 * </ol>
 *
 * <p>Idempotent: a public IP already at the target and tagged with this token causes one GET and no
 * write; a move interrupted between steps resumes from what it reads. Every call is bounded by the
 * HTTP timeouts and {@link AzureSettings#operationTimeout()}. Thread-safe (stateless besides the
 * clients); concurrent moves of the same address are serialised by the ETags, not by locks.
 */
public final class AzurePublicIpMover implements AddressMover {

  private static final Logger LOG = LoggerFactory.getLogger(AzurePublicIpMover.class);
  private static final String PIP_TYPE = "Microsoft.Network/publicIPAddresses";
  private static final String NIC_TYPE = "Microsoft.Network/networkInterfaces";
  private static final String PIP_READ = "Microsoft.Network/publicIPAddresses/read";
  private static final String PIP_WRITE = "Microsoft.Network/publicIPAddresses/write";
  private static final String NIC_READ = "Microsoft.Network/networkInterfaces/read";
  private static final String NIC_WRITE = "Microsoft.Network/networkInterfaces/write";

  private final AzureClients clients;
  private final PublicIpAddressesClient pips;
  private final NetworkInterfacesClient nics;

  public AzurePublicIpMover(AzureClients clients) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.pips = clients.network().getPublicIpAddresses();
    this.nics = clients.network().getNetworkInterfaces();
  }

  @Override
  public String provider() {
    return "azure-public-ip";
  }

  @Override
  public AddressBinding observe(String address) {
    return binding(readPip(pipId(address)));
  }

  @Override
  public AddressBinding move(String address, String target, FencingToken token) {
    Objects.requireNonNull(token, "token");
    ArmResourceId pipId = pipId(address);
    ArmResourceId targetId = ipConfigId("target", target);
    String targetRef = ipConfigRef(targetId);

    PublicIpAddressInner pip = readPip(pipId);
    checkEpoch(pip, token);
    if (attachedTo(pip, targetRef) && EpochTags.records(pip.tags(), token)) {
      LOG.debug("{} already on {} under {}", pip.id(), targetRef, token);
      return binding(pip);
    }

    if (!EpochTags.records(pip.tags(), token)) {
      PublicIpAddressInner tagged = pip.withTags(EpochTags.with(pip.tags(), token));
      Context ifMatch = ConditionalRequestPolicy.ifMatch(pip.etag());
      pip =
          ArmCall.await(
              "record epoch on public IP",
              PIP_WRITE,
              pip.id(),
              clients.settings().operationTimeout(),
              () -> pips.beginCreateOrUpdate(pipId.resourceGroup(), pipId.name(), tagged, ifMatch));
    }

    if (!attachedTo(pip, targetRef)) {
      IpConfigurationInner holder = pip.ipConfiguration();
      if (holder != null && holder.id() != null) {
        detach(pip, ipConfigId("current holder", holder.id()));
        pip = readPip(pipId);
        checkEpoch(pip, token);
        if (pip.ipConfiguration() != null && pip.ipConfiguration().id() != null) {
          throw new ConflictException(
              pip.id()
                  + " is attached to "
                  + pip.ipConfiguration().id()
                  + " right after it was detached: another change is in progress");
        }
      }
      attach(pip, targetId);
    }

    PublicIpAddressInner after = readPip(pipId);
    if (!attachedTo(after, targetRef) || !EpochTags.records(after.tags(), token)) {
      throw new ConflictException(
          "read back "
              + after.id()
              + ": attached to "
              + binding(after).attachedTo().orElse("nothing")
              + " with epoch "
              + EpochTags.epoch(after.tags())
              + ", expected "
              + targetRef
              + " with epoch "
              + token.epoch());
    }
    LOG.info("moved {} to {} under {}", after.id(), targetRef, token);
    return binding(after);
  }

  private void detach(PublicIpAddressInner pip, ArmResourceId holderId) {
    NetworkInterfaceInner nic = readNic(holderId);
    NetworkInterfaceIpConfigurationInner ipc = ipConfiguration(nic, holderId);
    if (ipc.publicIpAddress() == null
        || !ArmResourceId.same(ipc.publicIpAddress().id(), pip.id())) {
      return; // already detached (an earlier, interrupted move got this far)
    }
    ipc.withPublicIpAddress(null);
    Context ifMatch = ConditionalRequestPolicy.ifMatch(nic.etag());
    ArmCall.await(
        "detach public IP from NIC",
        NIC_WRITE,
        nic.id(),
        clients.settings().operationTimeout(),
        () -> nics.beginCreateOrUpdate(holderId.resourceGroup(), holderId.name(), nic, ifMatch));
  }

  private void attach(PublicIpAddressInner pip, ArmResourceId targetId) {
    NetworkInterfaceInner nic = readNic(targetId);
    NetworkInterfaceIpConfigurationInner ipc = ipConfiguration(nic, targetId);
    if (ipc.publicIpAddress() != null && ipc.publicIpAddress().id() != null) {
      if (ArmResourceId.same(ipc.publicIpAddress().id(), pip.id())) {
        return;
      }
      // Never silently drop another address the operator attached to the standby.
      throw new ConflictException(
          ipConfigRef(targetId) + " already holds public IP " + ipc.publicIpAddress().id());
    }
    ipc.withPublicIpAddress(new PublicIpAddressInner().withId(pip.id()));
    Context ifMatch = ConditionalRequestPolicy.ifMatch(nic.etag());
    ArmCall.await(
        "attach public IP to NIC",
        NIC_WRITE,
        nic.id(),
        clients.settings().operationTimeout(),
        () -> nics.beginCreateOrUpdate(targetId.resourceGroup(), targetId.name(), nic, ifMatch));
  }

  private static void checkEpoch(PublicIpAddressInner pip, FencingToken token) {
    long recorded = EpochTags.epoch(pip.tags());
    if (!token.mayOverwrite(recorded)) {
      throw new StaleEpochException(pip.id(), token.epoch(), recorded);
    }
  }

  private PublicIpAddressInner readPip(ArmResourceId id) {
    return ArmCall.run(
        "read public IP",
        PIP_READ,
        id.name(),
        () ->
            pips.getByResourceGroupWithResponse(id.resourceGroup(), id.name(), null, Context.NONE)
                .getValue());
  }

  private NetworkInterfaceInner readNic(ArmResourceId id) {
    return ArmCall.run(
        "read NIC",
        NIC_READ,
        id.name(),
        () ->
            nics.getByResourceGroupWithResponse(id.resourceGroup(), id.name(), null, Context.NONE)
                .getValue());
  }

  private static NetworkInterfaceIpConfigurationInner ipConfiguration(
      NetworkInterfaceInner nic, ArmResourceId id) {
    if (nic.ipConfigurations() != null) {
      for (NetworkInterfaceIpConfigurationInner ipc : nic.ipConfigurations()) {
        if (id.childName().equalsIgnoreCase(ipc.name())) {
          return ipc;
        }
      }
    }
    throw new ResourceNotFoundException(
        "NIC " + nic.id() + " has no IP configuration named '" + id.childName() + "'");
  }

  private static boolean attachedTo(PublicIpAddressInner pip, String ipConfigRef) {
    return pip.ipConfiguration() != null
        && ArmResourceId.same(pip.ipConfiguration().id(), ipConfigRef);
  }

  private static AddressBinding binding(PublicIpAddressInner pip) {
    return new AddressBinding(
        pip.id(),
        Optional.ofNullable(pip.ipAddress()).orElse(""),
        Optional.ofNullable(pip.ipConfiguration()).map(IpConfigurationInner::id),
        EpochTags.epoch(pip.tags()),
        EpochTags.site(pip.tags()));
  }

  private ArmResourceId pipId(String address) {
    return sameSubscription(
        ArmResourceId.parse(
            "address",
            address,
            PIP_TYPE,
            false,
            clients.settings().subscriptionId(),
            clients.settings().resourceGroup()));
  }

  private ArmResourceId ipConfigId(String field, String value) {
    return sameSubscription(
        ArmResourceId.parse(
            field,
            value,
            NIC_TYPE,
            true,
            clients.settings().subscriptionId(),
            clients.settings().resourceGroup()));
  }

  private ArmResourceId sameSubscription(ArmResourceId id) {
    if (!id.subscriptionId().equalsIgnoreCase(clients.settings().subscriptionId())) {
      throw new ConfigException(
          "resource "
              + id.name()
              + " is in subscription "
              + id.subscriptionId()
              + ", but this site's clients act in "
              + clients.settings().subscriptionId());
    }
    return id;
  }

  private String ipConfigRef(ArmResourceId id) {
    return "/subscriptions/"
        + id.subscriptionId()
        + "/resourceGroups/"
        + id.resourceGroup()
        + "/providers/Microsoft.Network/networkInterfaces/"
        + id.name()
        + "/ipConfigurations/"
        + id.childName();
  }
}
