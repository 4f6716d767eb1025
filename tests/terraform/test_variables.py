"""The root module's validated inputs refuse bad values: each validation is evaluated on good and bad samples.

The conditions come from variables.tf as parsed by python-hcl2 and are evaluated by ``hcl_conditions`` (a small
HCL subset translated to Python), so the tests check what Terraform would check, not a copy of the regex.
"""

from __future__ import annotations

from typing import Any

import pytest
from hcl_conditions import HclEvalError, accepts, compile_condition
from tf_static import ROOT, Files, variable

GOOD_NAMES = ["abc", "bedrock-ft", "a1-b2-c3", "ft" + "x" * 30]  # the last is 32 characters, the maximum
BAD_NAMES = [
    "Bad_Name",  # upper case and underscore
    "a",  # too short
    "ab",  # still too short (3 at least)
    "a" * 40,  # too long: the bucket name <name>-<account>-<region> must stay within 63
    "a" * 33,
    "1abc",  # must start with a letter
    "-abc",
    "abc-",  # must not end with a hyphen
    "a--b",  # no double hyphen
    "ab c",
    "abc.def",
    "",
]

GOOD_CIDRS = ["10.0.0.0/16", "172.16.0.0/20", "192.168.10.0/24"]
BAD_CIDRS = [
    "10.0.0.0/8",  # larger than a VPC may be
    "10.0.0.0/15",
    "10.0.0.0/25",  # smaller than a VPC may be
    "10.0.0.0/28",
    "10.0.0.0",  # no prefix length
    "10.0.0.0/33",
    "300.0.0.0/16",
    "not-a-cidr",
    "fd00::/56",  # IPv6: the module builds an IPv4 VPC
    "fd00::/20",  # IPv6 with a prefix length in the IPv4 range: only the IPv4 pattern refuses it
    "",
]


def validations(files: Files, name: str) -> list[dict[str, Any]]:
    return list(variable(files, ROOT, name).get("validation", []))


def name_problems(files: Files) -> list[str]:
    rules = validations(files, "name")
    if not rules:
        return ["variable name has no validation"]
    problems = [f"refuses good name {n!r}" for n in GOOD_NAMES if not accepts(rules, name=n)]
    problems += [f"accepts bad name {n!r}" for n in BAD_NAMES if accepts(rules, name=n)]
    return problems


def vpc_cidr_problems(files: Files) -> list[str]:
    rules = validations(files, "vpc_cidr")
    if not rules:
        return ["variable vpc_cidr has no validation"]
    problems = [f"refuses good CIDR {c!r}" for c in GOOD_CIDRS if not accepts(rules, vpc_cidr=c)]
    problems += [f"accepts bad CIDR {c!r}" for c in BAD_CIDRS if accepts(rules, vpc_cidr=c)]
    return problems


def test_name_is_validated_and_refuses_bad_names(tf: Files) -> None:
    assert name_problems(tf) == []
    assert all(rule["error_message"].strip() for rule in validations(tf, "name"))


def test_name_check_fails_when_the_validation_is_dropped(mutated) -> None:
    broken = mutated(
        "variables.tf",
        "  validation {\n"
        '    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")\n'
        '    error_message = "name must be 3 to 32 lowercase letters, digits and single hyphens, starting with a letter'
        ' and not ending with a hyphen."\n'
        "  }\n",
        "",
    )
    assert name_problems(broken) == ["variable name has no validation"]


def test_name_check_fails_when_the_length_limit_is_loosened(mutated) -> None:
    broken = mutated("variables.tf", '{1,30}[a-z0-9]$", var.name', '{1,60}[a-z0-9]$", var.name')
    assert name_problems(broken) == [f"accepts bad name {'a' * 40!r}", f"accepts bad name {'a' * 33!r}"]


def test_name_check_fails_without_the_double_hyphen_rule(mutated) -> None:
    broken = mutated("variables.tf", ' && !strcontains(var.name, "--")', "")
    assert name_problems(broken) == ["accepts bad name 'a--b'"]


def test_vpc_cidr_is_validated_and_refuses_bad_blocks(tf: Files) -> None:
    assert vpc_cidr_problems(tf) == []
    assert all(rule["error_message"].strip() for rule in validations(tf, "vpc_cidr"))


def test_vpc_cidr_default_passes_its_own_validation(tf: Files) -> None:
    default = variable(tf, ROOT, "vpc_cidr")["default"]
    assert accepts(validations(tf, "vpc_cidr"), vpc_cidr=default)


def test_vpc_cidr_check_fails_when_the_prefix_length_validation_is_dropped(mutated) -> None:
    broken = mutated(
        "variables.tf",
        "  validation {\n"
        '    condition     = can(cidrhost(var.vpc_cidr, 0)) ? (tonumber(split("/", var.vpc_cidr)[1]) >= 16'
        ' && tonumber(split("/", var.vpc_cidr)[1]) <= 24) : false\n'
        '    error_message = "vpc_cidr\'s prefix length must be between /16 and /24 (the VPC limits)."\n'
        "  }\n",
        "",
    )
    assert vpc_cidr_problems(broken) == [
        "accepts bad CIDR '10.0.0.0/8'",
        "accepts bad CIDR '10.0.0.0/15'",
        "accepts bad CIDR '10.0.0.0/25'",
        "accepts bad CIDR '10.0.0.0/28'",
    ]


def test_vpc_cidr_check_fails_when_ipv6_is_let_through(mutated) -> None:
    broken = mutated("variables.tf", ' && can(regex("^[0-9.]+/[0-9]+$", var.vpc_cidr))', "")
    assert vpc_cidr_problems(broken) == ["accepts bad CIDR 'fd00::/20'"]


def test_vpc_cidr_check_fails_when_all_validation_is_dropped(mutated) -> None:
    broken = mutated(
        "variables.tf",
        "  validation {\n    condition     = can(cidrhost(var.vpc_cidr",
        "  dropped {\n    condition     = can(cidrhost(var.vpc_cidr",
        count=2,
    )
    assert vpc_cidr_problems(broken) == ["variable vpc_cidr has no validation"]


# --- the evaluator itself: each Terraform behaviour the checks above rely on -----------------------------------------


def test_evaluator_can_is_lazy_and_false_on_error() -> None:
    assert compile_condition('can(regex("^a$", var.x))')(x="a") is True
    assert compile_condition('can(regex("^a$", var.x))')(x="b") is False
    assert compile_condition("can(cidrhost(var.x, 0))")(x="nope") is False


def test_evaluator_and_evaluates_both_sides_like_terraform() -> None:
    # Terraform (< 1.12) does not short-circuit &&: an error on the right is an error even when the left is false.
    condition = compile_condition('var.x == "a" && tonumber(var.x) > 1')
    with pytest.raises(ValueError):
        condition(x="b")


def test_evaluator_ternary_null_and_for_expressions() -> None:
    condition = compile_condition(
        'var.zones == null ? true : alltrue([for zone in var.zones : can(regex("^[a-z]+-[0-9][a-z]$", zone))])'
    )
    assert condition(zones=None) is True
    assert condition(zones=["east-1a", "east-1b"]) is True
    assert condition(zones=["east-1a", "use1-az1"]) is False


def test_evaluator_refuses_what_it_does_not_understand() -> None:
    with pytest.raises(HclEvalError):
        compile_condition('startswith(var.x, "a")')


def test_zone_validations_evaluate_as_documented(tf: Files) -> None:
    rules = validations(tf, "availability_zones")
    assert accepts(rules, availability_zones=None)
    assert accepts(rules, availability_zones=["us-east-1a", "us-east-1b"])
    assert not accepts(rules, availability_zones=["use1-az1"])
    assert not accepts(rules, availability_zones=[f"us-east-1{chr(ord('a') + i)}" for i in range(17)])
