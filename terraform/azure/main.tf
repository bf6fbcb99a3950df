# Least-privilege Azure side of Tandem: the custom control-plane role (see docs/azure-rbac.md,
# same action list), its assignment at the service's resource group, and optionally the storage
# account + container of the Blob-lease witness with a data-plane role on that container only.

data "azurerm_resource_group" "service" {
  name = var.resource_group_name
}

resource "azurerm_role_definition" "tandem" {
  name        = var.role_name
  scope       = data.azurerm_resource_group.service.id
  description = "Moves a public IP between NICs, updates DNS record sets, records fencing epochs in tags and stops the old VM. No delete, no create."

  permissions {
    actions = [
      "Microsoft.Network/publicIPAddresses/read",
      "Microsoft.Network/publicIPAddresses/write",
      "Microsoft.Network/publicIPAddresses/join/action",
      "Microsoft.Network/networkInterfaces/read",
      "Microsoft.Network/networkInterfaces/write",
      "Microsoft.Network/networkInterfaces/join/action",
      "Microsoft.Network/virtualNetworks/subnets/join/action",
      "Microsoft.Network/networkSecurityGroups/join/action",
      "Microsoft.Network/locations/operations/read",
      "Microsoft.Network/dnsZones/read",
      "Microsoft.Network/dnsZones/A/read",
      "Microsoft.Network/dnsZones/A/write",
      "Microsoft.Network/dnsZones/AAAA/read",
      "Microsoft.Network/dnsZones/AAAA/write",
      "Microsoft.Network/dnsZones/CNAME/read",
      "Microsoft.Network/dnsZones/CNAME/write",
      "Microsoft.Network/dnsZones/SRV/read",
      "Microsoft.Network/dnsZones/SRV/write",
      "Microsoft.Network/dnsZones/TXT/read",
      "Microsoft.Network/dnsZones/TXT/write",
      "Microsoft.Compute/virtualMachines/read",
      "Microsoft.Compute/virtualMachines/write",
      "Microsoft.Compute/virtualMachines/instanceView/read",
      "Microsoft.Compute/virtualMachines/powerOff/action",
      "Microsoft.Compute/virtualMachines/deallocate/action",
      "Microsoft.Compute/locations/operations/read",
    ]
    not_actions = []
  }

  assignable_scopes = [data.azurerm_resource_group.service.id]
}

resource "azurerm_role_assignment" "tandem" {
  scope              = data.azurerm_resource_group.service.id
  role_definition_id = azurerm_role_definition.tandem.role_definition_resource_id
  principal_id       = var.principal_id
}

resource "azurerm_storage_account" "witness" {
  # checkov:skip=CKV_AZURE_59:the agents of every site (on premises, other clouds) reach the witness over
  # the Internet, so public network access stays on; access is Entra ID only (no shared keys,
  # below), TLS 1.2+, no public blobs, and a data role on the one container.
  # checkov:skip=CKV2_AZURE_33:a private endpoint is reachable only from networks peered with it; the
  # witness must answer sites in other clouds and on premises, which is its whole purpose.
  # checkov:skip=CKV_AZURE_206:ZRS is the replication that helps a lease: geo-replicated copies are
  # read-only (no lease can be taken there) and a storage failover is a manual step; the witness
  # already lives in a third region, and losing it leaves the active site serving.
  # checkov:skip=CKV_AZURE_33:the queue service is not used (the witness is one blob per cluster).
  # checkov:skip=CKV2_AZURE_1:encrypted at rest with Microsoft-managed keys; a customer-managed key adds a
  # Key Vault dependency whose loss makes the ticket unreadable (no site could act). The blob
  # holds the cluster name, holder, epoch and lease: no secret and no personal data.
  count                           = var.witness_enabled ? 1 : 0
  name                            = var.witness_storage_account_name
  resource_group_name             = coalesce(var.witness_resource_group_name, var.resource_group_name)
  location                        = var.witness_location
  account_kind                    = "StorageV2"
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  allow_nested_items_to_be_public = false
  # Entra ID only: the witness authenticates with DefaultAzureCredential, never an account key.
  shared_access_key_enabled       = false
  default_to_oauth_authentication = true

  # A deleted witness blob (its metadata holds the epoch, which must never go back) or container
  # can be restored for a week.
  blob_properties {
    delete_retention_policy {
      days = 7
    }
    container_delete_retention_policy {
      days = 7
    }
  }

  lifecycle {
    precondition {
      condition     = var.witness_storage_account_name != null && var.witness_location != null
      error_message = "witness_enabled: set witness_storage_account_name and witness_location (a third region)."
    }
  }
}

resource "azurerm_storage_container" "witness" {
  # checkov:skip=CKV2_AZURE_21:read logging needs a Log Analytics workspace (a site's choice and cost);
  # every agent reads the witness blob each TTL/3, so read logs would be mostly renewals, and
  # Tandem's own audit log records every ticket decision with its epoch.
  count                 = var.witness_enabled ? 1 : 0
  name                  = var.witness_container_name
  storage_account_id    = azurerm_storage_account.witness[0].id
  container_access_type = "private"
}

resource "azurerm_role_assignment" "witness" {
  count                = var.witness_enabled ? 1 : 0
  scope                = azurerm_storage_container.witness[0].id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = var.principal_id
}
