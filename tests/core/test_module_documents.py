"""The module's policy documents as templates: rendering fills every value, applies every switch, refuses gaps."""

from __future__ import annotations

import json

import pytest

from bedrock_ft.core import module_documents
from bedrock_ft.core.module_documents import TemplateError, actions, render, template

SCOPE = {"partition": "aws", "region": "eu-west-1", "account_id": "123456789012"}
DATA_ACCESS = {
    **SCOPE,
    "dns_suffix": "amazonaws.com",
    "bucket_arn": "arn:aws:s3:::data",
    "output_prefix": "output",
    "subnet_arns": [
        "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-1",
        "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-2",
    ],
    "security_group_arns": ["arn:aws:ec2:eu-west-1:123456789012:security-group/sg-1"],
    "kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/k",
}


def _sids(document: dict[str, object]) -> list[str]:
    return [s["Sid"] for s in document["Statement"]]  # type: ignore[attr-defined,index]


def test_every_placeholder_is_filled() -> None:
    text = json.dumps(render("data_access", DATA_ACCESS, {"use_kms": True}))
    assert "<" not in text
    assert "arn:aws:bedrock:eu-west-1:123456789012:model-customization-job/*" in text


def test_a_list_placeholder_expands_to_every_value() -> None:
    document = render("data_access", DATA_ACCESS, {"use_kms": False})
    statement = next(
        s for s in document["Statement"] if s["Sid"] == "CreateNetworkInterfacesInTheModuleSubnetsAndSecurityGroupOnly"
    )
    assert statement["Resource"] == [*DATA_ACCESS["subnet_arns"], *DATA_ACCESS["security_group_arns"]]


def test_a_switch_that_is_off_leaves_its_statement_out() -> None:
    on = _sids(render("data_access", DATA_ACCESS, {"use_kms": True}))
    off = _sids(render("data_access", {**DATA_ACCESS, "kms_key_arn": None}, {"use_kms": False}))
    assert "UseTheBucketKeyThroughS3AndBedrockOnly" in on
    assert off == [sid for sid in on if sid != "UseTheBucketKeyThroughS3AndBedrockOnly"]


def test_a_switch_not_given_is_refused() -> None:
    with pytest.raises(TemplateError, match="use_kms"):
        render("data_access", DATA_ACCESS)


def test_a_missing_value_is_refused_with_its_placeholder() -> None:
    with pytest.raises(TemplateError, match="<bucket_arn>"):
        render("data_access", {k: v for k, v in DATA_ACCESS.items() if k != "bucket_arn"}, {"use_kms": True})


def test_a_value_of_a_switched_off_statement_is_not_needed() -> None:
    document = render("data_access", {**DATA_ACCESS, "kms_key_arn": None}, {"use_kms": False})
    assert "kms" not in json.dumps(document["Statement"]).replace("kms:", "")


def test_one_string_where_a_list_belongs_is_refused() -> None:
    with pytest.raises(TemplateError, match="subnet_arns is a list"):
        render("data_access", {**DATA_ACCESS, "subnet_arns": "arn:aws:ec2:eu-west-1:1:subnet/s"}, {"use_kms": True})


def test_a_list_where_one_string_belongs_is_refused() -> None:
    with pytest.raises(TemplateError, match="<bucket_arn> is one string"):
        render("data_access", {**DATA_ACCESS, "bucket_arn": ["a", "b"]}, {"use_kms": True})


def test_merged_documents_follow_their_count_switch() -> None:
    off = {"batch_inference_enabled": False, "model_import_enabled": False, "evaluation_jobs_enabled": False}
    plain = _sids(render("trust", SCOPE, off))
    merged = _sids(render("trust", SCOPE, {**off, "batch_inference_enabled": True}))
    judged = _sids(render("trust", SCOPE, {**off, "evaluation_jobs_enabled": True}))
    assert plain == ["BedrockCustomizationJobsOfThisAccountAndRegionOnly"]
    assert merged == [*plain, "BedrockBatchInferenceJobsOfThisAccountAndRegionOnly"]
    assert judged == [*plain, "BedrockEvaluationJobsOfThisAccountAndRegionOnly"]


def test_an_unknown_document_is_refused() -> None:
    with pytest.raises(TemplateError, match="no policy document"):
        template("../trust")
    with pytest.raises(TemplateError, match="no policy document"):
        template("nothing_like_it")


def test_actions_are_read_from_the_statement_with_that_sid() -> None:
    assert actions("data_access", "DescribeTheVpcConfiguration") == (
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeVpcs",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
    )
    with pytest.raises(TemplateError, match="no statement NoSuchSid"):
        actions("data_access", "NoSuchSid")


def test_the_templates_ship_as_package_data() -> None:
    # pyproject's package-data takes *.json of every package; the templates' folder is one.
    assert (module_documents.TEMPLATE_FOLDER / "__init__.py").is_file()
    assert len(module_documents.names()) >= 15
