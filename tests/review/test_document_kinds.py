"""A loose policy document's kind comes from its content alone (documents.detect_kind), never from its file name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.review import review
from bedrock_ft.review.documents import Kind, detect_kind
from bedrock_ft.review.sources import from_policy_file

from .conftest import BAD_POLICIES, GOOD_POLICIES

BUCKET = "arn:aws:s3:::bedrock-ft-data-111122223333"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", **fields}


def test_no_principal_is_an_identity_policy() -> None:
    assert detect_kind(_doc(_allow(Action="s3:GetObject", Resource=f"{BUCKET}/*"))) is Kind.IDENTITY


def test_assume_role_with_a_principal_and_no_resource_is_a_trust_policy() -> None:
    document = _doc(_allow(Principal={"Service": "bedrock.amazonaws.com"}, Action="sts:AssumeRole"))
    assert detect_kind(document) is Kind.TRUST


def test_web_identity_assume_is_a_trust_policy() -> None:
    document = _doc(
        _allow(
            Principal={"Federated": "arn:aws:iam::111122223333:oidc-provider/x"}, Action="sts:AssumeRoleWithWebIdentity"
        )
    )
    assert detect_kind(document) is Kind.TRUST


def test_only_kms_actions_with_a_principal_is_a_key_policy() -> None:
    document = _doc(_allow(Principal={"AWS": "arn:aws:iam::111122223333:root"}, Action="kms:*", Resource="*"))
    assert detect_kind(document) is Kind.KMS_KEY


def test_one_bucket_with_a_principal_is_a_bucket_policy() -> None:
    document = _doc(
        _allow(Principal={"AWS": "arn:aws:iam::111122223333:role/r"}, Action="s3:GetObject", Resource=f"{BUCKET}/*")
    )
    assert detect_kind(document) is Kind.BUCKET


def test_public_grant_on_one_bucket_is_a_bucket_policy() -> None:
    document = _doc(_allow(Principal="*", Action="s3:GetObject", Resource=f"{BUCKET}/*"))
    assert detect_kind(document) is Kind.BUCKET


def test_grant_to_anyone_pinned_to_an_account_on_one_bucket_is_an_endpoint_policy() -> None:
    document = _doc(
        _allow(
            Principal="*",
            Action="s3:GetObject",
            Resource=f"{BUCKET}/*",
            Condition={"StringEquals": {"aws:PrincipalAccount": "111122223333"}},
        )
    )
    assert detect_kind(document) is Kind.ENDPOINT


def test_pinned_with_ifexists_does_not_make_an_endpoint_policy() -> None:
    document = _doc(
        _allow(
            Principal="*",
            Action="s3:GetObject",
            Resource=f"{BUCKET}/*",
            Condition={"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}},
        )
    )
    assert detect_kind(document) is Kind.BUCKET


def test_s3_resources_of_several_buckets_are_an_endpoint_policy() -> None:
    document = _doc(
        _allow(Principal="*", Action="s3:GetObject", Resource=[f"{BUCKET}/*", "arn:aws:s3:::other-bucket/*"])
    )
    assert detect_kind(document) is Kind.ENDPOINT


def test_resource_star_with_a_principal_is_an_endpoint_policy() -> None:
    assert detect_kind(_doc(_allow(Principal="*", Action="*", Resource="*"))) is Kind.ENDPOINT


def test_a_principal_without_s3_kms_or_sts_is_another_resource_policy() -> None:
    document = _doc(
        _allow(Principal="*", Action="sqs:SendMessage", Resource="arn:aws:sqs:us-east-1:111122223333:queue")
    )
    assert detect_kind(document) is Kind.RESOURCE


@pytest.mark.parametrize(
    "name", ["endpoint-policy.json", "vpce.json", "kms-key-policy.json", "trust.json", "identity.json"]
)
def test_the_file_name_does_not_change_the_kind(tmp_path: Path, name: str) -> None:
    policy = tmp_path / name
    shutil.copy(BAD_POLICIES / "bft015-public-grant-named-endpoint-policy.json", policy)
    assert from_policy_file(policy).docs[0].kind is Kind.BUCKET


@pytest.mark.parametrize("name", ["bucket-policy.json", "endpoint.json", "x.json"])
def test_a_public_bucket_policy_is_found_whatever_its_file_is_called(tmp_path: Path, name: str) -> None:
    policy = tmp_path / name
    policy.write_text(
        json.dumps(_doc(_allow(Sid="Anyone", Principal={"AWS": "*"}, Action="s3:GetObject", Resource=f"{BUCKET}/*")))
    )
    report = review(policies=[policy], use_checkov=False, use_parliament=False)
    assert [f.rule_id for f in report.at_or_above("medium") if f.rule_id == "BFT015"] == ["BFT015"]


def test_the_good_endpoint_policy_is_read_as_an_endpoint_policy() -> None:
    assert from_policy_file(GOOD_POLICIES / "endpoint-policy.json").docs[0].kind is Kind.ENDPOINT


def test_the_good_bucket_policy_is_read_as_a_bucket_policy() -> None:
    assert from_policy_file(GOOD_POLICIES / "bucket-policy.json").docs[0].kind is Kind.BUCKET


def test_every_policy_of_the_module_reads_by_content_as_the_kind_its_resource_gives_it() -> None:
    from bedrock_ft.review.sources import from_module

    from .conftest import REPO

    docs = from_module(REPO).docs
    assert len(docs) >= 8
    assert {d.name: detect_kind(d.document) for d in docs} == {d.name: d.kind for d in docs}


def test_an_allow_to_anyone_pinned_to_this_account_on_bedrock_models_is_an_interface_endpoint_policy() -> None:
    document = _doc(
        _allow(
            Principal="*",
            Action="bedrock:InvokeModel",
            Resource="arn:aws:bedrock:us-east-1:111122223333:custom-model/*",
            Condition={"StringEquals": {"aws:PrincipalAccount": "111122223333"}},
        )
    )
    assert detect_kind(document) is Kind.ENDPOINT
