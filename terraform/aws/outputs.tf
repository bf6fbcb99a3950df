output "agent_role_arn" {
  description = "Set as sites.<name>.aws.roleArn for the agent's AWS adapters."
  value       = aws_iam_role.agent.arn
}

output "witness_role_arn" {
  description = "Role for the DynamoDB witness."
  value       = aws_iam_role.witness.arn
}

output "witness_table_name" {
  value = var.table_name
}

output "witness_table_arn" {
  value = local.table_arn
}
