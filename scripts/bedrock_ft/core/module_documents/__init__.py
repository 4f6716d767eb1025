"""The Terraform module's IAM policy documents, rendered from its HCL and shipped as package data.

``scripts/render_module_documents.py`` reads every ``data "aws_iam_policy_document"`` of ``modules/`` and writes one
JSON template per document into this folder (``<name>.json``, named as the data source). The templates are the only
copy of the module's statements outside the HCL: the sandbox builds its resources from them and preflight takes its
action lists from them. A test renders them again and fails when the shipped ones are stale.

A template holds the statements with placeholders: ``<name>`` inside a string stands for one value, a list item that
is exactly ``<name[]>`` for a list of values. A statement from a ``dynamic "statement"`` block carries ``when``, the
switch it depends on; a document that merges others (``source_policy_documents``) names them, and each of those
names the switch of its ``count`` (``enabled_by``). :func:`render` fills in the values and applies the switches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATE_FOLDER = Path(__file__).resolve().parent
NETWORK_FILE = "_network.json"  # the network module's other facts (security group rules ...), not a policy document
VERSION = "2012-10-17"
_LIST = re.compile(r"^<(\w+)\[\]>$")
_VALUE = re.compile(r"<(\w+)>")

Value = str | Sequence[str] | None


class TemplateError(ValueError):
    """A template asked for a value or a switch the caller did not give, or there is no such template."""


@dataclass(frozen=True)
class StatementTemplate:
    when: str | None
    statement: Mapping[str, Any]

    @property
    def sid(self) -> str:
        return str(self.statement.get("Sid"))


@dataclass(frozen=True)
class DocumentTemplate:
    name: str
    document: str  # the data source's address, data.aws_iam_policy_document.NAME
    file: str  # the .tf file it is written in, relative to the repository
    enabled_by: str | None
    source_documents: tuple[str, ...]
    statements: tuple[StatementTemplate, ...]

    def statement(self, sid: str) -> StatementTemplate:
        for statement in self.statements:
            if statement.sid == sid:
                return statement
        raise TemplateError(f"{self.document} has no statement {sid}")

    def switches(self) -> set[str]:
        """Every switch this document's statements (and the documents it merges) depend on."""
        found = {s.when for s in self.statements if s.when}
        for source in self.source_documents:
            source_template = template(source)
            if source_template.enabled_by:
                found.add(source_template.enabled_by)
        return found


def names() -> list[str]:
    """The names of the shipped templates (the module's policy documents)."""
    return sorted(p.stem for p in TEMPLATE_FOLDER.glob("*.json") if not p.name.startswith("_"))


@cache
def template(name: str) -> DocumentTemplate:
    """The template of the module's policy document ``name`` (e.g. ``"data_access"``)."""
    path = TEMPLATE_FOLDER / f"{name}.json"
    if not re.fullmatch(r"\w+", name) or not path.is_file():
        raise TemplateError(f"the module has no policy document {name!r}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    return DocumentTemplate(
        name=name,
        document=str(raw["document"]),
        file=str(raw["file"]),
        enabled_by=raw.get("enabled_by"),
        source_documents=tuple(raw.get("source_documents", ())),
        statements=tuple(StatementTemplate(s.get("when"), s["statement"]) for s in raw["statements"]),
    )


@dataclass(frozen=True)
class SecurityGroupRule:
    """One rule of one of the module's security groups; ``peer`` is "self", "s3-prefix-list" or "vpc-cidr"."""

    direction: str  # ingress | egress
    ip_protocol: str
    peer: str
    from_port: int | None = None
    to_port: int | None = None
    description: str = field(default="", compare=False)


@dataclass(frozen=True)
class NetworkFacts:
    """What the network module says beyond its policy documents."""

    security_groups: Mapping[str, tuple[SecurityGroupRule, ...]]
    subnet_newbits: int
    flow_logs_need_a_key: str  # the flow-log group's precondition message, without its final period


@cache
def network() -> NetworkFacts:
    """The network module's security group rules, default subnet newbits and flow-log precondition."""
    raw = json.loads((TEMPLATE_FOLDER / NETWORK_FILE).read_text(encoding="utf-8"))
    groups = {
        name: tuple(
            SecurityGroupRule(
                direction=str(rule["direction"]),
                ip_protocol=str(rule["ip_protocol"]),
                peer=str(rule["peer"]),
                from_port=rule.get("from_port"),
                to_port=rule.get("to_port"),
                description=str(rule.get("description", "")),
            )
            for rule in rules
        )
        for name, rules in raw["security_groups"].items()
    }
    return NetworkFacts(groups, int(raw["subnet_newbits"]), str(raw["flow_logs_need_a_key"]))


def actions(name: str, sid: str) -> tuple[str, ...]:
    """The actions of statement ``sid`` of the module's document ``name``, as the HCL lists them."""
    return tuple(template(name).statement(sid).statement.get("Action", ()))


def render(name: str, values: Mapping[str, Value], switches: Mapping[str, bool] | None = None) -> dict[str, Any]:
    """The JSON policy document ``name`` with ``values`` filled in and the statements ``switches`` leave out dropped.

    Every switch the document depends on must be given (a forgotten switch would silently change the document); a
    placeholder whose value is missing or None raises TemplateError.
    """
    document = template(name)
    given = dict(switches or {})
    missing = sorted(document.switches() - set(given))
    if missing:
        raise TemplateError(f"{document.document} depends on switches not given: {', '.join(missing)}")
    statements = [_fill(s.statement, values, name) for s in document.statements if s.when is None or given[s.when]]
    for source in document.source_documents:
        source_template = template(source)
        if source_template.enabled_by is None or given[source_template.enabled_by]:
            statements += render(source, values, given)["Statement"]
    return {"Version": VERSION, "Statement": statements}


def _fill(node: Any, values: Mapping[str, Value], document: str) -> Any:
    if isinstance(node, dict):
        return {key: _fill(child, values, document) for key, child in node.items()}
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            whole = _LIST.match(item) if isinstance(item, str) else None
            if whole:
                listed = _value(values, whole.group(1), document)
                if isinstance(listed, str):
                    raise TemplateError(f"{document}: {whole.group(1)} is a list of values, not one string")
                out += [str(v) for v in listed]
            else:
                out.append(_fill(item, values, document))
        return out
    if isinstance(node, str):
        return _VALUE.sub(lambda m: _single(values, m.group(1), document), node)
    return node


def _value(values: Mapping[str, Value], name: str, document: str) -> str | Sequence[str]:
    value = values.get(name)
    if value is None:
        raise TemplateError(f"{document} needs a value for <{name}>")
    return value


def _single(values: Mapping[str, Value], name: str, document: str) -> str:
    value = _value(values, name, document)
    if not isinstance(value, str):
        raise TemplateError(f"{document}: <{name}> is one string, not a list")
    return value
