variable "cluster" {
  description = "Tandem cluster name: the witness item's partition key and the value of the tandem:cluster tag on the PBX instances."
  type        = string
}

variable "table_name" {
  description = "Name of the DynamoDB witness table."
  type        = string
  default     = "tandem-witness"
}

variable "create_table" {
  description = "Create the witness table here (false if another cluster's module already did)."
  type        = bool
  default     = true
}

variable "elastic_ip_allocation_ids" {
  description = "Allocation ids (eipalloc-...) of the service Elastic IPs the agent may move, in this provider's region."
  type        = list(string)
  default     = []
}

variable "hosted_zone_id" {
  description = "Route 53 hosted zone id (Z...) holding the service records; empty to grant no Route 53 access."
  type        = string
  default     = ""
}

variable "record_names" {
  description = "Record names Tandem may change, lower case without trailing dot (e.g. sip.example.com). Their _tandem.<name> epoch records are added automatically."
  type        = list(string)
  default     = []
}

variable "record_types" {
  description = "Record types Tandem may change (TXT is added for the epoch records)."
  type        = list(string)
  default     = ["A"]
}

variable "allow_upsert" {
  description = "Grant UPSERT (only needed when Route53Settings.upsert is true; compare-and-set uses DELETE + CREATE)."
  type        = bool
  default     = false
}

variable "fencing" {
  description = "Fencing the agent may do: none, stop or isolate."
  type        = string
  default     = "none"
  validation {
    condition     = contains(["none", "stop", "isolate"], var.fencing)
    error_message = "fencing must be one of: none, stop, isolate."
  }
}

variable "isolation_security_group_id" {
  description = "Security group (sg-...) used to isolate a fenced instance; required when fencing = isolate."
  type        = string
  default     = ""
}

variable "trusted_principal_arns" {
  description = "IAM principals (instance roles, users) allowed to assume the agent and witness roles."
  type        = list(string)
}

variable "external_id" {
  description = "External id the trust policies require (for principals outside this account, e.g. an on-premises site); empty for none."
  type        = string
  default     = ""
  sensitive   = true
}

variable "role_name_prefix" {
  description = "Prefix of the role names."
  type        = string
  default     = "tandem"
}
