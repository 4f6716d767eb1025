# The lifecycle around the job (issue 9): batch inference and model import in the VPC, the RFT grader Lambda, the
# bedrock-runtime interface endpoint and the operator's after-training policy. Each is off by default and on behind
# its variable. Run from the repository root:
#   terraform test -test-directory=tests/terraform -filter=tests/terraform/lifecycle.tftest.hcl
# The root-module runs check what is created and the outputs; the submodule runs (module { source = ... }) give the
# submodule plain inputs, so its policy documents are rendered at plan and their statements can be read.

provider "aws" {
  region = "us-east-1"
}

variables {
  name = "lifecycle-test"

  # Inputs of the submodule runs (the root module ignores variables it does not declare).
  bucket_arn          = "arn:aws:s3:::lifecycle-test-data"
  output_prefix       = "output"
  use_kms             = false
  subnet_arns         = ["arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a", "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0b"]
  security_group_arns = ["arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a"]
}

# ---- The root module ----------------------------------------------------------------------------------------------

run "every_lifecycle_feature_is_off_by_default" {
  command = plan

  assert {
    condition     = length(module.access.policy_arns) == 1
    error_message = "By default the service role has the data-access policy only."
  }

  assert {
    condition     = output.batch_inference_input_prefix == null && output.batch_inference_output_prefix == null
    error_message = "The batch inference prefixes are null while batch inference is off."
  }

  assert {
    condition     = output.batch_inference_input_s3_uri == null && output.batch_inference_output_s3_uri == null
    error_message = "The batch inference URIs are null while batch inference is off."
  }

  assert {
    condition     = output.model_import_prefix == null && output.model_import_s3_uri == null
    error_message = "The model import prefix and URI are null while model import is off."
  }

  assert {
    condition     = output.evaluation_prefix == null && output.evaluation_s3_uri == null
    error_message = "The evaluation prefix and URI are null while evaluation jobs are off."
  }

  assert {
    condition     = output.runtime_endpoint_id == null && length(output.runtime_endpoint_dns_names) == 0
    error_message = "There is no bedrock-runtime endpoint by default."
  }

  assert {
    condition     = output.operator_after_training_policy_arn == null
    error_message = "There is no after-training operator policy by default."
  }
}

run "every_lifecycle_feature_on" {
  command = plan

  variables {
    batch_inference_enabled          = true
    model_import_enabled             = true
    rft_grader_lambda_arns           = ["arn:aws:lambda:us-east-1:123456789012:function:grader"]
    runtime_endpoint_enabled         = true
    operator_model_lifecycle_enabled = true
    evaluation_jobs_enabled          = true
  }

  # The bucket's id is known only after apply; give it its name at plan so the URIs can be compared.
  override_resource {
    target          = module.storage.aws_s3_bucket.this
    override_during = plan
    values = {
      id = "lifecycle-test-123456789012-us-east-1"
    }
  }

  assert {
    condition     = length(module.access.policy_arns) == 5
    error_message = "With everything on, the role has the data-access, batch inference, model import, RFT grader and evaluation policies."
  }

  assert {
    condition     = output.batch_inference_input_s3_uri == "s3://lifecycle-test-123456789012-us-east-1/batch-input/"
    error_message = "The batch input URI names the data bucket and the input prefix."
  }

  assert {
    condition     = output.batch_inference_output_s3_uri == "s3://lifecycle-test-123456789012-us-east-1/batch-output/"
    error_message = "The batch output URI names the data bucket and the output prefix."
  }

  assert {
    condition     = output.batch_inference_input_prefix == "batch-input" && output.batch_inference_output_prefix == "batch-output"
    error_message = "The batch prefixes are the variables' defaults."
  }

  assert {
    condition     = output.model_import_prefix == "model-import" && output.model_import_s3_uri == "s3://lifecycle-test-123456789012-us-east-1/model-import/"
    error_message = "The model import prefix and URI name the data bucket and the import prefix."
  }

  assert {
    condition     = output.evaluation_prefix == "evaluation" && output.evaluation_s3_uri == "s3://lifecycle-test-123456789012-us-east-1/evaluation/"
    error_message = "The evaluation prefix and URI name the data bucket and the evaluation prefix."
  }
}

run "evaluation_prefix_with_a_slash_at_an_end_is_refused" {
  command = plan

  variables {
    evaluation_prefix = "evaluation/"
  }

  expect_failures = [var.evaluation_prefix]
}

run "batch_inference_prefix_with_a_slash_at_an_end_is_refused" {
  command = plan

  variables {
    batch_inference_input_prefix  = "/batch-input"
    batch_inference_output_prefix = "batch-output/"
  }

  expect_failures = [var.batch_inference_input_prefix, var.batch_inference_output_prefix]
}

run "model_import_prefix_with_a_wildcard_is_refused" {
  command = plan

  variables {
    model_import_prefix = "model-import/*"
  }

  expect_failures = [var.model_import_prefix]
}

run "rft_grader_that_is_not_a_lambda_function_arn_is_refused" {
  command = plan

  variables {
    rft_grader_lambda_arns = ["arn:aws:lambda:us-east-1:123456789012:function:*"]
  }

  expect_failures = [var.rft_grader_lambda_arns]
}

run "rft_grader_given_as_a_layer_arn_is_refused" {
  command = plan

  variables {
    rft_grader_lambda_arns = ["arn:aws:lambda:us-east-1:123456789012:layer:grader:1"]
  }

  expect_failures = [var.rft_grader_lambda_arns]
}

run "rft_grader_version_and_alias_arns_are_accepted" {
  command = plan

  variables {
    rft_grader_lambda_arns = [
      "arn:aws:lambda:us-east-1:123456789012:function:grader:$LATEST",
      "arn:aws:lambda:us-east-1:123456789012:function:grader:7",
      "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:grader-2:live",
    ]
  }

  assert {
    condition     = length(module.access.policy_arns) == 2
    error_message = "Listed graders add the RFT grader policy to the data-access policy."
  }
}

# ---- modules/access: the service role's documents ----------------------------------------------------------------

run "access_off_by_default_renders_no_lifecycle_document" {
  command = plan

  module {
    source = "./modules/access"
  }

  assert {
    condition     = length(data.aws_iam_policy_document.batch_inference_trust) == 0 && length(data.aws_iam_policy_document.model_import_trust) == 0
    error_message = "No trust statement for batch inference or model import by default."
  }

  assert {
    condition     = length(aws_iam_policy.batch_inference) == 0 && length(aws_iam_policy.model_import) == 0 && length(aws_iam_policy.rft_grader) == 0
    error_message = "No lifecycle policy by default."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.batch_inference) == 0 && length(aws_iam_role_policy_attachment.model_import) == 0 && length(aws_iam_role_policy_attachment.rft_grader) == 0
    error_message = "No lifecycle policy attachment by default."
  }

  assert {
    condition     = length(data.aws_iam_policy_document.evaluation_trust) == 0 && length(aws_iam_policy.evaluation) == 0 && length(aws_iam_role_policy_attachment.evaluation) == 0
    error_message = "No evaluation trust statement, policy or attachment by default."
  }
}

run "access_batch_inference_trust_is_this_accounts_invocation_jobs_only" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    batch_inference_enabled = true
  }

  assert {
    condition = jsondecode(data.aws_iam_policy_document.batch_inference_trust[0].json).Statement == [{
      Sid       = "BedrockBatchInferenceJobsOfThisAccountAndRegionOnly"
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "bedrock.amazonaws.com" }
      Condition = {
        StringEquals = { "aws:SourceAccount" = "123456789012" }
        ArnLike      = { "aws:SourceArn" = "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/*" }
      }
    }]
    error_message = "Bedrock may assume the role for this account's batch inference jobs of this region only."
  }

  assert {
    condition     = contains(data.aws_iam_policy_document.trust.source_policy_documents, data.aws_iam_policy_document.batch_inference_trust[0].json)
    error_message = "The batch inference trust statement is merged into the role's trust policy."
  }
}

run "access_batch_inference_reads_its_input_and_writes_its_output_prefix_only" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    batch_inference_enabled = true
  }

  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.batch_inference[0].json).Statement : [s.Action, s.Resource] if startswith(jsonencode(s.Action), "\"s3:")] == [
      ["s3:GetObject", "arn:aws:s3:::lifecycle-test-data/batch-input/*"],
      ["s3:PutObject", "arn:aws:s3:::lifecycle-test-data/batch-output/*"],
    ]
    error_message = "Batch inference reads the input prefix and writes the output prefix, nothing else of the bucket."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.batch_inference) == 1 && aws_iam_policy.batch_inference[0].name == "lifecycle-test-bedrock-batch-inference"
    error_message = "The batch inference policy is created and attached to the service role."
  }
}

run "access_batch_inference_network_interfaces_carry_the_invocation_job_tag" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    batch_inference_enabled = true
  }

  assert {
    condition = {
      for s in jsondecode(data.aws_iam_policy_document.batch_inference[0].json).Statement : s.Sid => s.Condition if can(s.Condition)
      } == {
      CreateOnlyTaggedBatchInferenceNetworkInterfaces = {
        StringEquals = { "aws:RequestTag/BedrockManaged" = "true" }
        ArnEquals    = { "aws:RequestTag/BedrockModelInvocationJobArn" = "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/*" }
      }
      ManageOnlyBatchInferenceNetworkInterfacesInTheModuleSubnets = {
        ArnEquals = {
          "ec2:Subnet"                                   = ["arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a", "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0b"]
          "ec2:ResourceTag/BedrockModelInvocationJobArn" = "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/*"
        }
        StringEquals = { "ec2:ResourceTag/BedrockManaged" = "true" }
      }
      TagBatchInferenceNetworkInterfacesAtCreationOnly = {
        StringEquals                = { "ec2:CreateAction" = "CreateNetworkInterface" }
        "ForAllValues:StringEquals" = { "aws:TagKeys" = ["BedrockManaged", "BedrockModelInvocationJobArn"] }
      }
    }
    error_message = "The batch jobs' network interfaces carry Bedrock's tags, in the module's subnets only."
  }
}

run "access_model_import_trust_reads_and_interfaces" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    model_import_enabled = true
  }

  assert {
    condition     = jsondecode(data.aws_iam_policy_document.model_import_trust[0].json).Statement[0].Condition.ArnLike["aws:SourceArn"] == "arn:aws:bedrock:us-east-1:123456789012:model-import-job/*"
    error_message = "Bedrock may assume the role for this account's model import jobs of this region only."
  }

  assert {
    condition     = jsondecode(data.aws_iam_policy_document.model_import_trust[0].json).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "The model import trust statement carries aws:SourceAccount."
  }

  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.model_import[0].json).Statement : [s.Action, s.Resource] if startswith(jsonencode(s.Action), "\"s3:")] == [
      ["s3:GetObject", "arn:aws:s3:::lifecycle-test-data/model-import/*"],
    ]
    error_message = "Model import reads the import prefix and writes nothing to the bucket."
  }

  assert {
    condition     = jsondecode(data.aws_iam_policy_document.model_import[0].json).Statement[1].Condition.ArnEquals["aws:RequestTag/BedrockModelImportJobArn"] == "arn:aws:bedrock:us-east-1:123456789012:model-import-job/*"
    error_message = "The import jobs' network interfaces must carry the import job tag."
  }

  assert {
    condition     = length(aws_iam_policy.batch_inference) == 0 && length(aws_iam_role_policy_attachment.model_import) == 1
    error_message = "Model import on leaves batch inference off."
  }
}

run "access_rft_grader_invokes_the_listed_functions_only" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    rft_grader_lambda_arns = ["arn:aws:lambda:us-east-1:123456789012:function:grader-a", "arn:aws:lambda:us-east-1:123456789012:function:grader-b"]
  }

  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.rft_grader[0].json).Statement : [s.Sid, s.Effect, s.Action, toset(s.Resource)]] == [
      ["InvokeOnlyTheListedRftGraderFunctions", "Allow", "lambda:InvokeFunction", toset(["arn:aws:lambda:us-east-1:123456789012:function:grader-a", "arn:aws:lambda:us-east-1:123456789012:function:grader-b"])],
    ]
    error_message = "The role may invoke exactly the listed grader functions."
  }
}

run "access_batch_output_equal_to_its_input_is_refused" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    batch_inference_enabled       = true
    batch_inference_input_prefix  = "batch"
    batch_inference_output_prefix = "batch"
  }

  expect_failures = [aws_iam_policy.batch_inference]
}

run "access_batch_output_containing_the_data_prefix_is_refused" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    batch_inference_enabled       = true
    data_prefix                   = "work/data"
    batch_inference_output_prefix = "work"
  }

  expect_failures = [aws_iam_policy.batch_inference]
}

run "access_batch_output_beside_the_data_prefix_is_accepted" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    batch_inference_enabled       = true
    data_prefix                   = "data"
    batch_inference_output_prefix = "data-batch-output"
  }

  assert {
    condition     = length(aws_iam_policy.batch_inference) == 1
    error_message = "A prefix that only starts with the same letters as data_prefix does not overlap it."
  }
}

run "access_evaluation_trust_is_this_accounts_evaluation_jobs_only" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    evaluation_jobs_enabled = true
  }

  assert {
    condition = jsondecode(data.aws_iam_policy_document.evaluation_trust[0].json).Statement == [{
      Sid       = "BedrockEvaluationJobsOfThisAccountAndRegionOnly"
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "bedrock.amazonaws.com" }
      Condition = {
        StringEquals = { "aws:SourceAccount" = "123456789012" }
        ArnLike      = { "aws:SourceArn" = "arn:aws:bedrock:us-east-1:123456789012:evaluation-job/*" }
      }
    }]
    error_message = "Bedrock may assume the role for this account's evaluation jobs of this region only."
  }

  assert {
    condition     = contains(data.aws_iam_policy_document.trust.source_policy_documents, data.aws_iam_policy_document.evaluation_trust[0].json)
    error_message = "The evaluation trust statement is merged into the role's trust policy."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.evaluation) == 1 && aws_iam_policy.evaluation[0].name == "lifecycle-test-bedrock-evaluation"
    error_message = "The evaluation policy is created and attached to the service role."
  }
}

run "access_evaluation_moves_its_prefix_only_and_invokes_this_regions_judges" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    evaluation_jobs_enabled = true
  }

  assert {
    condition = {
      for s in jsondecode(data.aws_iam_policy_document.evaluation[0].json).Statement : s.Sid => [toset(flatten([s.Action])), toset(flatten([s.Resource]))]
      } == {
      ReadTheJudgeDatasetAndResultsUnderTheEvaluationPrefix = [toset(["s3:GetObject"]), toset(["arn:aws:s3:::lifecycle-test-data/evaluation/*"])]
      WriteJudgeResultsUnderTheEvaluationPrefixOnly         = [toset(["s3:PutObject", "s3:AbortMultipartUpload"]), toset(["arn:aws:s3:::lifecycle-test-data/evaluation/*"])]
      ListOnlyTheEvaluationPrefixOfTheBucket                = [toset(["s3:ListBucket"]), toset(["arn:aws:s3:::lifecycle-test-data"])]
      InvokeTheJudgeModelsOfThisRegionOnly                  = [toset(["bedrock:InvokeModel"]), toset(["arn:aws:bedrock:us-east-1::foundation-model/*", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/*"])]
    }
    error_message = "Evaluation jobs read and write the evaluation prefix only and invoke this region's judges; no key without KMS."
  }

  assert {
    condition = {
      for s in jsondecode(data.aws_iam_policy_document.evaluation[0].json).Statement : s.Sid => s.Condition if can(s.Condition)
      } == {
      ListOnlyTheEvaluationPrefixOfTheBucket = { StringLike = { "s3:prefix" = ["evaluation", "evaluation/*"] } }
    }
    error_message = "Listing the bucket is limited to the evaluation prefix."
  }
}

run "access_evaluation_uses_the_bucket_key_through_s3_only" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    evaluation_jobs_enabled = true
    use_kms                 = true
    kms_key_arn             = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.evaluation[0].json).Statement : [s.Action, s.Resource, s.Condition] if s.Sid == "UseTheBucketKeyForEvaluationThroughS3Only"] == [
      [["kms:Decrypt", "kms:GenerateDataKey"], "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555", { StringEquals = { "kms:ViaService" = "s3.us-east-1.amazonaws.com" } }],
    ]
    error_message = "With KMS, the evaluation job may decrypt and generate data keys with the bucket key through S3 only."
  }
}

run "access_evaluation_prefix_equal_to_the_output_prefix_is_refused" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    evaluation_jobs_enabled = true
    evaluation_prefix       = "output"
  }

  expect_failures = [aws_iam_policy.evaluation]
}

run "access_evaluation_prefix_inside_the_data_prefix_is_refused" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    evaluation_jobs_enabled = true
    data_prefix             = "data"
    evaluation_prefix       = "data/evaluation"
  }

  expect_failures = [aws_iam_policy.evaluation]
}

run "access_evaluation_jobs_with_vpc_only_bucket_access_are_refused" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    evaluation_jobs_enabled = true
    vpc_only_bucket_access  = true
  }

  expect_failures = [aws_iam_policy.evaluation]
}

run "access_evaluation_prefix_beside_the_output_prefix_is_accepted" {
  command = plan

  module {
    source = "./modules/access"
  }

  variables {
    evaluation_jobs_enabled = true
    evaluation_prefix       = "output-evaluation"
  }

  assert {
    condition     = length(aws_iam_policy.evaluation) == 1
    error_message = "A prefix that only starts with the same letters as output_prefix does not overlap it."
  }
}

# ---- modules/network: the bedrock-runtime interface endpoint -------------------------------------------------------

run "network_has_no_runtime_endpoint_by_default" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr          = "10.0.0.0/16"
    flow_logs_enabled = false
  }

  assert {
    condition     = length(aws_vpc_endpoint.bedrock_runtime) == 0 && length(aws_security_group.runtime_endpoint) == 0 && length(aws_vpc_security_group_ingress_rule.runtime_endpoint_https_from_vpc) == 0
    error_message = "No runtime endpoint, group or rule by default."
  }
}

run "network_runtime_endpoint_is_a_private_dns_interface_endpoint" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr                 = "10.0.0.0/16"
    runtime_endpoint_enabled = true
    flow_logs_enabled        = false
  }

  assert {
    condition     = aws_vpc_endpoint.bedrock_runtime[0].service_name == "com.amazonaws.us-east-1.bedrock-runtime"
    error_message = "The endpoint is the region's bedrock-runtime service."
  }

  assert {
    condition     = aws_vpc_endpoint.bedrock_runtime[0].vpc_endpoint_type == "Interface" && aws_vpc_endpoint.bedrock_runtime[0].private_dns_enabled == true
    error_message = "An interface endpoint with private DNS, so the regional name resolves to it inside the VPC."
  }
}

run "network_runtime_endpoint_group_lets_in_https_from_the_vpc_cidr_only" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr                 = "10.20.0.0/16"
    runtime_endpoint_enabled = true
    flow_logs_enabled        = false
  }

  assert {
    condition = [for rule in aws_vpc_security_group_ingress_rule.runtime_endpoint_https_from_vpc : [rule.ip_protocol, rule.from_port, rule.to_port, rule.cidr_ipv4]] == [
      ["tcp", 443, 443, "10.20.0.0/16"],
    ]
    error_message = "One ingress rule: TCP 443 from the VPC's CIDR."
  }

  assert {
    condition     = length(aws_security_group.runtime_endpoint[0].egress) == 0 && length(aws_security_group.runtime_endpoint[0].ingress) == 0
    error_message = "The endpoint's group has no inline rules (no egress at all)."
  }
}

run "network_runtime_endpoint_policy_is_this_accounts_custom_models_only" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr                 = "10.0.0.0/16"
    runtime_endpoint_enabled = true
    flow_logs_enabled        = false
  }

  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.runtime_endpoint[0].json).Statement : [s.Sid, s.Effect, toset(s.Action), toset(s.Resource), s.Principal, s.Condition]] == [[
      "InvokeThisAccountsCustomModelsOnlyForThisAccount",
      "Allow",
      toset(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]),
      toset(["arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/*", "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/*", "arn:aws:bedrock:us-east-1:123456789012:custom-model/*"]),
      { AWS = "*" },
      { StringEquals = { "aws:PrincipalAccount" = "123456789012" } },
    ]]
    error_message = "Through the endpoint, principals of this account invoke this account's tuned models only."
  }
}

# ---- modules/operator: the after-training policy -------------------------------------------------------------------

run "operator_has_no_after_training_policy_by_default" {
  command = plan

  module {
    source = "./modules/operator"
  }

  variables {
    service_role_arn         = "arn:aws:iam::123456789012:role/lifecycle-test-bedrock-customization"
    service_role_policy_arns = ["arn:aws:iam::123456789012:policy/lifecycle-test-bedrock-customization-data-access"]
    data_prefix              = "data"
  }

  assert {
    condition     = length(aws_iam_policy.after_training) == 0 && length(data.aws_iam_policy_document.after_training) == 0
    error_message = "No after-training policy by default."
  }
}

run "operator_model_lifecycle_serves_invokes_and_cleans_up_without_a_purchase" {
  command = plan

  module {
    source = "./modules/operator"
  }

  variables {
    service_role_arn         = "arn:aws:iam::123456789012:role/lifecycle-test-bedrock-customization"
    service_role_policy_arns = ["arn:aws:iam::123456789012:policy/lifecycle-test-bedrock-customization-data-access"]
    data_prefix              = "data"
    model_lifecycle_enabled  = true
  }

  assert {
    condition = sort([for s in jsondecode(data.aws_iam_policy_document.after_training[0].json).Statement : s.Sid]) == sort([
      "DeployTheAccountsCustomModelsOnDemand",
      "FollowAndDeleteOnDemandDeployments",
      "FollowProvisionedThroughput",
      "DeleteOnlyProvisionedThroughputBedrockFtCreated",
      "TagDeploymentsAndProvisionedThroughputAtCreation",
      "InvokeTheAccountsCustomModels",
      "DeleteOnlyCustomModelsBedrockFtCreated",
      "ListDeploymentsAndProvisionedThroughputTakeNoResource",
    ])
    error_message = "The model lifecycle adds exactly its eight statements: no purchase, no batch inference."
  }

  assert {
    condition = {
      for s in jsondecode(data.aws_iam_policy_document.after_training[0].json).Statement : s.Sid => s.Condition if can(s.Condition)
      } == {
      DeleteOnlyProvisionedThroughputBedrockFtCreated = { StringEquals = { "aws:ResourceTag/created-by" = "bedrock-ft" } }
      DeleteOnlyCustomModelsBedrockFtCreated          = { StringEquals = { "aws:ResourceTag/created-by" = "bedrock-ft" } }
    }
    error_message = "Deleting custom models and provisioned throughput needs bedrock-ft's created-by tag on them."
  }

  assert {
    condition     = !strcontains(data.aws_iam_policy_document.after_training[0].json, "CreateProvisionedModelThroughput")
    error_message = "Creating provisioned throughput (which may carry a commitment) needs its own switch."
  }

  assert {
    condition     = aws_iam_policy.after_training[0].name == "lifecycle-test-bedrock-ft-operator-after-training"
    error_message = "The after-training policy is a managed policy of its own."
  }
}

run "operator_purchase_switch_adds_provisioned_throughput_creation_only" {
  command = plan

  module {
    source = "./modules/operator"
  }

  variables {
    service_role_arn                        = "arn:aws:iam::123456789012:role/lifecycle-test-bedrock-customization"
    service_role_policy_arns                = ["arn:aws:iam::123456789012:policy/lifecycle-test-bedrock-customization-data-access"]
    data_prefix                             = "data"
    provisioned_throughput_purchase_allowed = true
  }

  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.after_training[0].json).Statement : [s.Sid, s.Action, toset(s.Resource)]] == [
      ["PurchaseProvisionedThroughputForTheAccountsCustomModels", "bedrock:CreateProvisionedModelThroughput", toset(["arn:aws:bedrock:us-east-1::foundation-model/*", "arn:aws:bedrock:us-east-1:123456789012:custom-model/*"])],
    ]
    error_message = "The purchase switch grants CreateProvisionedModelThroughput on the account's custom models (and their base models) only."
  }
}

run "operator_batch_inference_submits_follows_and_moves_its_data_only" {
  command = plan

  module {
    source = "./modules/operator"
  }

  variables {
    service_role_arn         = "arn:aws:iam::123456789012:role/lifecycle-test-bedrock-customization"
    service_role_policy_arns = ["arn:aws:iam::123456789012:policy/lifecycle-test-bedrock-customization-data-access"]
    data_prefix              = "data"
    batch_inference_enabled  = true
  }

  assert {
    condition = {
      for s in jsondecode(data.aws_iam_policy_document.after_training[0].json).Statement : s.Sid => toset(flatten([s.Resource]))
      } == {
      SubmitBatchInferenceJobsInThisAccountAndRegion = toset(["arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/*", "arn:aws:bedrock:us-east-1::foundation-model/*", "arn:aws:bedrock:us-east-1:123456789012:custom-model/*"])
      FollowStopAndTagBatchInferenceJobs             = toset(["arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/*"])
      ListBatchInferenceJobsTakesNoResource          = toset(["*"])
      UploadBatchInferenceInputUnderItsPrefixOnly    = toset(["arn:aws:s3:::lifecycle-test-data/batch-input/*"])
      ReadBatchInferenceOutputUnderItsPrefix         = toset(["arn:aws:s3:::lifecycle-test-data/batch-output/*"])
    }
    error_message = "Batch inference: submit, follow and stop this account's jobs, upload the input and read the output prefix."
  }
}

run "operator_evaluation_jobs_submit_follow_and_move_the_evaluation_prefix_only" {
  command = plan

  module {
    source = "./modules/operator"
  }

  variables {
    service_role_arn         = "arn:aws:iam::123456789012:role/lifecycle-test-bedrock-customization"
    service_role_policy_arns = ["arn:aws:iam::123456789012:policy/lifecycle-test-bedrock-customization-data-access"]
    data_prefix              = "data"
    evaluation_jobs_enabled  = true
  }

  assert {
    condition = {
      for s in jsondecode(data.aws_iam_policy_document.after_training[0].json).Statement : s.Sid => [toset(flatten([s.Action])), toset(flatten([s.Resource]))]
      } == {
      SubmitEvaluationJobsInThisAccountAndRegion                    = [toset(["bedrock:CreateEvaluationJob"]), toset(["arn:aws:bedrock:us-east-1:123456789012:evaluation-job/*", "arn:aws:bedrock:us-east-1:123456789012:custom-model/*", "arn:aws:bedrock:us-east-1::foundation-model/*", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/*"])]
      FollowStopAndTagEvaluationJobs                                = [toset(["bedrock:GetEvaluationJob", "bedrock:StopEvaluationJob", "bedrock:TagResource", "bedrock:ListTagsForResource"]), toset(["arn:aws:bedrock:us-east-1:123456789012:evaluation-job/*"])]
      ListEvaluationJobsTakesNoResource                             = [toset(["bedrock:ListEvaluationJobs"]), toset(["*"])]
      UploadJudgeDatasetsAndReadResultsUnderTheEvaluationPrefixOnly = [toset(["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]), toset(["arn:aws:s3:::lifecycle-test-data/evaluation/*"])]
    }
    error_message = "Evaluation jobs: submit, follow and stop this account's jobs, upload the dataset and read the results under the evaluation prefix."
  }
}
