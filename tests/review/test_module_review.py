"""The repository's module comes out clean; mutated copies of it produce the findings of what was broken."""

from __future__ import annotations

import re
from pathlib import Path

from bedrock_ft.review import review
from helpers.hcl_edit import condition, edit_file, editing, string

from .conftest import REPO


def test_repository_module_has_no_finding_at_medium_or_above() -> None:
    report = review([REPO], use_checkov=False)
    assert report.at_or_above("medium") == [], [str(f.location) + " " + f.message for f in report.at_or_above("medium")]


def test_module_review_reads_every_policy_document() -> None:
    report = review([REPO], use_checkov=False)
    assert re.search(r"Terraform module .*: [5-9]\d* policy documents|: \d\d policy documents", report.reviewed[0])


def test_trust_without_source_arn_in_module_is_found_with_file_and_line(module_copy: Path) -> None:
    with editing(module_copy / "modules" / "access" / "trust_policy.tf") as tf:
        trust = tf.statement("trust", "BedrockCustomizationJobsOfThisAccountAndRegionOnly")
        condition(trust, "aws:SourceArn")["variable"] = string("aws:SomethingElse")
    report = review([module_copy], use_checkov=False)
    finding = next(f for f in report.findings if f.rule_id == "BFT008")
    assert finding.location.file and finding.location.file.endswith("modules/access/trust_policy.tf")
    assert finding.location.line and finding.location.line > 1
    assert finding.location.sid


def test_s3_any_bucket_in_module_is_found(module_copy: Path) -> None:
    with editing(module_copy / "modules" / "access" / "data_access_policy.tf") as tf:
        read = tf.statement("data_access", "ReadTrainingAndValidationData")
        read["resources"] = [string("arn:${data.aws_partition.current.partition}:s3:::*")]
    report = review([module_copy], use_checkov=False)
    assert any(f.rule_id == "BFT003" and f.severity.value == "high" for f in report.findings)


def test_security_group_without_self_egress_is_found(module_copy: Path) -> None:
    edit_file(
        module_copy / "modules" / "network" / "security_group.tf",
        lambda tf: tf.remove_block("resource", "aws_vpc_security_group_egress_rule", "job_to_self"),
    )
    report = review([module_copy], use_checkov=False)
    finding = next(f for f in report.findings if f.rule_id == "BFT012")
    assert "egress" in finding.message and finding.location.file.endswith("security_group.tf")


def test_endpoint_without_policy_in_module_is_found(module_copy: Path) -> None:
    with editing(module_copy / "modules" / "network" / "endpoints.tf") as tf:
        del tf.block("resource", "aws_vpc_endpoint", "s3")["policy"]
    report = review([module_copy], use_checkov=False)
    assert any(f.rule_id == "BFT010" and "no endpoint policy" in f.message for f in report.findings)
