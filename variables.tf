variable "name" {
  description = "Prefix of every resource name: 3 to 32 lowercase letters, digits and hyphens, starting with a letter (it also starts the bucket name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 3 to 32 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC, a /16 to a /24 (each zone gets a slice of it, see subnet_newbits)."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && can(regex("^[0-9.]+/[0-9]+$", var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }

  validation {
    condition     = can(cidrsubnet(var.vpc_cidr, 0, 0)) ? cidrsubnet(var.vpc_cidr, 0, 0) == var.vpc_cidr : false
    error_message = "vpc_cidr must be a network address with no host bits set, such as 10.0.0.0/16 (not 10.0.0.1/16)."
  }

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) ? (tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 24) : false
    error_message = "vpc_cidr's prefix length must be between /16 and /24 (the VPC limits)."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix for each zone's subnet: 4 leaves room for the 16 subnets the job API accepts (a /16 VPC gives /20 subnets)."
  type        = number
  default     = 4

  validation {
    condition     = var.subnet_newbits >= 4 && var.subnet_newbits <= 12 && floor(var.subnet_newbits) == var.subnet_newbits
    error_message = "subnet_newbits must be a whole number from 4 (room for 16 subnets) to 12."
  }
}

variable "availability_zones" {
  description = "Zone names to put a subnet in. null or empty: every zone of the region that is available and needs no opt-in (the Bedrock guide recommends a subnet in each zone)."
  type        = list(string)
  default     = null

  validation {
    condition     = var.availability_zones == null ? true : length(var.availability_zones) <= 16
    error_message = "At most 16 availability zones: the customization job API accepts at most 16 subnets."
  }

  validation {
    condition     = var.availability_zones == null ? true : alltrue([for zone in var.availability_zones : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$", zone))])
    error_message = "Each availability zone must be a zone name such as xx-east-1a (not a zone ID)."
  }
}

variable "subnet_numbers" {
  description = "Zone name => network number of the zone's subnet within vpc_cidr (0 to 2^subnet_newbits - 1). null (the default) numbers each subnet by its zone ID: use1-az4 -> 3, so a zone AWS adds never renumbers the others. Set it to keep the numbering of subnets created otherwise."
  type        = map(number)
  default     = null

  validation {
    condition     = var.subnet_numbers == null ? true : alltrue([for number in values(var.subnet_numbers) : number >= 0 && number <= 4095 && floor(number) == number])
    error_message = "subnet_numbers must map zone names to whole numbers from 0 to 4095."
  }

  validation {
    condition     = var.subnet_numbers == null ? true : length(distinct(values(var.subnet_numbers))) == length(var.subnet_numbers)
    error_message = "subnet_numbers must give each zone its own number."
  }
}

variable "create_kms_key" {
  description = "Create a customer managed KMS key (rotation on) for the bucket, the flow logs and the custom model. Ignored when kms_key_arn is set; false with no kms_key_arn means SSE-S3 only and needs flow_logs_enabled = false (the flow-log group must be KMS-encrypted)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of an existing KMS key to use instead of creating one. Its key policy must let the service role use it through Bedrock and S3 (and CloudWatch Logs encrypt the flow-log group)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null ? true : can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]+:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period, in days, before the module's KMS key is destroyed after deletion (7 to 30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be between 7 and 30."
  }
}

variable "flow_logs_enabled" {
  description = "Record VPC flow logs to a CloudWatch log group encrypted with the module's key (or kms_key_arn); true needs a KMS key, so it is refused with create_kms_key = false and no kms_key_arn."
  type        = bool
  default     = true
}

variable "flow_log_retention_days" {
  description = "Retention of the flow-log log group in days; one of the values CloudWatch Logs accepts."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "flow_log_traffic_type" {
  description = "Traffic the flow logs record: ACCEPT, REJECT or ALL."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ACCEPT, REJECT or ALL."
  }
}

variable "vpc_only_bucket_access" {
  description = "Also deny object access to the bucket that does not come through the VPC's S3 endpoint. Off by default: users upload their data from outside the VPC."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the bucket even when it still holds objects (datasets, outputs)."
  type        = bool
  default     = false
}

variable "bucket_name" {
  description = "Name of the data bucket. null builds a unique one: <name>-<account id>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null ? true : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens."
  }
}

variable "data_prefix" {
  description = "Key prefix of the datasets in the bucket (no slash at either end). The operator may write here."
  type        = string
  default     = "data"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.data_prefix))
    error_message = "data_prefix must be a key prefix of letters, digits, _ . - and inner slashes, with no slash at either end."
  }
}

variable "output_prefix" {
  description = "Key prefix of the job output in the bucket (no slash at either end). Only the service role may write here."
  type        = string
  default     = "output"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.output_prefix))
    error_message = "output_prefix must be a key prefix of letters, digits, _ . - and inner slashes, with no slash at either end."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which a noncurrent (overwritten or deleted) object version is removed."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which an incomplete multipart upload is aborted and its parts deleted."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}

variable "access_log_bucket" {
  description = "Name of an existing bucket that receives the data bucket's S3 server access logs; null leaves them off."
  type        = string
  default     = null
}

variable "create_operator_policy" {
  description = "Create the managed policy with the least privilege the person or CI role running bedrock-ft needs (output operator_policy_arn)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags put on every taggable resource the module creates."
  type        = map(string)
  default     = {}
}

# ---- The lifecycle around the job: each off (or empty) by default --------------------------------------------

variable "batch_inference_enabled" {
  description = "Let Bedrock assume the service role for batch inference jobs in the VPC (read batch_inference_input_prefix, write batch_inference_output_prefix), and the operator submit them."
  type        = bool
  default     = false
}

variable "batch_inference_input_prefix" {
  description = "Key prefix of the batch inference input in the bucket (no slash at either end). The operator may write here; the service role reads it."
  type        = string
  default     = "batch-input"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.batch_inference_input_prefix))
    error_message = "batch_inference_input_prefix must be a key prefix of letters, digits, _ . - and inner slashes, with no slash at either end."
  }
}

variable "batch_inference_output_prefix" {
  description = "Key prefix of the batch inference output in the bucket (no slash at either end). Only the service role may write here; it may not overlap data_prefix or batch_inference_input_prefix."
  type        = string
  default     = "batch-output"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.batch_inference_output_prefix))
    error_message = "batch_inference_output_prefix must be a key prefix of letters, digits, _ . - and inner slashes, with no slash at either end."
  }
}

variable "model_import_enabled" {
  description = "Let Bedrock assume the service role for model import jobs in the VPC, reading the model files under model_import_prefix."
  type        = bool
  default     = false
}

variable "model_import_prefix" {
  description = "Key prefix of the model files to import in the bucket (no slash at either end); the service role reads it."
  type        = string
  default     = "model-import"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.model_import_prefix))
    error_message = "model_import_prefix must be a key prefix of letters, digits, _ . - and inner slashes, with no slash at either end."
  }
}

variable "evaluation_jobs_enabled" {
  description = "Let Bedrock assume the service role for model evaluation jobs that judge precomputed answers (read and write evaluation_prefix, invoke this region's judge models), and the operator submit them (bedrock-ft evaluate --judge)."
  type        = bool
  default     = false
}

variable "evaluation_prefix" {
  description = "Key prefix of the evaluation jobs' datasets and results in the bucket (no slash at either end). The operator uploads the judge's dataset here and the service role writes its results; it may not overlap data_prefix or output_prefix."
  type        = string
  default     = "evaluation"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.evaluation_prefix))
    error_message = "evaluation_prefix must be a key prefix of letters, digits, _ . - and inner slashes, with no slash at either end."
  }
}

variable "rft_grader_lambda_arns" {
  description = "ARNs of the Lambda functions that grade reinforcement fine-tuning jobs; the service role may invoke these and no other. Empty: no Lambda permission."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.rft_grader_lambda_arns : can(regex("^arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:(\\$LATEST|[A-Za-z0-9_-]{1,128}))?$", arn))])
    error_message = "Each rft_grader_lambda_arns entry must be a Lambda function ARN (arn:<partition>:lambda:<region>:<account>:function:<name>[:<version or alias>]), with no wildcard."
  }
}

variable "runtime_endpoint_enabled" {
  description = "Create a bedrock-runtime interface endpoint with private DNS in the module's subnets, with its own security group allowing HTTPS from the VPC CIDR, for applications in the VPC that call the tuned model."
  type        = bool
  default     = false
}

variable "operator_model_lifecycle_enabled" {
  description = "Give the operator a second managed policy (output operator_after_training_policy_arn) for what bedrock-ft does after training: deploy custom models on demand, invoke them, follow and delete deployments and provisioned throughput, delete the custom models it created."
  type        = bool
  default     = false
}

variable "operator_provisioned_throughput_purchase_allowed" {
  description = "Let the operator's after-training policy create provisioned throughput. No IAM condition key tells a commitment from none, so this also admits 1- and 6-month commitments; bedrock-ft itself never requests one."
  type        = bool
  default     = false
}
