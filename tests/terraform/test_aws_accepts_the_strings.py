"""Every name, description and tag the module builds is one the AWS APIs accept, read from a real plan.

Terraform and the provider check neither the characters nor the lengths of these strings, so a bad one plans fine
and fails at apply (issue 9: an apostrophe in an EC2 rule description). The plan is made by the real ``terraform``
binary, with the offline stand-in provider of ../shared/terraform-offline when it is beside the clone (real schema,
data sources answered with plausible values) or the real provider otherwise, so the strings computed from the
account, the region and the zones are checked too. Two calls of the module are planned: one with the longest name
the module accepts in a long region name, one with the defaults.

Without terraform (or a provider) the tests are skipped; with BEDROCK_FT_REQUIRE_TERRAFORM=1 (CI) they fail instead.
"""

from __future__ import annotations

import copy
import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_limits
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
OFFLINE = REPO_ROOT.parent / "shared" / "terraform-offline"
RELEASE = "6.66.0"  # the newest release the stand-in serves
REGION = "ap-southeast-2"  # among the longest region names: the bucket name holds it
LONGEST_NAME = "bedrock-ft-with-a-32-char-name-x"
ENV_REQUIRE = "BEDROCK_FT_REQUIRE_TERRAFORM"

PLAN_CONFIG = f"""
provider "aws" {{
  region = "{REGION}"
}}

module "longest" {{
  source = "../module"

  name                   = "{LONGEST_NAME}"
  vpc_only_bucket_access = true
  access_log_bucket      = "access-logs-bucket"
  tags                   = {{ Project = "bedrock-ft", "cost-center" = "ml/platform:training" }}
}}

module "defaults" {{
  source = "../module"

  name = "bedrock-ft"
}}
"""


def _unavailable(reason: str) -> None:
    if os.environ.get(ENV_REQUIRE) == "1":
        pytest.fail(f"{reason} ({ENV_REQUIRE}=1)")
    pytest.skip(reason)


def _environment(tmp: Path) -> dict[str, str]:
    env = {**os.environ, "TF_DATA_DIR": str(tmp / "tf-data"), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    env.pop("TF_REATTACH_PROVIDERS", None)
    setup = OFFLINE / "setup.sh"
    if setup.is_file():
        printed = subprocess.run(
            ["bash", str(setup), RELEASE], capture_output=True, text=True, check=True, timeout=600
        ).stdout
        for line in printed.splitlines():
            if line.startswith("export "):
                env.update(word.split("=", 1) for word in shlex.split(line[len("export ") :]) if "=" in word)
        env["STUB_REGION"] = REGION
    return env


def _terraform(args: list[str], cwd: Path, env: Mapping[str, str]) -> str:
    result = subprocess.run(
        ["terraform", *args, "-no-color"], cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        if args[0] == "init":
            _unavailable(f"terraform init found no hashicorp/aws provider:\n{result.stdout}{result.stderr}")
        pytest.fail(f"terraform {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``terraform show -json`` of the plan of PLAN_CONFIG."""
    if shutil.which("terraform") is None:
        _unavailable("no terraform binary on PATH")
    tmp = tmp_path_factory.mktemp("aws-strings")
    module = tmp / "module"
    shutil.copytree(REPO_ROOT / "modules", module / "modules")
    for part in REPO_ROOT.glob("*.tf"):
        shutil.copy2(part, module / part.name)
    config = tmp / "plan"
    config.mkdir()
    (config / "main.tf").write_text(PLAN_CONFIG, encoding="utf-8")
    env = _environment(tmp)
    _terraform(["init", "-backend=false", "-input=false"], config, env)
    _terraform(["plan", "-input=false", "-lock=false", "-out=tfplan"], config, env)
    return json.loads(_terraform(["show", "-json", "tfplan"], config, env))


def _values(plan: Mapping[str, Any], type_: str, attribute: str) -> list[str]:
    return [
        r["values"][attribute]
        for r in aws_limits.planned_resources(plan)
        if r["type"] == type_ and isinstance(r.get("values", {}).get(attribute), str)
    ]


# --- the plan ------------------------------------------------------------------------------------------------------


def test_the_plan_holds_both_calls_of_the_module_with_their_computed_names(plan: dict[str, Any]) -> None:
    buckets = _values(plan, "aws_s3_bucket", "bucket")
    assert sorted(buckets) == sorted([f"{LONGEST_NAME}-123456789012-{REGION}", f"bedrock-ft-123456789012-{REGION}"]), (
        "the bucket names should be known at plan, built from the account and the region"
    )
    assert len(_values(plan, "aws_vpc_security_group_egress_rule", "description")) == 4


def test_every_name_and_description_the_module_builds_has_a_rule(plan: dict[str, Any]) -> None:
    assert aws_limits.unchecked_strings(plan) == []


def test_security_group_and_rule_descriptions_are_what_ec2_accepts(plan: dict[str, Any]) -> None:
    types = ("aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")
    assert aws_limits.string_problems(plan, types) == []


def test_iam_role_and_policy_names_and_descriptions_are_what_iam_accepts(plan: dict[str, Any]) -> None:
    assert aws_limits.string_problems(plan, ("aws_iam_role", "aws_iam_policy", "aws_iam_role_policy")) == []


def test_the_bucket_names_are_what_s3_accepts(plan: dict[str, Any]) -> None:
    assert aws_limits.string_problems(plan, ("aws_s3_bucket",)) == []


def test_the_kms_alias_and_key_description_are_what_kms_accepts(plan: dict[str, Any]) -> None:
    assert aws_limits.string_problems(plan, ("aws_kms_alias", "aws_kms_key")) == []
    assert len(_values(plan, "aws_kms_alias", "name")) == 2


def test_the_flow_log_group_names_are_what_cloudwatch_logs_accepts(plan: dict[str, Any]) -> None:
    assert aws_limits.string_problems(plan, ("aws_cloudwatch_log_group",)) == []
    assert len(_values(plan, "aws_cloudwatch_log_group", "name")) == 2


def test_every_tag_key_and_value_is_what_the_apis_accept(plan: dict[str, Any]) -> None:
    assert aws_limits.tag_problems(plan) == []
    tags = [r.get("values", {}).get("tags") or {} for r in aws_limits.planned_resources(plan)]
    names = [t["Name"] for t in tags if "Name" in t]
    assert any(name.startswith(f"{LONGEST_NAME}-private-{REGION}") for name in names), "subnet Name tags are checked"


# --- the checks catch what they are for ----------------------------------------------------------------------------


def test_the_check_catches_the_apostrophe_that_broke_every_apply(plan: dict[str, Any]) -> None:
    broken = copy.deepcopy(plan)
    for resource in aws_limits.planned_resources(broken):
        if resource["address"].endswith("aws_vpc_security_group_egress_rule.job_to_s3"):
            resource["values"]["description"] = "HTTPS to Amazon S3 through the gateway endpoint's prefix list"
    problems = aws_limits.string_problems(broken)
    assert len(problems) == 2 and all('characters EC2 refuses: "\'"' in p for p in problems)


def test_the_check_catches_a_role_name_over_64_characters(plan: dict[str, Any]) -> None:
    broken = copy.deepcopy(plan)
    role = next(r for r in aws_limits.planned_resources(broken) if r["type"] == "aws_iam_role")
    role["values"]["name"] = "r" * 65
    assert aws_limits.string_problems(broken) == [f"{role['address']}.name = {'r' * 65!r}: 65 characters, not 1 to 64"]


def test_a_resource_type_without_a_rule_is_reported(plan: dict[str, Any]) -> None:
    broken = copy.deepcopy(plan)
    broken["planned_values"]["root_module"].setdefault("resources", []).append(
        {"address": "aws_lambda_function.x", "mode": "managed", "type": "aws_lambda_function", "values": {"name": "f"}}
    )
    assert aws_limits.unchecked_strings(broken) == ["aws_lambda_function.x.name"]


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (aws_limits.ec2_text, "the endpoint's prefix list"),
        (aws_limits.ec2_text, "x" * 256),
        (aws_limits.ec2_text, "ünïcode"),
        (aws_limits.ec2_group_name, "sg-job"),
        (aws_limits.ec2_group_name, ""),
        (aws_limits.iam_role_name, "a role"),
        (aws_limits.iam_policy_name, "p" * 129),
        (aws_limits.iam_description, "€ sign"),
        (aws_limits.kms_alias, "alias/aws/bedrock"),
        (aws_limits.kms_alias, "bedrock-ft"),
        (aws_limits.kms_alias, "alias/with space"),
        (aws_limits.log_group_name, "/aws/vpc flow logs"),
        (aws_limits.bucket_name, "Bad_Bucket"),
        (aws_limits.bucket_name, "a..b"),
        (aws_limits.bucket_name, "192.168.10.1"),
        (aws_limits.bucket_name, "xn--bucket"),
        (aws_limits.bucket_name, "bucket-s3alias"),
        (aws_limits.bucket_name, "b" * 64),
        (aws_limits.tag_key, "aws:reserved"),
        (aws_limits.tag_key, "k" * 129),
        (aws_limits.tag_value, "v" * 257),
        (aws_limits.tag_value, "semi;colon"),
    ],
)
def test_each_checker_refuses_what_its_api_refuses(check: aws_limits.Checker, value: str) -> None:
    assert check(value) != []


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (aws_limits.ec2_text, "All protocols from members of this group (EFA between training instances)"),
        (aws_limits.ec2_group_name, "bedrock-ft-bedrock-job"),
        (aws_limits.iam_role_name, "r" * 64),
        (aws_limits.iam_description, "Assumed by Amazon Bedrock to run bedrock-ft's jobs"),
        (aws_limits.kms_alias, "alias/bedrock-ft-bedrock-ft"),
        (aws_limits.log_group_name, "/aws/vpc-flow-logs/bedrock-ft"),
        (aws_limits.bucket_name, "bedrock-ft-123456789012-ap-southeast-2"),
        (aws_limits.tag_key, "k" * 128),
        (aws_limits.tag_value, ""),
    ],
)
def test_each_checker_accepts_what_its_api_accepts(check: aws_limits.Checker, value: str) -> None:
    assert check(value) == []
