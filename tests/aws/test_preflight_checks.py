"""Preflight: a passing case on the module's infrastructure, and a failing case for every check."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.preflight import PreflightReport, PreflightRequest, Status, run_preflight
from helpers.aws_fixtures import MODEL, Account, vision_record


def preflight(account: Account, outputs: TerraformOutputs | None = None, **changes: Any) -> PreflightReport:
    request = {
        "base_model": MODEL,
        "training_data": account.training_uri,
        "validation_data": account.validation_uri,
        "hyperparameters": {"epochCount": "2", "learningRate": "0.00001"},
        **changes,
    }
    return run_preflight(account.session, outputs or account.outputs, PreflightRequest(**request))


def status_of(report: PreflightReport, name: str) -> Status:
    return report.result(name).status


def test_every_check_passes_or_is_skipped_on_the_module_infrastructure(account: Account) -> None:
    report = preflight(account)
    assert report.ok, report.failures
    assert {r.status for r in report.results} <= {Status.PASS, Status.SKIPPED}
    assert status_of(report, "images") is Status.PASS


def test_checks_whose_api_moto_lacks_are_skipped(account: Account) -> None:
    report = preflight(account)
    assert status_of(report, "role-simulation") is Status.SKIPPED


def test_a_zone_without_a_subnet_fails_and_is_named(account: Account) -> None:
    outputs = account.with_outputs(subnet_ids=account.values["subnet_ids"][1:])
    report = preflight(account, outputs)
    result = report.result("subnets-cover-zones")
    assert result.status is Status.FAIL
    assert "us-east-1a" in result.message
    assert not report.ok


def test_a_subnet_that_does_not_exist_fails(account: Account) -> None:
    outputs = account.with_outputs(subnet_ids=[*account.values["subnet_ids"], "subnet-0000000000000000"])
    result = preflight(account, outputs).result("subnets-exist")
    assert result.status is Status.FAIL
    assert "subnet-0000000000000000" in result.message


def test_subnets_of_two_vpcs_fail(account: Account) -> None:
    ec2 = account.client("ec2")
    other = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    stray = ec2.create_subnet(VpcId=other, CidrBlock="10.99.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    outputs = account.with_outputs(subnet_ids=[*account.values["subnet_ids"], stray["SubnetId"]])
    assert status_of(preflight(account, outputs), "subnets-one-vpc") is Status.FAIL


def test_more_than_sixteen_subnets_fail(account: Account) -> None:
    ids = account.values["subnet_ids"] * 3  # 18 entries
    assert status_of(preflight(account, account.with_outputs(subnet_ids=ids)), "subnet-count") is Status.FAIL


def _self_rules(account: Account, key: str) -> list[dict[str, Any]]:
    group = account.values["security_group_ids"][0]
    described = account.client("ec2").describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    return [p for p in described[key] if any(g.get("GroupId") == group for g in p.get("UserIdGroupPairs", []))]


@pytest.mark.parametrize(
    ("direction", "key", "revoke"),
    [
        ("inbound", "IpPermissions", "revoke_security_group_ingress"),
        ("outbound", "IpPermissionsEgress", "revoke_security_group_egress"),
    ],
)
def test_a_group_without_a_self_rule_fails(account: Account, direction: str, key: str, revoke: str) -> None:
    group = account.values["security_group_ids"][0]
    getattr(account.client("ec2"), revoke)(GroupId=group, IpPermissions=_self_rules(account, key))
    result = preflight(account).result("security-group-self-rules")
    assert result.status is Status.FAIL
    assert direction in result.message


def test_an_endpoint_missing_a_subnets_route_table_fails(account: Account) -> None:
    ec2 = account.client("ec2")
    subnet = account.values["subnet_ids"][2]
    table = ec2.create_route_table(VpcId=account.values["vpc_id"])["RouteTable"]["RouteTableId"]
    association = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
    assoc_id = next(
        a["RouteTableAssociationId"]
        for t in association["RouteTables"]
        for a in t["Associations"]
        if a.get("SubnetId") == subnet
    )
    ec2.replace_route_table_association(AssociationId=assoc_id, RouteTableId=table)
    result = preflight(account).result("s3-endpoint-routes")
    assert result.status is Status.FAIL
    assert subnet in result.message and table in result.message


def test_a_vpc_without_an_s3_gateway_endpoint_fails(account: Account) -> None:
    account.client("ec2").delete_vpc_endpoints(VpcEndpointIds=[account.values["s3_endpoint_id"]])
    report = preflight(account)
    assert status_of(report, "s3-endpoint-routes") is Status.FAIL
    assert status_of(report, "s3-endpoint-policy") is Status.SKIPPED


def test_an_endpoint_policy_for_another_bucket_fails(account: Account) -> None:
    policy = {
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::other/*"}]
    }
    account.client("ec2").modify_vpc_endpoint(
        VpcEndpointId=account.values["s3_endpoint_id"], PolicyDocument=json.dumps(policy)
    )
    assert status_of(preflight(account), "s3-endpoint-policy") is Status.FAIL


def test_a_bucket_in_another_region_fails(account: Account) -> None:
    s3 = account.client("s3")
    bucket = "bedrock-ft-data-in-oregon"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    s3.put_object(Bucket=bucket, Key="data/train.jsonl", Body=b"{}\n")
    outputs = account.with_outputs(bucket_name=bucket, bucket_arn=f"arn:aws:s3:::{bucket}")
    result = preflight(account, outputs, training_data=f"s3://{bucket}/data/train.jsonl", validation_data=None)
    result = result.result("bucket-region")
    assert result.status is Status.FAIL
    assert "us-west-2" in result.message


def test_missing_training_data_fails(account: Account) -> None:
    result = preflight(account, training_data=f"s3://{account.bucket}/data/none.jsonl").result("training-data")
    assert result.status is Status.FAIL
    assert "does not exist" in result.message


def test_missing_validation_data_fails(account: Account) -> None:
    report = preflight(account, validation_data=f"s3://{account.bucket}/data/none.jsonl")
    assert status_of(report, "validation-data") is Status.FAIL


def test_an_image_in_another_bucket_fails(account: Account) -> None:
    account.put_records("data/sample/train.jsonl", [vision_record("s3://someone-elses-bucket/images/0.png")])
    result = preflight(account).result("images")
    assert result.status is Status.FAIL
    assert "another bucket" in result.message


def test_a_missing_image_fails(account: Account) -> None:
    account.put_records("data/sample/train.jsonl", [vision_record(f"s3://{account.bucket}/data/sample/images/9.png")])
    result = preflight(account).result("images")
    assert result.status is Status.FAIL
    assert "images/9.png does not exist" in result.message


def test_a_bucket_owner_other_than_the_account_fails(account: Account) -> None:
    uri = f"s3://{account.bucket}/data/sample/images/0.png"
    account.put_records("data/sample/train.jsonl", [vision_record(uri, owner="111122223333")])
    result = preflight(account).result("images")
    assert result.status is Status.FAIL
    assert "111122223333" in result.message


def _set_trust(account: Account, statement: dict[str, Any]) -> None:
    account.client("iam").update_assume_role_policy(
        RoleName=account.values["role_arn"].rsplit("/", 1)[-1],
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )


def test_a_role_that_does_not_trust_bedrock_fails(account: Account) -> None:
    _set_trust(
        account,
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
    )
    assert status_of(preflight(account), "role-trust") is Status.FAIL


def test_a_trust_without_confused_deputy_conditions_warns(account: Account) -> None:
    _set_trust(
        account,
        {"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"},
    )
    report = preflight(account)
    assert status_of(report, "role-trust") is Status.WARN
    assert report.ok


def _replace_role_policies(account: Account, statements: list[dict[str, Any]]) -> None:
    iam = account.client("iam")
    role = account.values["role_arn"].rsplit("/", 1)[-1]
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=attached["PolicyArn"])
    iam.put_role_policy(
        RoleName=role,
        PolicyName="only-this",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )


S3_ONLY = [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bedrock-ft-sandbox-*/*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::bedrock-ft-sandbox-*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::bedrock-ft-sandbox-*/output/*"},
]


def test_a_role_without_the_network_interface_statements_fails(account: Account) -> None:
    _replace_role_policies(account, S3_ONLY)
    report = preflight(account)
    result = report.result("role-network-interfaces")
    assert result.status is Status.FAIL
    assert "ec2:CreateNetworkInterface" in result.message or "ec2:Describe" in result.message
    assert status_of(report, "role-s3-access") is Status.PASS


def test_a_role_that_cannot_write_the_output_prefix_fails(account: Account) -> None:
    _replace_role_policies(account, S3_ONLY[:2])
    result = preflight(account).result("role-s3-access")
    assert result.status is Status.FAIL
    assert "s3:PutObject" in result.message


def test_an_out_of_range_hyperparameter_fails(account: Account) -> None:
    result = preflight(account, hyperparameters={"epochCount": "9"}).result("hyperparameters")
    assert result.status is Status.FAIL
    assert "epochCount" in result.message


def test_an_unknown_base_model_warns_about_the_hyperparameters(account: Account) -> None:
    assert status_of(preflight(account, base_model="acme.unknown-v1:0"), "hyperparameters") is Status.WARN


def test_a_disabled_kms_key_fails(account: Account) -> None:
    account.client("kms").disable_key(KeyId=account.values["kms_key_arn"].rsplit("/", 1)[-1])
    assert status_of(preflight(account), "kms-key") is Status.FAIL


def test_a_key_policy_that_leaves_out_the_role_fails(account: Account) -> None:
    other = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    account.client("kms").put_key_policy(
        KeyId=account.values["kms_key_arn"], PolicyName="default", Policy=json.dumps(other)
    )
    assert status_of(preflight(account), "kms-key") is Status.FAIL


def test_no_kms_key_skips_the_key_check(account: Account) -> None:
    report = preflight(account, account.with_outputs(kms_key_arn=None))
    assert status_of(report, "kms-key") is Status.SKIPPED


def _stubbed(account: Account, monkeypatch: pytest.MonkeyPatch, service: str, *, probe_only: bool = False) -> Stubber:
    """A Stubber-checked real client that the account's session hands out for ``service`` from now on
    (with ``probe_only``, only where a check asks for the probing client; the others stay moto's)."""
    import boto3

    client = boto3.client(service, region_name="us-east-1")
    original = account.session.client

    def client_for(name: str, *, probe: bool = False) -> Any:
        return client if name == service and (probe or not probe_only) else original(name, probe=probe)

    monkeypatch.setattr(account.session, "client", client_for)
    return Stubber(client)


def _stub_foundation_models(account: Account, monkeypatch: pytest.MonkeyPatch, model_ids: list[str]) -> Stubber:
    stubber = _stubbed(account, monkeypatch, "bedrock")
    stubber.add_response(
        "list_foundation_models",
        {
            "modelSummaries": [
                {"modelId": m, "modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{m}"} for m in model_ids
            ]
        },
        {"byCustomizationType": "FINE_TUNING"},
    )
    stubber.activate()
    return stubber


def test_a_base_model_the_region_cannot_customize_fails(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    _stub_foundation_models(account, monkeypatch, ["amazon.titan-text-express-v1"])
    assert status_of(preflight(account), "base-model") is Status.FAIL


def test_a_base_model_the_region_can_customize_passes(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    _stub_foundation_models(account, monkeypatch, [MODEL])
    assert status_of(preflight(account), "base-model") is Status.PASS


def test_simulation_denied_to_the_caller_is_skipped_not_failed(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    stubber = _stubbed(account, monkeypatch, "iam", probe_only=True)
    stubber.add_client_error("simulate_principal_policy", "AccessDenied", "not allowed", 403)
    stubber.activate()
    assert status_of(preflight(account), "role-simulation") is Status.SKIPPED


def test_an_image_without_a_bucket_owner_fails_with_a_hint(account: Account) -> None:
    record = vision_record(f"s3://{account.bucket}/data/sample/images/0.png")
    del record["messages"][0]["content"][1]["image"]["source"]["s3Location"]["bucketOwner"]
    account.put_records("data/sample/train.jsonl", [record])
    result = preflight(account).result("images")
    assert result.status is Status.FAIL
    assert "no bucketOwner" in result.message
    assert result.hint is not None and "bucket owner" in result.hint and "Terraform outputs" in result.hint


def _module_network_statements(account: Account) -> list[dict[str, Any]]:
    """The statements of the role's policies as the sandbox (the module) wrote them."""
    iam = account.client("iam")
    role = account.values["role_arn"].rsplit("/", 1)[-1]
    statements: list[dict[str, Any]] = []
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
        document = version["PolicyVersion"]["Document"]
        statements += (json.loads(document) if isinstance(document, str) else document)["Statement"]
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        statements += (json.loads(document) if isinstance(document, str) else document)["Statement"]
    return statements


def test_the_module_network_statements_pass(account: Account) -> None:
    _replace_role_policies(account, _module_network_statements(account))
    assert status_of(preflight(account), "role-network-interfaces") is Status.PASS


@pytest.mark.parametrize(
    ("sid", "missing"),
    [
        (
            "CreateOnlyTaggedJobNetworkInterfaces",
            ["aws:RequestTag/BedrockManaged", "aws:RequestTag/BedrockModelCustomizationJobArn"],
        ),
        (
            "ManageOnlyJobNetworkInterfacesInTheModuleSubnets",
            [
                "ec2:Subnet",
                "ec2:ResourceTag/BedrockManaged",
                "ec2:ResourceTag/BedrockModelCustomizationJobArn",
            ],
        ),
        ("TagJobNetworkInterfacesAtCreationOnly", ["ec2:CreateAction"]),
    ],
)
def test_network_statements_without_their_conditions_warn(account: Account, sid: str, missing: list[str]) -> None:
    statements = _module_network_statements(account)
    assert any(s.get("Sid") == sid for s in statements)
    _replace_role_policies(
        account, [{k: v for k, v in s.items() if k != "Condition"} if s.get("Sid") == sid else s for s in statements]
    )
    report = preflight(account)
    result = report.result("role-network-interfaces")
    assert result.status is Status.WARN
    assert sid in result.message
    for key in missing:
        assert key in result.message
    assert report.ok


def test_create_tags_without_tag_keys_warns(account: Account) -> None:
    statements = _module_network_statements(account)
    for statement in statements:
        if statement.get("Sid") == "TagJobNetworkInterfacesAtCreationOnly":
            statement["Condition"] = {"StringEquals": {"ec2:CreateAction": "CreateNetworkInterface"}}
    _replace_role_policies(account, statements)
    result = preflight(account).result("role-network-interfaces")
    assert result.status is Status.WARN
    assert "TagJobNetworkInterfacesAtCreationOnly" in result.message and "aws:TagKeys" in result.message


# ---------------------------------------------------------------- the base model's region, from the model table
# moto cannot list foundation models, so these read bedrock-ft's model table (models.py).

LLAMA_VISION = "meta.llama3-2-11b-instruct-v1:0"
CLAUDE_HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"
NOVA_MICRO = "amazon.nova-micro-v1:0:128k"


def test_base_model_offered_in_the_region_passes_from_the_model_table(account: Account) -> None:
    result = preflight(account).result("base-model")
    assert result.status is Status.PASS and "model table" in result.message


def test_llama_3_2_in_us_east_1_fails_from_the_model_table(account: Account) -> None:
    result = preflight(account, base_model=LLAMA_VISION, hyperparameters={}).result("base-model")
    assert result.status is Status.FAIL
    assert "us-east-1" in result.message and "us-west-2" in result.message
    assert result.hint and "us-west-2" in result.hint


def test_customization_type_the_model_table_does_not_offer_fails(account: Account) -> None:
    result = preflight(
        account, base_model=CLAUDE_HAIKU, hyperparameters={}, customization_type="CONTINUED_PRE_TRAINING"
    ).result("base-model")
    assert result.status is Status.FAIL and "CONTINUED_PRE_TRAINING" in result.message


def test_a_model_whose_regions_the_table_does_not_state_is_skipped(account: Account) -> None:
    result = preflight(account, base_model="cohere.command-text-v14:7:4k", hyperparameters={}).result("base-model")
    assert result.status is Status.SKIPPED


def test_a_model_not_in_the_table_is_skipped_when_the_endpoint_cannot_list(account: Account) -> None:
    result = preflight(account, base_model="example.unknown-model-v1", hyperparameters={}).result("base-model")
    assert result.status is Status.SKIPPED


def test_the_live_model_list_wins_over_the_model_table(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    _stub_foundation_models(account, monkeypatch, [LLAMA_VISION])
    assert status_of(preflight(account, base_model=LLAMA_VISION, hyperparameters={}), "base-model") is Status.PASS


# ---------------------------------------------------------------- the data read back fits the model

TRAIN_KEY = "data/sample/train.jsonl"
MANIFEST_KEY = "data/sample/manifest.json"


def text_record(text: str = "Review this page.") -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You review web pages."}],
        "messages": [
            {"role": "user", "content": [{"text": text}]},
            {"role": "assistant", "content": [{"text": "Fine."}]},
        ],
    }


def video_record(account: Account) -> dict[str, Any]:
    record = text_record()
    location = {"uri": f"s3://{account.bucket}/data/sample/videos/0.mp4", "bucketOwner": "123456789012"}
    record["messages"][0]["content"].append({"video": {"format": "mp4", "source": {"s3Location": location}}})
    return record


def put_manifest(account: Account, manifest: Any) -> None:
    body = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    account.client("s3").put_object(Bucket=account.bucket, Key=MANIFEST_KEY, Body=body)


def fits(account: Account, **changes: Any) -> Any:
    return preflight(account, **{"hyperparameters": {}, **changes}).result("data-fits-model")


def test_image_records_for_the_vision_model_they_were_made_for_pass(account: Account) -> None:
    result = fits(account)
    assert result.status is Status.PASS and "image" in result.message


def test_image_conversation_records_for_claude_3_haiku_fail(account: Account) -> None:
    result = fits(account, base_model=CLAUDE_HAIKU)
    assert result.status is Status.FAIL
    assert "claude-messages" in result.message and "takes no images" in result.message
    assert result.hint and f"generate the dataset for base model {CLAUDE_HAIKU}" in result.hint


def test_images_for_nova_micro_fail(account: Account) -> None:
    result = fits(account, base_model=NOVA_MICRO)
    assert result.status is Status.FAIL and "Nova Micro takes no images" in result.message


def test_text_records_for_nova_micro_pass(account: Account) -> None:
    account.put_records(TRAIN_KEY, [text_record() for _ in range(3)])
    assert fits(account, base_model=NOVA_MICRO).status is Status.PASS


def test_video_for_a_model_without_video_fails(account: Account) -> None:
    account.put_records(TRAIN_KEY, [video_record(account)])
    result = fits(account, base_model=LLAMA_VISION)
    assert result.status is Status.FAIL and "takes no video" in result.message


def test_video_for_nova_lite_passes(account: Account) -> None:
    account.put_records(TRAIN_KEY, [video_record(account)])
    assert fits(account).status is Status.PASS


def test_images_and_video_in_one_dataset_fail(account: Account) -> None:
    account.put_records(
        TRAIN_KEY, [vision_record(f"s3://{account.bucket}/data/sample/images/0.png"), video_record(account)]
    )
    result = fits(account)
    assert result.status is Status.FAIL and "both images and video" in result.message


def test_prompt_completion_records_for_nova_fail(account: Account) -> None:
    account.put_records(TRAIN_KEY, [{"prompt": "a", "completion": "b"}] * 3)
    result = fits(account)
    assert result.status is Status.FAIL and "prompt-completion" in result.message


def test_a_manifest_for_another_model_fails(account: Account) -> None:
    put_manifest(account, {"base_model": CLAUDE_HAIKU, "record_format": "bedrock-conversation-2024"})
    result = fits(account)
    assert result.status is Status.FAIL and f"generated for {CLAUDE_HAIKU}" in result.message


def test_a_manifest_with_another_record_format_fails(account: Account) -> None:
    put_manifest(account, {"base_model": "amazon.nova-lite-v1:0:300k", "record_format": "prompt-completion"})
    result = fits(account)
    assert result.status is Status.FAIL and "the manifest says the records are prompt-completion" in result.message


def test_manifest_counting_images_fails_a_text_only_model_whose_first_records_have_none(account: Account) -> None:
    account.put_records(TRAIN_KEY, [text_record() for _ in range(3)])
    put_manifest(
        account,
        {
            "base_model": NOVA_MICRO,
            "record_format": "bedrock-conversation-2024",
            "counts": {"train": 3, "validation": 0, "images": 5},
        },
    )
    result = fits(account, base_model=NOVA_MICRO)
    assert result.status is Status.FAIL and "takes no images" in result.message


def test_a_manifest_that_is_not_json_fails_and_is_named(account: Account) -> None:
    put_manifest(account, b"{not json")
    result = fits(account)
    assert result.status is Status.FAIL and "manifest.json is not JSON" in result.message


def test_a_matching_manifest_passes_and_is_mentioned(account: Account) -> None:
    put_manifest(
        account,
        {
            "base_model": "amazon.nova-lite-v1:0:300k",
            "record_format": "bedrock-conversation-2024",
            "counts": {"train": 3, "validation": 1, "images": 3},
        },
    )
    result = fits(account)
    assert result.status is Status.PASS and "manifest agrees" in result.message


def test_only_the_first_bytes_are_read_back_and_a_cut_record_is_not_judged(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bedrock_ft.job.preflight.data as preflight_data

    account.put_records(TRAIN_KEY, [text_record("x" * 100) for _ in range(50)])
    monkeypatch.setattr(preflight_data, "READ_BACK_BYTES", 700)  # ends inside the third record
    result = fits(account)
    assert result.status is Status.PASS and "2 records read back" in result.message


def test_a_model_not_in_the_table_skips_the_data_check(account: Account) -> None:
    assert fits(account, base_model="example.unknown-model-v1").status is Status.SKIPPED
