variable "resource_group_name" {
  description = "Resource group holding the service's public IP, the PBX NICs and VMs, and the DNS zone. The Tandem role is assigned here."
  type        = string
}

variable "principal_id" {
  description = "Object id of the identity Tandem runs as (managed identity or service principal)."
  type        = string
}

variable "witness_enabled" {
  description = "Create a storage account and container for the Blob-lease witness."
  type        = bool
  default     = true
}

variable "witness_resource_group_name" {
  description = "Resource group for the witness storage account; put it in a third region."
  type        = string
  default     = null
}

variable "witness_location" {
  description = "Region of the witness storage account (neither the primary's nor the backup's)."
  type        = string
  default     = null
}

variable "witness_storage_account_name" {
  description = "Globally unique storage account name (3-24 lower-case letters and digits)."
  type        = string
  default     = null

  validation {
    condition     = var.witness_storage_account_name == null || can(regex("^[a-z0-9]{3,24}$", var.witness_storage_account_name))
    error_message = "witness_storage_account_name: expected 3-24 lower-case letters and digits."
  }
}

variable "witness_container_name" {
  description = "Container holding one witness blob per cluster."
  type        = string
  default     = "tandem-witness"
}

variable "role_name" {
  description = "Name of the custom control-plane role."
  type        = string
  default     = "Tandem Failover Operator"
}
