"""The storage submodule: the data bucket, its policy and lifecycle, and the KMS key with its key policy."""

from __future__ import annotations

from tf_static import ROOT, STORAGE, Files, blocks, document, local_values, nested, resource, statement, variable

from bedrock_ft.core.terraform_hcl import unwrap
from helpers.hcl_edit import TfFile, block, expression, string


def test_bucket_blocks_all_four_kinds_of_public_access(tf: Files) -> None:
    block = resource(tf, STORAGE, "aws_s3_bucket_public_access_block", "this")
    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    assert {flag: block.get(flag) for flag in flags} == dict.fromkeys(flags, True)
    assert unwrap(block["bucket"]) == "aws_s3_bucket.this.id"


def test_bucket_ownership_is_bucket_owner_enforced(tf: Files) -> None:
    controls = resource(tf, STORAGE, "aws_s3_bucket_ownership_controls", "this")
    assert nested(controls, "rule", "object_ownership") == "BucketOwnerEnforced"


def test_bucket_versioning_is_enabled(tf: Files) -> None:
    versioning = resource(tf, STORAGE, "aws_s3_bucket_versioning", "this")
    assert nested(versioning, "versioning_configuration", "status") == "Enabled"


def test_bucket_is_encrypted_with_sse_kms_and_a_bucket_key_by_default(tf: Files) -> None:
    sse = resource(tf, STORAGE, "aws_s3_bucket_server_side_encryption_configuration", "this")
    default = nested(sse, "rule", "apply_server_side_encryption_by_default")
    assert unwrap(default["sse_algorithm"]) == 'local.use_kms ? "aws:kms" : "AES256"'
    assert unwrap(default["kms_master_key_id"]) == "local.use_kms ? local.kms_key_arn : null"
    assert unwrap(nested(sse, "rule", "bucket_key_enabled")) == "local.use_kms"
    assert variable(tf, ROOT, "create_kms_key")["default"] is True
    assert unwrap(local_values(tf, STORAGE)["create_kms_key"]) == "var.create_kms_key && var.kms_key_arn == null"


def test_module_kms_key_rotates_and_a_caller_key_replaces_it(tf: Files) -> None:
    key = resource(tf, STORAGE, "aws_kms_key", "this")
    assert key["enable_key_rotation"] is True
    assert unwrap(key["count"]) == "local.create_kms_key ? 1 : 0"
    assert unwrap(key["deletion_window_in_days"]) == "var.kms_key_deletion_window_days"
    assert variable(tf, ROOT, "kms_key_arn")["default"] is None
    assert unwrap(local_values(tf, STORAGE)["kms_key_arn"]) == (
        "local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn"
    )


def test_key_policy_lets_the_service_role_use_the_key_through_bedrock_and_s3_only(tf: Files) -> None:
    doc = document(tf, STORAGE, "kms_key")
    st = statement(doc, "ServiceRoleUsesTheKeyThroughBedrockAndS3Only")
    assert st is not None
    assert st["principals"] == {"AWS": ["${var.service_role_arn}"]}
    assert sorted(st["actions"]) == ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]
    assert st["conditions"] == {
        "StringEquals": {
            "kms:ViaService": ["bedrock.${local.region}.${local.dns_suffix}", "s3.${local.region}.${local.dns_suffix}"]
        }
    }
    root = statement(doc, "AccountAdministersTheKeyAndEnablesIamPolicies")
    assert root is not None and root["principals"] == {"AWS": ["arn:${local.partition}:iam::${local.account_id}:root"]}


def test_key_policy_lets_cloudwatch_logs_encrypt_only_the_flow_log_group(tf: Files) -> None:
    st = statement(document(tf, STORAGE, "kms_key"), "CloudWatchLogsEncryptsTheFlowLogGroupOnly")
    assert st is not None and st["dynamic"] is not None
    assert st["principals"] == {"Service": ["logs.${local.region}.${local.dns_suffix}"]}
    assert st["conditions"]["ArnEquals"] == {
        "kms:EncryptionContext:aws:logs:arn": [
            "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${statement.value}"
        ]
    }


def tls_problems(files: Files) -> list[str]:
    st = statement(document(files, STORAGE, "bucket"), "DenyRequestsNotOverTls")
    if st is None:
        return ["no DenyRequestsNotOverTls statement"]
    expected = {
        "effect": "Deny",
        "actions": ["s3:*"],
        "resources": ["${aws_s3_bucket.this.arn}", "${aws_s3_bucket.this.arn}/*"],
        "principals": {"*": ["*"]},
        "conditions": {"Bool": {"aws:SecureTransport": ["false"]}},
    }
    return [f"{key}: {st[key]!r}" for key, value in expected.items() if st[key] != value]


def test_bucket_policy_denies_every_request_not_over_tls(tf: Files) -> None:
    assert tls_problems(tf) == []
    policy = resource(tf, STORAGE, "aws_s3_bucket_policy", "this")
    assert unwrap(policy["policy"]) == "data.aws_iam_policy_document.bucket.json"


def tls_deny_on_objects_only(tf: TfFile) -> None:
    tf.statement("bucket", "DenyRequestsNotOverTls")["resources"] = [string("${aws_s3_bucket.this.arn}/*")]


def test_tls_check_fails_when_the_deny_covers_only_objects(mutated) -> None:
    broken = mutated(f"{STORAGE}/bucket_policy.tf", tls_deny_on_objects_only)
    assert tls_problems(broken) == ["resources: ['${aws_s3_bucket.this.arn}/*']"]


def test_vpc_only_bucket_access_is_opt_in_and_off_by_default(tf: Files) -> None:
    switch = variable(tf, ROOT, "vpc_only_bucket_access")
    assert switch["default"] is False and switch["type"] == "bool"
    st = statement(document(tf, STORAGE, "bucket"), "DenyObjectAccessFromOutsideTheVpcEndpoint")
    assert st is not None
    assert unwrap(st["dynamic"]) == "var.vpc_only_access ? [var.s3_endpoint_id] : []"
    assert st["effect"] == "Deny"
    assert st["conditions"] == {"StringNotEquals": {"aws:SourceVpce": ["${statement.value}"]}}
    storage_call = next(b.body for b in blocks(tf, "module", ROOT) if b.name == "storage")
    assert unwrap(storage_call["vpc_only_access"]) == "var.vpc_only_bucket_access"


def test_lifecycle_expires_noncurrent_versions_and_aborts_incomplete_uploads(tf: Files) -> None:
    lifecycle = resource(tf, STORAGE, "aws_s3_bucket_lifecycle_configuration", "this")
    (rule,) = lifecycle["rule"]
    assert rule["status"] == "Enabled"
    assert unwrap(nested(rule, "noncurrent_version_expiration", "noncurrent_days")) == (
        "var.noncurrent_version_expiration_days"
    )
    assert unwrap(nested(rule, "abort_incomplete_multipart_upload", "days_after_initiation")) == (
        "var.abort_incomplete_multipart_upload_days"
    )


def test_force_destroy_is_a_variable_that_defaults_to_false(tf: Files) -> None:
    bucket = resource(tf, STORAGE, "aws_s3_bucket", "this")
    assert unwrap(bucket["force_destroy"]) == "var.force_destroy"
    for folder in (ROOT, STORAGE):
        assert variable(tf, folder, "force_destroy")["default"] is False


def test_bucket_name_is_unique_from_name_account_and_region_or_a_variable(tf: Files) -> None:
    bucket = resource(tf, STORAGE, "aws_s3_bucket", "this")
    assert unwrap(bucket["bucket"]) == "local.bucket_name"
    assert unwrap(local_values(tf, STORAGE)["bucket_name"]) == (
        'coalesce(var.bucket_name, "${var.name}-${local.account_id}-${local.region}")'
    )


# What Terraform reads on every plan and refresh of the bucket and its configuration resources. HeadBucket, the
# provider's existence check, is authorized as s3:ListBucket.
TERRAFORM_BUCKET_READS = (
    "s3:ListBucket",
    "s3:GetBucketPolicy",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketTagging",
    "s3:GetBucketLocation",
)


def vpc_only_manageability_problems(files: Files) -> list[str]:
    st = statement(document(files, STORAGE, "bucket"), "DenyObjectAccessFromOutsideTheVpcEndpoint")
    if st is None:
        return ["no DenyObjectAccessFromOutsideTheVpcEndpoint statement"]
    denied = set(st["actions"])
    problems = [f"denies {action} from outside the endpoint" for action in TERRAFORM_BUCKET_READS if action in denied]
    problems += [f"denies a wildcard {action}" for action in sorted(denied) if "*" in action]
    if st["resources"] != ["${aws_s3_bucket.this.arn}/*"]:
        problems.append(f"covers more than the objects: {st['resources']}")
    object_calls = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion")
    problems += [f"no longer denies {action}" for action in object_calls if action not in denied]
    return problems


def test_vpc_only_access_leaves_the_bucket_manageable_by_terraform_and_the_operator(tf: Files) -> None:
    assert vpc_only_manageability_problems(tf) == []


def list_bucket_denied_from_outside_the_endpoint(tf: TfFile) -> None:
    deny = tf.statement("bucket", "DenyObjectAccessFromOutsideTheVpcEndpoint")
    deny["actions"] = [*deny["actions"], string("s3:ListBucket")]
    deny["resources"] = [expression("aws_s3_bucket.this.arn"), *deny["resources"]]


def test_manageability_check_fails_when_list_bucket_is_denied_again(mutated) -> None:
    broken = mutated(f"{STORAGE}/bucket_policy.tf", list_bucket_denied_from_outside_the_endpoint)
    assert vpc_only_manageability_problems(broken) == [
        "denies s3:ListBucket from outside the endpoint",
        "covers more than the objects: ['${aws_s3_bucket.this.arn}', '${aws_s3_bucket.this.arn}/*']",
    ]


# A lifecycle rule's filter takes exactly one of these. An empty `filter {}` warns "Invalid Attribute Combination"
# on some provider releases (and is announced to become an error); `prefix = ""` means every object, everywhere.
FILTER_ARGUMENTS = {"prefix", "tag", "and", "object_size_greater_than", "object_size_less_than"}


def lifecycle_filter_problems(files: Files) -> list[str]:
    problems = []
    lifecycle = resource(files, STORAGE, "aws_s3_bucket_lifecycle_configuration", "this")
    for rule in lifecycle["rule"]:
        filters = rule.get("filter", [])
        if len(filters) != 1:
            problems.append(f"rule {rule['id']}: {len(filters)} filter blocks, not 1")
            continue
        given = sorted(set(filters[0] or {}) & FILTER_ARGUMENTS)
        if len(given) != 1:
            problems.append(f"rule {rule['id']}: filter sets {given}, not exactly one argument")
        if "prefix" in rule:
            problems.append(f"rule {rule['id']}: the deprecated rule-level prefix")
    return problems


def test_lifecycle_rule_filter_names_exactly_one_argument(tf: Files) -> None:
    assert lifecycle_filter_problems(tf) == []
    (rule,) = resource(tf, STORAGE, "aws_s3_bucket_lifecycle_configuration", "this")["rule"]
    assert rule["filter"] == [{"prefix": ""}]


def empty_lifecycle_filter(tf: TfFile) -> None:
    (rule,) = tf.block("resource", "aws_s3_bucket_lifecycle_configuration", "this")["rule"]
    rule["filter"] = [block()]


def test_lifecycle_filter_check_fails_on_an_empty_filter(mutated) -> None:
    broken = mutated(f"{STORAGE}/bucket.tf", empty_lifecycle_filter)
    assert lifecycle_filter_problems(broken) == [
        "rule expire-noncurrent-versions-and-abort-incomplete-uploads: filter sets [], not exactly one argument"
    ]
