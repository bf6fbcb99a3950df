output "role_definition_id" {
  description = "Resource id of the custom Tandem role."
  value       = azurerm_role_definition.tandem.role_definition_resource_id
}

output "witness_container_url" {
  description = "URL to give BlobLeaseWitness (BlobContainerClientBuilder.endpoint), or null."
  value       = var.witness_enabled ? "${azurerm_storage_account.witness[0].primary_blob_endpoint}${var.witness_container_name}" : null
}
