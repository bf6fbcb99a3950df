# Tandem on AWS: the DynamoDB witness table and least-privilege roles for the agent and the
# witness. The policies are the ones documented in docs/aws-iam.md.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.name
  partition = data.aws_partition.current.partition
  ec2_arn   = "arn:${local.partition}:ec2:${local.region}:${local.account}"
  table_arn = "arn:${local.partition}:dynamodb:${local.region}:${local.account}:table/${var.table_name}"
  record_names = distinct(concat(
    var.record_names,
    [for n in var.record_names : "_tandem.${n}"],
  ))
  record_types   = distinct(concat(var.record_types, ["TXT"]))
  record_actions = var.allow_upsert ? ["CREATE", "DELETE", "UPSERT"] : ["CREATE", "DELETE"]
  epoch_tag_keys = ["tandem:epoch", "tandem:site", "tandem:cluster"]
}

# One item per cluster; the epoch in it must only grow, so the table is protected against deletion
# and recoverable, and Time To Live is deliberately NOT enabled (it would delete items).
resource "aws_dynamodb_table" "witness" {
  # checkov:skip=CKV_AWS_119:encrypted at rest with the AWS owned key; a customer managed key would add a
  # key policy every agent role needs (kms:Decrypt), a cost, and a way to lose the witness (a
  # disabled or deleted key makes the ticket unreadable, so no site could act). The item holds
  # only the cluster name, holder site, epoch and expiry: no secret and no personal data.
  count                       = var.create_table ? 1 : 0
  name                        = var.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "cluster"
  deletion_protection_enabled = true

  attribute {
    name = "cluster"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  tags = {
    "tandem:purpose" = "witness"
  }
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = var.trusted_principal_arns
    }
    dynamic "condition" {
      for_each = var.external_id == "" ? [] : [var.external_id]
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

# ---- agent: Elastic IP, Route 53, EC2 fencing ----

data "aws_iam_policy_document" "agent" {
  statement {
    sid       = "ReadAddressesAndInstances"
    actions   = ["ec2:DescribeAddresses", "ec2:DescribeInstances"]
    resources = ["*"] # EC2 Describe* actions cannot be resource-scoped
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  dynamic "statement" {
    for_each = length(var.elastic_ip_allocation_ids) == 0 ? [] : [1]
    content {
      sid       = "MoveTheServiceElasticIp"
      actions   = ["ec2:AssociateAddress"]
      resources = [for id in var.elastic_ip_allocation_ids : "${local.ec2_arn}:elastic-ip/${id}"]
    }
  }

  dynamic "statement" {
    for_each = length(var.elastic_ip_allocation_ids) == 0 ? [] : [1]
    content {
      sid     = "MoveOnlyToClusterInstancesAndInterfaces"
      actions = ["ec2:AssociateAddress"]
      resources = [
        "${local.ec2_arn}:instance/*",
        "${local.ec2_arn}:network-interface/*",
      ]
      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/tandem:cluster"
        values   = [var.cluster]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.elastic_ip_allocation_ids) == 0 ? [] : [1]
    content {
      sid       = "RecordTheEpochOnTheAddress"
      actions   = ["ec2:CreateTags"]
      resources = [for id in var.elastic_ip_allocation_ids : "${local.ec2_arn}:elastic-ip/${id}"]
      condition {
        test     = "ForAllValues:StringEquals"
        variable = "aws:TagKeys"
        values   = local.epoch_tag_keys
      }
    }
  }

  dynamic "statement" {
    for_each = var.fencing == "none" ? [] : [1]
    content {
      sid       = "RecordTheEpochOnClusterInstances"
      actions   = ["ec2:CreateTags"]
      resources = ["${local.ec2_arn}:instance/*"]
      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/tandem:cluster"
        values   = [var.cluster]
      }
      condition {
        test     = "ForAllValues:StringEquals"
        variable = "aws:TagKeys"
        values   = concat(local.epoch_tag_keys, ["tandem:isolated-from"])
      }
    }
  }

  dynamic "statement" {
    for_each = var.fencing == "stop" ? [1] : []
    content {
      sid       = "FenceByStopping"
      actions   = ["ec2:StopInstances"]
      resources = ["${local.ec2_arn}:instance/*"]
      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/tandem:cluster"
        values   = [var.cluster]
      }
    }
  }

  dynamic "statement" {
    for_each = var.fencing == "isolate" ? [1] : []
    content {
      sid       = "FenceByIsolatingInterfaces"
      actions   = ["ec2:ModifyNetworkInterfaceAttribute"]
      resources = ["${local.ec2_arn}:network-interface/*"]
      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/tandem:cluster"
        values   = [var.cluster]
      }
    }
  }

  dynamic "statement" {
    for_each = var.fencing == "isolate" ? [1] : []
    content {
      sid       = "FenceOnlyIntoTheIsolationGroup"
      actions   = ["ec2:ModifyNetworkInterfaceAttribute"]
      resources = ["${local.ec2_arn}:security-group/${var.isolation_security_group_id}"]
    }
  }

  dynamic "statement" {
    for_each = var.hosted_zone_id == "" ? [] : [1]
    content {
      sid       = "ReadTheServiceZone"
      actions   = ["route53:ListResourceRecordSets"]
      resources = ["arn:${local.partition}:route53:::hostedzone/${var.hosted_zone_id}"]
    }
  }

  dynamic "statement" {
    for_each = var.hosted_zone_id == "" || length(var.record_names) == 0 ? [] : [1]
    content {
      sid       = "ChangeOnlyTheServiceRecordsAndTheirEpoch"
      actions   = ["route53:ChangeResourceRecordSets"]
      resources = ["arn:${local.partition}:route53:::hostedzone/${var.hosted_zone_id}"]
      condition {
        test     = "ForAllValues:StringEquals"
        variable = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
        values   = local.record_names
      }
      condition {
        test     = "ForAllValues:StringEquals"
        variable = "route53:ChangeResourceRecordSetsRecordTypes"
        values   = local.record_types
      }
      condition {
        test     = "ForAllValues:StringEquals"
        variable = "route53:ChangeResourceRecordSetsActions"
        values   = local.record_actions
      }
    }
  }

  dynamic "statement" {
    for_each = var.hosted_zone_id == "" ? [] : [1]
    content {
      sid       = "WaitForInsync"
      actions   = ["route53:GetChange"]
      resources = ["arn:${local.partition}:route53:::change/*"]
    }
  }
}

resource "aws_iam_role" "agent" {
  name                 = "${var.role_name_prefix}-agent-${var.cluster}"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "agent" {
  name   = "tandem-agent"
  role   = aws_iam_role.agent.id
  policy = data.aws_iam_policy_document.agent.json
}

# ---- witness: this cluster's item in the witness table, nothing else ----

data "aws_iam_policy_document" "witness" {
  statement {
    sid       = "TicketItemOfThisClusterOnly"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = [local.table_arn]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = [var.cluster]
    }
  }
}

resource "aws_iam_role" "witness" {
  name                 = "${var.role_name_prefix}-witness-${var.cluster}"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "witness" {
  name   = "tandem-witness"
  role   = aws_iam_role.witness.id
  policy = data.aws_iam_policy_document.witness.json
}
