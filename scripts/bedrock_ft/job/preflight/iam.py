"""The IAM checks: the service role's trust, what its policies allow the job, a policy simulation, and the KMS key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from bedrock_ft.core.iam_documents import parse_document
from bedrock_ft.core.module_documents import actions
from bedrock_ft.job.preflight.context import (
    CheckContext,
    allowed,
    error_text,
    is_unsupported,
    not_allowed,
    s3_needs,
)
from bedrock_ft.job.preflight.results import CheckResult, failed, passed, skipped, warned
from bedrock_ft.review.documents import Kind, PolicyDoc
from bedrock_ft.review.rules import create_network_interface, create_tags, network_interface_permissions

BEDROCK_SERVICE = "bedrock.amazonaws.com"


# What the job's role must be allowed, in the module's own words: the actions of its data-access and key policies.
NETWORK_DESCRIBE_ACTIONS = actions("data_access", "DescribeTheVpcConfiguration")


NETWORK_INTERFACE_ACTIONS = actions("data_access", "ManageOnlyJobNetworkInterfacesInTheModuleSubnets")


KMS_KEY_ACTIONS = actions("kms_key", "ServiceRoleUsesTheKeyThroughBedrockAndS3Only")


def check_role_trust(ctx: CheckContext) -> Iterator[CheckResult]:
    name = "role-trust"
    role = ctx.role()
    statements = parse_document(role.get("AssumeRolePolicyDocument", {}), source=f"{ctx.role_arn} trust policy")
    trusting = [
        s
        for s in statements
        if s.allows and s.covers_action("sts:AssumeRole") and BEDROCK_SERVICE in s.principals.get("Service", ())
    ]
    if not trusting:
        yield failed(
            name,
            f"{ctx.role_name()} does not let {BEDROCK_SERVICE} assume it",
            f"add a trust statement: Principal Service {BEDROCK_SERVICE}, Action sts:AssumeRole",
        )
        return
    keys = set().union(*(s.condition_keys() for s in trusting))
    lacking = [k for k in ("aws:SourceAccount", "aws:SourceArn") if k.lower() not in keys]
    if lacking:
        yield warned(
            name,
            f"{ctx.role_name()} trusts {BEDROCK_SERVICE} without {' and '.join(lacking)}",
            "add aws:SourceAccount = the account and aws:SourceArn like "
            "arn:...:bedrock:REGION:ACCOUNT:model-customization-job/* (confused-deputy guard)",
        )
    else:
        yield passed(name, f"{ctx.role_name()} trusts {BEDROCK_SERVICE} with aws:SourceAccount and aws:SourceArn")


def _network_needs(ctx: CheckContext) -> list[tuple[str, str]]:
    eni = ctx.ec2_arn("network-interface/*")
    needs = [(action, "*") for action in NETWORK_DESCRIBE_ACTIONS]
    needs.append(("ec2:CreateNetworkInterface", eni))
    needs += [("ec2:CreateNetworkInterface", ctx.ec2_arn(f"subnet/{s}")) for s in ctx.outputs.subnet_ids]
    needs += [
        ("ec2:CreateNetworkInterface", ctx.ec2_arn(f"security-group/{g}")) for g in ctx.outputs.security_group_ids
    ]
    needs += [(action, eni) for action in NETWORK_INTERFACE_ACTIONS]
    needs.append(("ec2:CreateTags", eni))
    return needs


# The review's rules for the network-interface statements: each reads one identity policy and reports a statement
# that lacks the conditions Bedrock documents (request tags, ec2:Subnet, resource tags, ec2:CreateAction,
# aws:TagKeys) or that opens CreateNetworkInterface to any subnet or security group.
NETWORK_CONDITION_RULES = (create_network_interface, create_tags, network_interface_permissions)


def network_condition_findings(policies: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """One line per network-interface statement wider than the documented one: "POLICY: FINDING"."""
    lines = []
    for policy_name, document in policies:
        doc = PolicyDoc(name=policy_name, kind=Kind.IDENTITY, document=document)
        for rule in NETWORK_CONDITION_RULES:
            lines += [f"{policy_name}: {finding.message}" for finding in rule(doc)]
    return lines


def check_role_network(ctx: CheckContext) -> Iterator[CheckResult]:
    name = "role-network-interfaces"
    lacking = not_allowed(ctx.role_policy_statements(), _network_needs(ctx))
    if lacking:
        shown = lacking[:4] + ([f"... {len(lacking) - 4} more"] if len(lacking) > 4 else [])
        yield failed(
            name,
            f"{ctx.role_name()}'s policies do not allow {'; '.join(shown)}",
            "attach the module's data-access policy: Bedrock creates the job's network interfaces with this role",
        )
        return
    wide = network_condition_findings(ctx.role_policies())
    if wide:
        shown = wide[:3] + ([f"... {len(wide) - 3} more"] if len(wide) > 3 else [])
        yield warned(
            name,
            f"{ctx.role_name()} may manage the job's network interfaces, but more widely than Bedrock documents: "
            + "; ".join(shown),
            "add the conditions of the module's data-access policy (aws:RequestTag/BedrockManaged, "
            "aws:RequestTag/BedrockModelCustomizationJobArn, ec2:Subnet, ec2:ResourceTag/..., ec2:CreateAction, "
            f"aws:TagKeys); a review of the role {ctx.role_name()} (`bedrock-ft review`) explains each",
        )
    else:
        yield passed(name, f"{ctx.role_name()} may create, tag and delete the job's network interfaces")


def check_role_s3(ctx: CheckContext) -> Iterator[CheckResult]:
    name = "role-s3-access"
    lacking = not_allowed(ctx.role_policy_statements(), s3_needs(ctx))
    if lacking:
        yield failed(
            name,
            f"{ctx.role_name()}'s policies do not allow {'; '.join(lacking)}",
            f"grant s3:GetObject and s3:ListBucket on the data and s3:PutObject under {ctx.output_prefix}/",
        )
    else:
        yield passed(name, f"{ctx.role_name()} may read the data and write under {ctx.output_prefix}/")


def check_role_simulation(ctx: CheckContext) -> Iterator[CheckResult]:
    name = "role-simulation"
    iam = ctx.session.client("iam", probe=True)
    denied = []
    for action, arn in [*s3_needs(ctx), *_network_needs(ctx)]:
        try:
            response = iam.simulate_principal_policy(
                PolicySourceArn=ctx.role_arn, ActionNames=[action], ResourceArns=[arn]
            )
        except Exception as exc:
            if is_unsupported(exc):
                yield skipped(name, "the endpoint does not support IAM policy simulation")
                return
            if isinstance(exc, ClientError) and "AccessDenied" in str(exc.response.get("Error", {}).get("Code")):
                yield skipped(
                    name,
                    "your credentials may not call iam:SimulatePrincipalPolicy",
                    "allow it on the role to have preflight simulate the role's access",
                )
                return
            raise
        for evaluation in response.get("EvaluationResults", []):
            if evaluation.get("EvalDecision") != "allowed":
                denied.append(f"{action} on {arn} ({evaluation.get('EvalDecision')})")
    if denied:
        yield failed(name, "IAM simulation denies " + "; ".join(denied[:4]), "grant those actions to the role")
    else:
        yield passed(name, "IAM policy simulation allows every action the job needs")


def check_kms_key(ctx: CheckContext) -> Iterator[CheckResult]:
    name = "kms-key"
    key_arn = ctx.outputs.kms_key_arn
    if not key_arn:
        yield skipped(name, "no KMS key in the outputs (S3-managed encryption)")
        return
    kms = ctx.session.client("kms")
    try:
        metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    except ClientError as exc:
        yield failed(
            name, f"cannot describe {key_arn}: {error_text(exc)}", "check kms_key_arn and your kms:DescribeKey"
        )
        return
    if not metadata.get("Enabled") or metadata.get("KeyState", "Enabled") != "Enabled":
        yield failed(
            name, f"{key_arn} is {metadata.get('KeyState', 'disabled')}", "enable the key or cancel its deletion"
        )
        return
    try:
        policy = kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    except ClientError as exc:
        yield warned(
            name, f"{key_arn} is enabled; its key policy is unreadable ({error_text(exc)})", "check it by hand"
        )
        return
    statements = parse_document(policy, source=f"{key_arn} key policy")
    root = f"arn:{ctx.partition}:iam::{ctx.account_id}:root"
    named = [s for s in statements if s.allows and (ctx.role_arn in s.principals.get("AWS", ()))]
    lacking = [a for a in KMS_KEY_ACTIONS if not any(s.covers_action(a) for s in named)]
    if not lacking:
        yield passed(name, f"{key_arn} is enabled and its policy lets the role use it")
        return
    delegates = any(
        s.allows and (root in s.principals.get("AWS", ()) or ctx.account_id in s.principals.get("AWS", ()))
        for s in statements
    )
    if delegates:
        role_statements = ctx.role_policy_statements()
        role_lacking = [a for a in lacking if not allowed(role_statements, a, key_arn)]
        if not role_lacking:
            yield passed(name, f"{key_arn} is enabled; the role's IAM policies grant its use")
            return
        lacking = role_lacking
    yield failed(
        name,
        f"{key_arn} is enabled but the role may not {', '.join(lacking)}",
        "let the role use the key in its key policy (kms:ViaService bedrock.REGION.amazonaws.com)",
    )
