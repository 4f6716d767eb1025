"""Where the policy documents under review come from: a Terraform module folder (HCL), a plan rendered by
``terraform show -json``, a live IAM role, or policy JSON files.

Each loader returns :class:`~bedrock_ft.review.documents.PolicyDoc` objects; the module and plan loaders also
return findings that only the structure shows (an S3 endpoint with no policy at all).
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bedrock_ft.core.errors import InputError
from bedrock_ft.review.documents import ATTRIBUTE_KINDS, Kind, PolicyDoc, detect_kind, validate_document
from bedrock_ft.review.findings import Finding
from bedrock_ft.review.network import security_group_findings
from bedrock_ft.review.placeholders import ACCOUNT, substitute
from bedrock_ft.review.rules import missing_endpoint_policy

# Folders under a module folder that are not part of the module.
MODULE_EXCLUDES = ("tests", "examples", "node_modules")


@dataclass
class Loaded:
    docs: list[PolicyDoc] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    description: str = ""


# ---------------------------------------------------------------- what a path is


def path_kind(path: Path) -> str:
    """``module`` (a folder), ``plan`` (``terraform show -json`` output) or ``policy`` (an IAM policy document)."""
    if path.is_dir():
        return "module"
    if not path.exists():
        raise InputError(f"{path} does not exist")
    document = read_json(path)
    if isinstance(document, Mapping) and ("planned_values" in document or "resource_changes" in document):
        return "plan"
    if isinstance(document, Mapping) and "Statement" in document:
        return "policy"
    raise InputError(
        f"{path} is neither a Terraform plan (terraform show -json) nor an IAM policy document (no Statement)"
    )


# Bounds on what the review reads: a plan of a large module is a few MB; an IAM policy is at most 20 KB (a bucket
# policy), so these leave room and still stop a device, a runaway file or a deliberate bomb.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_POLICY_BYTES = 1024 * 1024


def read_json(path: Path, *, limit: int = MAX_FILE_BYTES) -> Any:
    """The JSON in a regular file of at most ``limit`` bytes; anything else is an InputError, never a traceback."""
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path} is not a regular file")
    if info.st_size > limit:
        raise InputError(f"{path} is {info.st_size} bytes; the review reads files of at most {limit} bytes")
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise InputError(f"{path} is larger than {limit} bytes, the most the review reads")
    if data.startswith(b"PK") or (path.suffix in (".tfplan", ".plan") and not data.lstrip().startswith(b"{")):
        raise InputError(
            f"{path} is a binary plan file, not JSON", hint=f"render it first: terraform show -json {path} > plan.json"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    return parse_json(text, str(path))


def parse_json(text: str, source: str) -> Any:
    """JSON text as data; malformed or too deeply nested JSON is an InputError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source} is not JSON (line {exc.lineno}): {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{source} is nested too deeply to be a policy or a plan") from None


# ---------------------------------------------------------------- policy JSON files


def from_policy_file(path: Path) -> Loaded:
    """A policy JSON file; its kind comes from its content alone (documents.detect_kind), never from its name."""
    document = validate_document(read_json(path, limit=MAX_POLICY_BYTES), str(path))
    kind = detect_kind(document)
    doc = PolicyDoc(name=path.name, kind=kind, document=document, file=str(path))
    return Loaded(docs=[doc], description=f"policy file {path} ({kind.value})")


# ---------------------------------------------------------------- terraform show -json


def _plan_resources(plan: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(address, type, values) of every managed resource the plan will leave in place, modules included.

    Walked without recursion, and every level checked for its type: a plan is input like any other."""
    seen: set[str] = set()
    planned = plan.get("planned_values")
    root = planned.get("root_module") if isinstance(planned, Mapping) else None
    pending: list[Any] = [root] if isinstance(root, Mapping) else []
    while pending:
        module = pending.pop()
        if not isinstance(module, Mapping):
            continue
        for resource in _list(module.get("resources")):
            if not isinstance(resource, Mapping) or resource.get("mode", "managed") != "managed":
                continue
            address = str(resource.get("address"))
            values = resource.get("values")
            if address not in seen and isinstance(values, Mapping):
                seen.add(address)
                yield address, str(resource.get("type")), values
        pending.extend(reversed(_list(module.get("child_modules"))))
    for change in _list(plan.get("resource_changes")):
        if not isinstance(change, Mapping):
            continue
        address = str(change.get("address"))
        if change.get("mode", "managed") != "managed" or address in seen:
            continue
        body = change.get("change")
        after = body.get("after") if isinstance(body, Mapping) else None
        if isinstance(after, Mapping):
            seen.add(address)
            yield address, str(change.get("type")), after


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def from_plan(path: Path) -> Loaded:
    plan = read_json(path)
    if not isinstance(plan, Mapping) or not ("planned_values" in plan or "resource_changes" in plan):
        raise InputError(f"{path} is not a Terraform plan in JSON", hint="terraform show -json PLANFILE > plan.json")
    loaded = Loaded(description=f"Terraform plan {path}")
    for address, type_, values in _plan_resources(plan):
        for (rtype, attribute), kind in ATTRIBUTE_KINDS.items():
            if rtype != type_:
                continue
            raw = values.get(attribute)
            if type_ == "aws_vpc_endpoint" and _is_s3_endpoint(values) and not raw:
                loaded.findings.append(missing_endpoint_policy(address, file=str(path)))
                continue
            if not raw:
                continue  # unknown until apply, or not set
            document = _decode_policy(raw, f"{address}.{attribute}")
            loaded.docs.append(PolicyDoc(name=f"{address}.{attribute}", kind=kind, document=document, file=str(path)))
    return loaded


def _is_s3_endpoint(values: Mapping[str, Any]) -> bool:
    return str(values.get("service_name", "")).endswith(".s3") or str(values.get("service_name", "")).endswith("s3")


def _decode_policy(raw: Any, name: str) -> dict[str, Any]:
    if isinstance(raw, str):
        if len(raw) > MAX_POLICY_BYTES:
            raise InputError(f"{name} in the plan is larger than {MAX_POLICY_BYTES} bytes")
        raw = parse_json(raw, f"{name} in the plan")
    return validate_document(raw, f"{name} in the plan")


# ---------------------------------------------------------------- a live role


def from_role(role: str, iam: Any) -> Loaded:
    """The role's trust policy, inline policies and attached managed policies (default versions), through IAM."""
    name = role.rsplit("/", 1)[-1] if role.startswith("arn:") else role
    response = iam.get_role(RoleName=name)["Role"]
    account = _account_of(str(response.get("Arn", "")))
    loaded = Loaded(description=f"IAM role {response['Arn']}")
    loaded.docs.append(
        PolicyDoc(
            name=f"role {name}: trust policy",
            kind=Kind.TRUST,
            account=account,
            document=_decoded(response["AssumeRolePolicyDocument"], f"role {name}: trust policy"),
        )
    )
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy_name in page["PolicyNames"]:
            body = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            label = f"role {name}: inline policy {policy_name}"
            loaded.docs.append(
                PolicyDoc(name=label, kind=Kind.IDENTITY, account=account, document=_decoded(body, label))
            )
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        for attached in page["AttachedPolicies"]:
            arn = attached["PolicyArn"]
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            body = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
            label = f"role {name}: attached policy {arn}"
            loaded.docs.append(
                PolicyDoc(name=label, kind=Kind.IDENTITY, account=account, document=_decoded(body, label))
            )
    return loaded


def _account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and re.fullmatch(r"\d{12}", parts[4]) else None


def _decoded(body: Any, name: str) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        from urllib.parse import unquote

        text = str(body)
        body = parse_json(unquote(text) if text.lstrip().startswith("%7B") else text, name)
    return validate_document(body, name)


# ---------------------------------------------------------------- a module folder (HCL)


MAX_TF_BYTES = 16 * 1024 * 1024
MAX_TF_FILES = 5000


def check_module_files(folder: Path) -> None:
    """Every ``.tf`` file the module reader will read is a regular file inside ``folder`` (after links), of at most
    MAX_TF_BYTES, in UTF-8; else an InputError naming it. A link to /dev/zero or to a file elsewhere is refused
    rather than read."""
    root = folder.resolve()
    count = 0
    for path in sorted(folder.rglob("*.tf")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts[:-1]) or rel.parts[0] in MODULE_EXCLUDES:
            continue
        count += 1
        if count > MAX_TF_FILES:
            raise InputError(f"{folder} holds more than {MAX_TF_FILES} .tf files, the most the review reads")
        try:
            real = path.resolve(strict=True)
            info = real.stat()
        except (OSError, RuntimeError):
            raise InputError(f"{path} cannot be read (a broken or looping link?)") from None
        if not real.is_relative_to(root):
            raise InputError(f"{path} leads outside {folder} (to {real}); the review reads only the module's own files")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path} is not a regular file")
        if info.st_size > MAX_TF_BYTES:
            raise InputError(f"{path} is {info.st_size} bytes; the review reads .tf files of at most {MAX_TF_BYTES}")
        try:
            real.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from None


def from_module(folder: Path) -> Loaded:
    from bedrock_ft.core import terraform_hcl

    check_module_files(folder)
    module = terraform_hcl.load_module(folder, exclude=MODULE_EXCLUDES)
    kinds = _referenced_kinds(terraform_hcl, module)
    locals_by_dir = _locals(terraform_hcl, module)
    loaded = Loaded(description=f"Terraform module {folder}")
    for hcl_doc in terraform_hcl.policy_documents(module):
        address = hcl_doc.address
        known = locals_by_dir.get(str(PurePosixPath(hcl_doc.file).parent), {})
        statements, lines = [], {}
        for index, raw in enumerate(hcl_doc.statements):
            statements.append(_hcl_statement(_resolved(raw, known)))
            if raw.get("line"):
                lines[index] = raw["line"]
        document = {"Version": "2012-10-17", "Statement": statements}
        kind = kinds.get(address) or detect_kind(document)
        loaded.docs.append(
            PolicyDoc(
                name=address,
                kind=kind,
                document=document,
                file=_rel(folder, hcl_doc.file),
                line=hcl_doc.line,
                statement_lines=lines,
                from_hcl=True,
                account=ACCOUNT,
            )
        )
    loaded.findings.extend(security_group_findings(terraform_hcl, module, lambda file: _rel(folder, file)))
    for block in terraform_hcl.blocks(module, "resource", "aws_vpc_endpoint"):
        service = str(block.body.get("service_name", ""))
        gateway = str(block.body.get("vpc_endpoint_type", "Gateway")).lower() == "gateway"
        if (
            "s3" in service.lower()
            and gateway
            and "policy" not in block.body
            and not _has_policy_resource(terraform_hcl, module, block.address)
        ):
            loaded.findings.append(
                missing_endpoint_policy(block.address, file=_rel(folder, block.file), line=block.line)
            )
    return loaded


def _rel(folder: Path, file: str) -> str:
    return (folder / file).as_posix() if str(folder) not in ("", ".") else file


def _has_policy_resource(terraform_hcl: Any, module: Any, endpoint: str) -> bool:
    return any(
        endpoint in "".join(terraform_hcl.iter_strings(b.body.get("vpc_endpoint_id", "")))
        for b in terraform_hcl.blocks(module, "resource", "aws_vpc_endpoint_policy")
    )


def _referenced_kinds(terraform_hcl: Any, module: Any) -> dict[str, Kind]:
    """data.aws_iam_policy_document.NAME -> the kind of the resource attribute that uses its .json."""
    kinds: dict[str, Kind] = {}
    for (rtype, attribute), kind in ATTRIBUTE_KINDS.items():
        for block in terraform_hcl.blocks(module, "resource", rtype):
            for text in terraform_hcl.iter_strings(block.body.get(attribute, "")):
                for name in _doc_references(text):
                    kinds.setdefault(name, kind)
    # A document merged into another (source_policy_documents) has the kind of the one it is merged into.
    for block in terraform_hcl.blocks(module, "data", "aws_iam_policy_document"):
        parent = kinds.get(block.address)
        if parent is None:
            continue
        for key in ("source_policy_documents", "override_policy_documents"):
            for text in terraform_hcl.iter_strings(block.body.get(key, [])):
                for name in _doc_references(text):
                    kinds.setdefault(name, parent)
    return kinds


def _doc_references(text: str) -> Iterable[str]:
    for match in re.finditer(r"data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)", text):
        yield f"data.aws_iam_policy_document.{match.group(1)}"


def _locals(terraform_hcl: Any, module: Any) -> dict[str, dict[str, Any]]:
    """The locals of each folder of the module: {folder: {name: value}}."""
    out: dict[str, dict[str, Any]] = {}
    for block in terraform_hcl.blocks(module, "locals"):
        out.setdefault(str(PurePosixPath(block.file).parent), {}).update(block.body)
    return out


_LOCAL_REF = re.compile(r"\$\{local\.([A-Za-z0-9_]+)\}")
_WHOLE_LOCAL = re.compile(r"^\$\{local\.([A-Za-z0-9_]+)\}$")


def _expand(value: Any, known: Mapping[str, Any], depth: int = 0) -> list[Any]:
    """One value with local.NAME references replaced by their values (a list local gives several values)."""
    if not isinstance(value, str) or depth > 5 or "local." not in value:
        return [value]
    whole = _WHOLE_LOCAL.match(value)
    if whole and whole.group(1) in known:
        target = known[whole.group(1)]
        items = target if isinstance(target, list) else [target]
        return [v for item in items for v in _expand(item, known, depth + 1)]

    def one(match: re.Match[str]) -> str:
        target = known.get(match.group(1))
        return target if isinstance(target, str) else match.group(0)

    replaced = _LOCAL_REF.sub(one, value)
    return [replaced] if replaced == value else _expand(replaced, known, depth + 1)


def _resolved(raw: Mapping[str, Any], known: Mapping[str, Any]) -> dict[str, Any]:
    """A statement with its locals filled in and, in a dynamic block, statement.value named by its for_each."""
    for_each = raw.get("dynamic")

    def fix(values: list[Any]) -> list[Any]:
        out = [v for value in values for v in _expand(value, known)]
        if for_each:
            inner = str(for_each)[2:-1] if str(for_each).startswith("${") else str(for_each)
            out = [v.replace("statement.value", f"({inner})") if isinstance(v, str) else v for v in out]
        return out

    conditions = {
        test: {variable: fix(list(values)) for variable, values in variables.items()}
        for test, variables in (raw.get("conditions") or {}).items()
    }
    return {
        **raw,
        "resources": fix(list(raw.get("resources", []))),
        "not_resources": fix(list(raw.get("not_resources", []))),
        "principals": {k: fix(list(v)) for k, v in (raw.get("principals") or {}).items()},
        "conditions": conditions,
    }


def _service_of(actions: list[str]) -> str | None:
    for action in actions:
        if ":" in str(action):
            return str(action).split(":", 1)[0].lower()
    return None


def _hcl_statement(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A terraform_hcl statement dict as IAM JSON, with expressions replaced by stand-ins."""
    actions = [substitute(a) for a in raw.get("actions", [])]
    not_actions = [substitute(a) for a in raw.get("not_actions", [])]
    service = _service_of(actions or not_actions)
    out: dict[str, Any] = {}
    if raw.get("sid"):
        out["Sid"] = substitute(raw["sid"])
    effect = str(raw.get("effect") or "Allow")
    out["Effect"] = effect if effect in ("Allow", "Deny") else "Allow"
    if actions:
        out["Action"] = actions
    if not_actions:
        out["NotAction"] = not_actions
    for key, field_name in (("resources", "Resource"), ("not_resources", "NotResource")):
        values = [substitute(r, whole="arn", service=service) for r in raw.get(key, [])]
        if values:
            out[field_name] = values
    for key, field_name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals = raw.get(key) or {}
        if not principals:
            continue
        if set(principals) == {"*"}:
            out[field_name] = "*"
            continue
        out[field_name] = {
            ptype: [substitute(i, whole="arn" if ptype == "AWS" else "value", service="iam") for i in ids]
            for ptype, ids in principals.items()
        }
    conditions: dict[str, dict[str, list[str]]] = {}
    for test, variables in (raw.get("conditions") or {}).items():
        for variable, values in variables.items():
            conditions.setdefault(substitute(test), {})[substitute(variable)] = [substitute(v) for v in values]
    if conditions:
        out["Condition"] = conditions
    return out
