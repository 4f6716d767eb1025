"""The AWS fixtures themselves: every test starts from the freshly built account, whatever a test before it did.

The infrastructure is built once and put back before each test (helpers.aws_fixtures.EmulatorSnapshot); these tests
change each kind of state the AWS tests change and check that restoring undoes it.
"""

from __future__ import annotations

import json
from typing import Any

from moto import mock_aws

from helpers.aws_fixtures import MODEL, Account, EmulatorSnapshot


def _restore(built: tuple[dict[str, Any], EmulatorSnapshot]) -> None:
    built[1].restore()


def test_a_deleted_resource_is_back_after_a_restore(
    account: Account, _built_account: tuple[dict[str, Any], EmulatorSnapshot]
) -> None:
    ec2 = account.client("ec2")
    endpoint = account.values["s3_endpoint_id"]

    def state() -> str:
        return str(ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["State"]).lower()

    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
    assert state() == "deleted"
    _restore(_built_account)
    assert state() == "available"


def test_objects_and_buckets_made_by_a_test_are_gone_after_a_restore(
    account: Account, _built_account: tuple[dict[str, Any], EmulatorSnapshot]
) -> None:
    s3 = account.client("s3")
    before = {o["Key"] for o in s3.list_objects_v2(Bucket=account.bucket)["Contents"]}
    s3.put_object(Bucket=account.bucket, Key="data/left-over.jsonl", Body=b"{}\n")
    s3.create_bucket(Bucket="made-by-a-test")
    _restore(_built_account)
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=account.bucket)["Contents"]} == before
    assert "data/sample/train.jsonl" in before
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [account.bucket]
    s3.create_bucket(Bucket="made-by-a-test")  # its name is free again (S3's namespace is restored too)


def test_a_rewritten_policy_and_a_disabled_key_are_as_built_after_a_restore(
    account: Account, _built_account: tuple[dict[str, Any], EmulatorSnapshot]
) -> None:
    iam = account.client("iam")
    kms = account.client("kms")
    role = account.values["role_arn"].rsplit("/", 1)[-1]
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    other = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    other_trust = json.dumps({"Version": "2012-10-17", "Statement": [other]})
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=other_trust)
    assert iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"] != trust
    key_id = account.values["kms_key_arn"].rsplit("/", 1)[-1]
    kms.disable_key(KeyId=key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"] is False
    _restore(_built_account)
    assert iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"] == trust
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"] is True


def test_the_restored_key_still_encrypts_and_decrypts(
    account: Account, _built_account: tuple[dict[str, Any], EmulatorSnapshot]
) -> None:
    kms = account.client("kms")
    sealed = kms.encrypt(KeyId=account.values["kms_key_arn"], Plaintext=b"before")["CiphertextBlob"]
    _restore(_built_account)
    assert kms.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"before"


def test_a_service_first_used_after_the_build_starts_empty_again(
    account: Account, _built_account: tuple[dict[str, Any], EmulatorSnapshot]
) -> None:
    bedrock = account.client("bedrock")
    bedrock.create_model_customization_job(
        jobName="left-over",
        customModelName="left-over-model",
        roleArn=account.values["role_arn"],
        baseModelIdentifier=MODEL,
        trainingDataConfig={"s3Uri": account.training_uri},
        outputDataConfig={"s3Uri": f"s3://{account.bucket}/output/"},
        hyperParameters={},
    )
    _restore(_built_account)
    assert bedrock.list_model_customization_jobs()["modelCustomizationJobSummaries"] == []


def test_a_restore_into_a_new_emulator_gives_the_built_account(
    _built_account: tuple[dict[str, Any], EmulatorSnapshot],
) -> None:
    from moto.core.base_backend import BackendDict

    from bedrock_ft.job.session import make_session
    from helpers.aws_fixtures import REGION

    values, snapshot = _built_account
    with mock_aws():
        BackendDict.reset()  # an emulator holding nothing, as when a module's mock_aws starts
        session = make_session(REGION)
        session.client("s3").create_bucket(Bucket="made-by-a-test")
        snapshot.restore()
        buckets = [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]]
        vpcs = session.client("ec2").describe_vpcs(VpcIds=[values["vpc_id"]])["Vpcs"]
    assert buckets == [values["bucket_name"]]
    assert [v["VpcId"] for v in vpcs] == [values["vpc_id"]]
