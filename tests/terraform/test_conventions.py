"""Rules every file of the module follows: sids, no literals, documented variables and outputs, the output
contract, version constraints, the example, tags and terraform fmt's layout."""

from __future__ import annotations

import re
from pathlib import Path

from tf_static import (
    EXAMPLES,
    MODULE_DIRS,
    ROOT,
    Files,
    blocks,
    in_dir,
    resources,
    texts,
    variable,
)

from bedrock_ft.core import terraform_hcl
from bedrock_ft.core.terraform_hcl import unwrap
from bedrock_ft.core.tf_outputs import OUTPUT_NAMES
from helpers.hcl_edit import TfFile, string


def sid_problems(files: Files) -> list[str]:
    problems = []
    for doc in terraform_hcl.policy_documents(files):
        sids = [st["sid"] for st in doc.statements]
        problems += [f"{doc.file}: {doc.address} has a statement without a sid" for sid in sids if not sid]
        problems += [f"{doc.file}: {doc.address} repeats sid {sid}" for sid in set(sids) if sid and sids.count(sid) > 1]
    return problems


def test_every_policy_statement_has_a_sid(tf: Files) -> None:
    assert len(terraform_hcl.policy_documents(tf)) >= 8
    assert sid_problems(tf) == []


def trust_statement_without_sid(tf: TfFile) -> None:
    del tf.statement("trust", "BedrockCustomizationJobsOfThisAccountAndRegionOnly")["sid"]


def test_sid_check_fails_on_a_statement_without_sid(mutated) -> None:
    broken = mutated("modules/access/trust_policy.tf", trust_statement_without_sid)
    assert sid_problems(broken) == [
        "modules/access/trust_policy.tf: data.aws_iam_policy_document.trust has a statement without a sid"
    ]


LITERALS = {
    "an account id": re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])"),
    "a region name": re.compile(
        r"\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov)?-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-[0-9]\b"
    ),
    "an aws partition ARN": re.compile(r"arn:aws(?:-cn|-us-gov)?:"),
}


def literal_problems(files: Files) -> list[str]:
    return [
        f"{rel}: {what}"
        for rel, text in texts(files).items()
        for what, pattern in LITERALS.items()
        if pattern.search(text)
    ]


def test_no_account_id_region_or_partition_written_in_the_code(tf: Files) -> None:
    assert literal_problems(tf) == []


def hard_coded_account(tf: TfFile) -> None:
    tf.locals_with("account_id")["account_id"] = string("123456789012")


def test_literal_check_fails_on_a_hard_coded_account(mutated) -> None:
    broken = mutated("modules/access/locals.tf", hard_coded_account)
    assert literal_problems(broken) == ["modules/access/locals.tf: an account id"]


def test_every_variable_has_a_description_and_a_type(tf: Files) -> None:
    variables = list(terraform_hcl.blocks(tf, "variable"))
    assert len(variables) > 30
    assert [
        v.address + " in " + v.file for v in variables if not v.body.get("description") or "type" not in v.body
    ] == []


def test_every_output_has_a_description(tf: Files) -> None:
    outputs = list(terraform_hcl.blocks(tf, "output"))
    assert [o.address + " in " + o.file for o in outputs if not o.body.get("description")] == []


# The names the scripts read (bedrock_ft.core.tf_outputs): the issue's eleven, the operator policy, the prefixes.
REQUIRED_OUTPUTS = set(OUTPUT_NAMES)
ISSUE_OUTPUTS = {
    "region",
    "account_id",
    "vpc_id",
    "subnet_ids",
    "availability_zones",
    "security_group_ids",
    "bucket_name",
    "bucket_arn",
    "role_arn",
    "kms_key_arn",
    "s3_endpoint_id",
}


def test_root_and_example_have_the_outputs_the_scripts_read(tf: Files) -> None:
    assert ISSUE_OUTPUTS <= REQUIRED_OUTPUTS
    for folder in (ROOT, *EXAMPLES):
        names = {b.name for b in blocks(tf, "output", folder)}
        assert names >= REQUIRED_OUTPUTS, f"{folder or 'root'} lacks {sorted(REQUIRED_OUTPUTS - names)}"
    root = {b.name: unwrap(b.body["value"]) for b in blocks(tf, "output", ROOT)}
    assert root["security_group_ids"] == ["${module.network.security_group_id}"]
    assert root["region"] == "data.aws_region.current.region"
    assert root["account_id"] == "data.aws_caller_identity.current.account_id"
    for folder in EXAMPLES:
        example = {b.name: unwrap(b.body["value"]) for b in blocks(tf, "output", folder)}
        assert all(example[name] == f"module.bedrock_ft.{name}" for name in REQUIRED_OUTPUTS), folder


def test_prefix_outputs_come_from_variables_with_the_agreed_defaults(tf: Files) -> None:
    assert variable(tf, ROOT, "data_prefix")["default"] == "data"
    assert variable(tf, ROOT, "output_prefix")["default"] == "output"


def test_terraform_and_provider_versions_are_bounded_everywhere(tf: Files) -> None:
    for folder in (*MODULE_DIRS, *EXAMPLES):
        (settings,) = [b.body for b in blocks(tf, "terraform", folder)]
        assert settings["required_version"] == ">= 1.5", folder
        (providers,) = settings["required_providers"]
        assert providers["aws"]["source"] == "hashicorp/aws", folder
        assert re.fullmatch(r">= 6\.\d+, < 7\.0", providers["aws"]["version"]), folder


def test_examples_lists_every_folder_of_examples(tf_root: Path) -> None:
    assert sorted(f"examples/{p.name}" for p in (tf_root / "examples").iterdir() if p.is_dir()) == sorted(EXAMPLES)


def test_each_example_calls_the_root_module_with_a_provider(tf: Files) -> None:
    for example in EXAMPLES:
        (call,) = blocks(tf, "module", example)
        assert call.body["source"] == "../..", example
        assert unwrap(call.body["name"]) == "var.name", example
        (provider,) = blocks(tf, "provider", example)
        assert provider.name == "aws" and unwrap(provider.body["region"]) == "var.region", example
        assert (Path(__file__).resolve().parents[2] / example / "terraform.tfvars.example").is_file(), example


def test_the_second_example_brings_its_own_key_and_zones(tf: Files) -> None:
    (call,) = blocks(tf, "module", "examples/existing-key-and-zones")
    assert unwrap(call.body["kms_key_arn"]) == "var.kms_key_arn"
    assert unwrap(call.body["availability_zones"]) == "var.availability_zones"
    for name in ("kms_key_arn", "availability_zones"):
        assert "default" not in variable(tf, "examples/existing-key-and-zones", name), f"{name} should be required"


def test_root_module_wires_every_submodule_by_relative_source(tf: Files) -> None:
    calls = {b.name: b.body["source"] for b in blocks(tf, "module", ROOT)}
    assert calls == {
        "network": "./modules/network",
        "storage": "./modules/storage",
        "access": "./modules/access",
        "operator": "./modules/operator",
    }


MODULE_CALL_META_ARGUMENTS = {"source", "version", "count", "for_each", "providers", "depends_on"}


def module_call_problems(files: Files) -> list[str]:
    """Every local module call passes each required variable of its module and no argument the module lacks."""
    problems = []
    for folder in (ROOT, *EXAMPLES):
        for call in blocks(files, "module", folder):
            source = str(call.body["source"])
            target = _normalise(f"{folder}/{source}")
            declared = {b.name: b.body for b in blocks(files, "variable", target)}
            assert declared, f"{folder or 'root'}: module.{call.name} ({source}) has no variables in {target!r}"
            arguments = set(call.body) - MODULE_CALL_META_ARGUMENTS
            problems += [
                f"{folder or 'root'}: module.{call.name} does not pass required variable {name}"
                for name, body in sorted(declared.items())
                if "default" not in body and name not in arguments
            ]
            problems += [
                f"{folder or 'root'}: module.{call.name} passes {name}, which {target or 'the root'} does not declare"
                for name in sorted(arguments - set(declared))
            ]
    return problems


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def test_every_module_call_passes_the_required_variables_and_only_declared_ones(tf: Files) -> None:
    assert module_call_problems(tf) == []


def network_without_use_kms(tf: TfFile) -> None:
    del tf.block("module", "network")["use_kms"]


def test_module_call_check_fails_when_a_required_variable_is_not_passed(mutated) -> None:
    broken = mutated("main.tf", network_without_use_kms)
    assert module_call_problems(broken) == ["root: module.network does not pass required variable use_kms"]


def network_with_an_undeclared_argument(tf: TfFile) -> None:
    tf.block("module", "network")["kms"] = 1


def test_module_call_check_fails_on_an_argument_the_module_does_not_declare(mutated) -> None:
    broken = mutated("main.tf", network_with_an_undeclared_argument)
    assert module_call_problems(broken) == ["root: module.network passes kms, which modules/network does not declare"]


TAGGABLE = {
    "aws_vpc",
    "aws_subnet",
    "aws_route_table",
    "aws_vpc_endpoint",
    "aws_security_group",
    "aws_default_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_cloudwatch_log_group",
    "aws_flow_log",
    "aws_iam_role",
    "aws_iam_policy",
    "aws_s3_bucket",
    "aws_kms_key",
}
NOT_TAGGABLE = {
    "aws_route_table_association",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_kms_alias",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_policy",
}


def test_tags_variable_is_on_every_taggable_resource(tf: Files) -> None:
    all_resources = list(terraform_hcl.blocks(tf, "resource"))
    unknown = {b.type for b in all_resources} - TAGGABLE - NOT_TAGGABLE
    assert unknown == set(), "decide whether these resource types take tags"
    untagged = [b.address for b in all_resources if b.type in TAGGABLE and "var.tags" not in str(b.body.get("tags"))]
    assert untagged == []
    assert resources(tf, "modules/storage", "aws_s3_bucket")


ATTRIBUTE = re.compile(r'^(?P<indent> *)(?P<key>[A-Za-z_][A-Za-z0-9_-]*|"[^"]*")(?P<pad> *)=(?![=>]) *(?P<value>.*)$')


def _opens_bracket(value: str) -> bool:
    depth, quoted, escaped = 0, False, False
    for char in value:
        if quoted:
            quoted = not (char == '"' and not escaped)
            escaped = char == "\\" and not escaped
        elif char == '"':
            quoted = True
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "#":
            break
    return depth > 0


def layout_problems(rel: str, text: str) -> list[str]:
    """What terraform fmt would change, as far as indentation and '=' alignment go."""
    problems = []
    lines = text.split("\n")
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append(f"{rel}: must end with exactly one newline")
    for number, line in enumerate(lines, 1):
        if "\t" in line or line != line.rstrip():
            problems.append(f"{rel}:{number}: tab or trailing space")
        if (len(line) - len(line.lstrip(" "))) % 2:
            problems.append(f"{rel}:{number}: indentation is not a multiple of 2")
    index = 0
    while index < len(lines):
        match = ATTRIBUTE.match(lines[index])
        if not match:
            index += 1
            continue
        group = [index]
        if not _opens_bracket(match["value"]):
            while index + 1 < len(lines):
                following = ATTRIBUTE.match(lines[index + 1])
                if not following or following["indent"] != match["indent"]:
                    break
                index += 1
                group.append(index)
                if _opens_bracket(following["value"]):
                    break
        width = max(len(ATTRIBUTE.match(lines[i])["key"]) for i in group)
        for i in group:
            attr = ATTRIBUTE.match(lines[i])
            if len(attr["key"]) + len(attr["pad"]) != width + 1:
                problems.append(f"{rel}:{i + 1}: '=' not aligned with its neighbours")
        index = group[-1] + 1
    return problems


def test_files_follow_terraform_fmt_indentation_and_alignment(tf: Files) -> None:
    problems = [p for rel, text in texts(tf).items() for p in layout_problems(rel, text)]
    assert problems == []


def test_layout_check_fails_on_misaligned_equals() -> None:
    text = 'resource "a" "b" {\n  name = 1\n  longer_name = 2\n}\n'
    assert layout_problems("x.tf", text) == ["x.tf:2: '=' not aligned with its neighbours"]


def test_policy_documents_are_all_aws_iam_policy_document(tf: Files) -> None:
    raw_policies = [
        f"{rel}: {line.strip()}"
        for rel, text in texts(tf).items()
        for line in text.splitlines()
        if re.search(r"\b(policy|assume_role_policy)\s*=", line) and "jsonencode" in line
    ]
    assert raw_policies == []
    assert all(not in_dir(doc, example) for doc in terraform_hcl.policy_documents(tf) for example in EXAMPLES)
