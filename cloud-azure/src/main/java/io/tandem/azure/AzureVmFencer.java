package io.tandem.azure;

import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.VirtualMachinesClient;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInstanceViewInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineUpdateInner;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import io.tandem.azure.internal.ArmCall;
import io.tandem.azure.internal.ArmResourceId;
import io.tandem.azure.internal.EpochTags;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.FenceState;
import io.tandem.core.port.Fencer;
import io.tandem.core.witness.FencingToken;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences an old primary VM by powering it off or deallocating it (both long-running operations).
 *
 * <p>{@code target} is the VM's resource id or its name in the site's resource group. Acts only
 * when enabled for the site, and only with a valid epoch: the VM's {@code tandem-epoch} tag must
 * not be newer than the token's ({@link StaleEpochException} otherwise); the token is recorded in
 * the VM's tags first (PATCH with {@code If-Match} on the VM's ETag), then the VM is stopped. A VM
 * that already cannot serve (stopped or deallocated, as the chosen mode requires) is left alone:
 * idempotent. Power-off skips the guest shutdown on purpose: a failing node must not get extra time
 * to keep answering calls. Bounded by {@link AzureSettings#operationTimeout()}. Thread-safe.
 *
 * <p>The new holder tags its own VM with its epoch ({@link #recordHolder}), so a stale holder's
 * fencer reads the newer epoch and refuses to stop it; both tag writes are conditional on the VM's
 * ETag, so a tag written between a fencer's read and its write makes that write fail (412) instead
 * of hiding the newer epoch.
 */
public final class AzureVmFencer implements Fencer {

  /** What fencing does to the VM. */
  public enum Mode {
    /** Stop the VM but keep it allocated (fast restart, compute still billed). */
    POWER_OFF,
    /** Stop and release the compute (slower, not billed, may change the host). */
    DEALLOCATE
  }

  private static final Logger LOG = LoggerFactory.getLogger(AzureVmFencer.class);
  private static final String VM_TYPE = "Microsoft.Compute/virtualMachines";

  private final AzureClients clients;
  private final VirtualMachinesClient vms;
  private final boolean enabled;
  private final Mode mode;

  public AzureVmFencer(AzureClients clients, boolean enabled, Mode mode) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.vms = clients.compute().getVirtualMachines();
    this.enabled = enabled;
    this.mode = Objects.requireNonNull(mode, "mode");
  }

  @Override
  public String provider() {
    return "azure-vm";
  }

  @Override
  public FenceState observe(String target) {
    ArmResourceId id = vmId(target);
    return state(target, powerState(id));
  }

  @Override
  public FenceState fence(String target, FencingToken token) {
    Objects.requireNonNull(token, "token");
    if (!enabled) {
      return new FenceState(target, false, "not fenced: VM fencing is disabled for this site");
    }
    ArmResourceId id = vmId(target);
    VirtualMachineInner vm = read(id);
    long recorded = EpochTags.epoch(vm.tags());
    if (!token.mayOverwrite(recorded)) {
      throw new StaleEpochException(vm.id(), token.epoch(), recorded);
    }
    if (!EpochTags.records(vm.tags(), token)) {
      recordEpoch(id, vm, token);
    }
    String before = powerState(id);
    if (done(before)) {
      return state(target, before);
    }
    if (mode == Mode.POWER_OFF) {
      ArmCall.await(
          "power off VM",
          "Microsoft.Compute/virtualMachines/powerOff/action",
          vm.id(),
          clients.settings().operationTimeout(),
          () -> vms.beginPowerOff(id.resourceGroup(), id.name(), true, Context.NONE));
    } else {
      ArmCall.await(
          "deallocate VM",
          "Microsoft.Compute/virtualMachines/deallocate/action",
          vm.id(),
          clients.settings().operationTimeout(),
          () -> vms.beginDeallocate(id.resourceGroup(), id.name(), null, Context.NONE));
    }
    FenceState after = state(target, powerState(id));
    LOG.info("fenced {} under {}: {}", vm.id(), token, after.detail());
    return after;
  }

  /**
   * Tags this site's own VM with {@code token} ({@code tandem-epoch}, {@code tandem-site}, {@code
   * tandem-cluster}; PATCH with {@code If-Match}), so that a stale holder's fencer finds the newer
   * epoch and refuses to stop it. Works whether or not fencing is enabled for the site.
   */
  @Override
  public String recordHolder(String target, FencingToken token) {
    Objects.requireNonNull(token, "token");
    ArmResourceId id = vmId(target);
    VirtualMachineInner vm = read(id);
    long recorded = EpochTags.epoch(vm.tags());
    if (!token.mayOverwrite(recorded)) {
      throw new StaleEpochException(vm.id(), token.epoch(), recorded);
    }
    if (EpochTags.records(vm.tags(), token)) {
      return "VM " + id.name() + " already records epoch " + token.epoch();
    }
    recordEpoch(id, vm, token);
    return "VM "
        + id.name()
        + " records epoch "
        + token.epoch()
        + " of site "
        + token.site()
        + " (was "
        + recorded
        + ")";
  }

  private VirtualMachineInner read(ArmResourceId id) {
    return ArmCall.run(
        "read VM",
        "Microsoft.Compute/virtualMachines/read",
        id.name(),
        () ->
            vms.getByResourceGroupWithResponse(id.resourceGroup(), id.name(), null, Context.NONE)
                .getValue());
  }

  private void recordEpoch(ArmResourceId id, VirtualMachineInner vm, FencingToken token) {
    VirtualMachineUpdateInner update =
        new VirtualMachineUpdateInner().withTags(EpochTags.with(vm.tags(), token));
    ArmCall.await(
        "record epoch on VM",
        "Microsoft.Compute/virtualMachines/write",
        vm.id(),
        clients.settings().operationTimeout(),
        () ->
            vms.beginUpdate(id.resourceGroup(), id.name(), update, vm.etag(), null, Context.NONE));
  }

  private boolean done(String power) {
    return mode == Mode.POWER_OFF
        ? power.equals("stopped") || power.equals("deallocated")
        : power.equals("deallocated");
  }

  private static FenceState state(String target, String power) {
    boolean fenced =
        power.equals("stopped")
            || power.equals("deallocated")
            || power.equals("stopping")
            || power.equals("deallocating");
    return new FenceState(target, fenced, "VM power state " + power);
  }

  /** The {@code PowerState/x} status of the VM's instance view, e.g. {@code running}. */
  private String powerState(ArmResourceId id) {
    VirtualMachineInstanceViewInner view =
        ArmCall.run(
            "read VM instance view",
            "Microsoft.Compute/virtualMachines/instanceView/read",
            id.name(),
            () ->
                vms.instanceViewWithResponse(id.resourceGroup(), id.name(), Context.NONE)
                    .getValue());
    if (view != null && view.statuses() != null) {
      for (InstanceViewStatus s : view.statuses()) {
        if (s.code() != null && s.code().startsWith("PowerState/")) {
          return s.code().substring("PowerState/".length());
        }
      }
    }
    return "unknown";
  }

  private ArmResourceId vmId(String target) {
    ArmResourceId id =
        ArmResourceId.parse(
            "target",
            target,
            VM_TYPE,
            false,
            clients.settings().subscriptionId(),
            clients.settings().resourceGroup());
    if (!id.subscriptionId().equalsIgnoreCase(clients.settings().subscriptionId())) {
      throw new ConfigException(
          "target: VM "
              + id.name()
              + " is not in subscription "
              + clients.settings().subscriptionId());
    }
    return id;
  }
}
