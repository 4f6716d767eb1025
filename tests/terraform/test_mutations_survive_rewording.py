"""The mutation tests edit the module's parsed structure, so rewording the module does not break them.

``reworded_module`` (conftest.py) is the module written differently: every block's arguments in another order,
another layout and comments added. It says exactly what the module says; the text the mutation tests once pasted
and replaced is no longer in it. Every edit the mutation tests make (tests/terraform and tests/review) gives the
same file on it as on the module as written, and the checks find the same problems in both.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import test_access
import test_conventions
import test_lifecycle
import test_network
import test_operator
import test_storage
from tf_static import ACCESS, NETWORK, OPERATOR, STORAGE, Files

from bedrock_ft.core import terraform_hcl
from helpers.hcl_edit import Edit, TfFile, edit_file

REPO_ROOT = Path(__file__).resolve().parents[2]

# Every edit of the mutation tests: (file, edit).
EDITS: dict[str, tuple[str, Edit]] = {
    "any_source_arn": (f"{ACCESS}/trust_policy.tf", test_access.any_source_arn),
    "output_anywhere_in_the_bucket": (f"{ACCESS}/data_access_policy.tf", test_access.output_anywhere_in_the_bucket),
    "one_tag_key_only": (f"{ACCESS}/data_access_policy.tf", test_access.one_tag_key_only),
    "trust_statement_without_sid": (f"{ACCESS}/trust_policy.tf", test_conventions.trust_statement_without_sid),
    "hard_coded_account": (f"{ACCESS}/locals.tf", test_conventions.hard_coded_account),
    "network_without_use_kms": ("main.tf", test_conventions.network_without_use_kms),
    "network_with_an_undeclared_argument": ("main.tf", test_conventions.network_with_an_undeclared_argument),
    "batch_trust_from_any_account": (f"{ACCESS}/batch_inference.tf", test_lifecycle.batch_trust_from_any_account),
    "subnet_condition_on_the_vpc_instead": (
        f"{ACCESS}/model_import.tf",
        test_lifecycle.subnet_condition_on_the_vpc_instead,
    ),
    "runtime_endpoint_open_to_the_internet": (
        f"{NETWORK}/runtime_endpoint.tf",
        test_lifecycle.runtime_endpoint_open_to_the_internet,
    ),
    "dns_hostnames_off": (f"{NETWORK}/vpc.tf", test_network.dns_hostnames_off),
    "zone_limit_raised_to_17": ("variables.tf", test_network.zone_limit_raised_to_17),
    "an_internet_gateway": (f"{NETWORK}/subnets.tf", test_network.an_internet_gateway),
    "endpoint_policy_for_any_bucket": (f"{NETWORK}/endpoints.tf", test_network.endpoint_policy_for_any_bucket),
    "s3_rule_without_description": (f"{NETWORK}/security_group.tf", test_network.s3_rule_without_description),
    "https_to_the_internet": (f"{NETWORK}/security_group.tf", test_network.https_to_the_internet),
    "flow_logs_without_the_kms_precondition": (
        f"{NETWORK}/flow_logs.tf",
        test_network.flow_logs_without_the_kms_precondition,
    ),
    "flow_logs_precondition_on_the_key_arn": (
        f"{NETWORK}/flow_logs.tf",
        test_network.flow_logs_precondition_on_the_key_arn,
    ),
    "network_use_kms_always_true": ("main.tf", test_network.network_use_kms_always_true),
    "job_calls_on_any_resource": (f"{OPERATOR}/operator_policy.tf", test_operator.job_calls_on_any_resource),
    "tls_deny_on_objects_only": (f"{STORAGE}/bucket_policy.tf", test_storage.tls_deny_on_objects_only),
    "list_bucket_denied_from_outside_the_endpoint": (
        f"{STORAGE}/bucket_policy.tf",
        test_storage.list_bucket_denied_from_outside_the_endpoint,
    ),
    "empty_lifecycle_filter": (f"{STORAGE}/bucket.tf", test_storage.empty_lifecycle_filter),
}


def _edited(source: Path, rel: str, edit: Edit, folder: Path) -> dict[str, object]:
    """One file of ``source`` with ``edit`` applied, parsed (a copy: ``source`` is left as it is)."""
    folder.mkdir(parents=True)
    copy = folder / Path(rel).name
    shutil.copy2(source / rel, copy)
    edit_file(copy, edit)
    return terraform_hcl.parse_file(copy)


def test_the_reworded_module_says_the_same_in_other_words(tf: Files, reworded_module: Path) -> None:
    reworded = terraform_hcl.load_module(reworded_module)
    assert dict(reworded) == dict(tf)
    for rel in tf:
        assert (reworded_module / rel).read_text() != (REPO_ROOT / rel).read_text(), rel
    # the text the trust mutation test once replaced is gone, though its meaning is all there
    pasted = '      variable = "aws:SourceArn"\n      values   = [local.job_arns]'
    assert pasted in (REPO_ROOT / ACCESS / "trust_policy.tf").read_text()
    assert pasted not in (reworded_module / ACCESS / "trust_policy.tf").read_text()


@pytest.mark.parametrize("name", sorted(EDITS))
def test_each_mutation_gives_the_same_file_on_the_reworded_module(
    name: str, reworded_module: Path, tmp_path: Path
) -> None:
    rel, edit = EDITS[name]
    as_written = _edited(REPO_ROOT, rel, edit, tmp_path / "as-written")
    assert as_written != terraform_hcl.parse_file(REPO_ROOT / rel), f"{name} changes nothing"
    assert _edited(reworded_module, rel, edit, tmp_path / "reworded") == as_written


Check = Callable[[Files], list[str]]

# A few mutations run all the way through their check on both copies: a condition, a statement found inside a
# dynamic block, a nested block removed, a module argument dropped, a block added, and the check on raw text.
CHECKED: dict[str, Check] = {
    "any_source_arn": test_access.trust_problems,
    "list_bucket_denied_from_outside_the_endpoint": test_storage.vpc_only_manageability_problems,
    "flow_logs_without_the_kms_precondition": test_network.flow_log_kms_problems,
    "network_without_use_kms": test_conventions.module_call_problems,
    "an_internet_gateway": test_network.internet_path_problems,
    "https_to_the_internet": test_network.open_cidr_problems,
}


@pytest.mark.parametrize("name", sorted(CHECKED))
def test_a_check_finds_the_same_problems_in_the_mutated_reworded_module(
    name: str, tf: Files, mutated: Callable[..., Files], reworded_module: Path
) -> None:
    rel, edit = EDITS[name]
    check = CHECKED[name]
    found = check(mutated(rel, edit))
    assert found and check(tf) == []
    assert check(mutated(rel, edit, source=reworded_module)) == found


def test_an_edit_that_finds_nothing_to_change_fails_loudly(tmp_path: Path) -> None:
    copy = tmp_path / "trust_policy.tf"
    shutil.copy2(REPO_ROOT / ACCESS / "trust_policy.tf", copy)
    with pytest.raises(ValueError):
        edit_file(copy, lambda tf: tf.statement("trust", "NoSuchStatement"))
    assert copy.read_text() == (REPO_ROOT / ACCESS / "trust_policy.tf").read_text()


def test_the_tf_file_helper_reads_blocks_by_their_labels() -> None:
    trust = TfFile(REPO_ROOT / ACCESS / "trust_policy.tf")
    assert [s["sid"] for s in trust.statements("trust")] == ['"BedrockCustomizationJobsOfThisAccountAndRegionOnly"']
    assert len(trust.blocks("data", "aws_iam_policy_document")) >= 1
    assert trust.blocks("resource") == []
