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

  lifecycle {
    precondition {
      condition     = var.witness_storage_account_name != null && var.witness_location != null
      error_message = "witness_enabled: set witness_storage_account_name and witness_location (a third region)."
    }
  }
}

resource "azurerm_storage_container" "witness" {
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
