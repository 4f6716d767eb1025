"""The output contract of docs/output.md as a checker: ``assert_contract(document, "upload")`` fails with every
breach it finds, each named by its path in the document (``$.jobs[0].jobArn``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
CHECK_STATES = {"pass", "fail", "warn", "skip"}
SCANNER_STATES = {"ran", "skip", "not_applicable"}
STATE_SPELLINGS = {"pass", "passed", "fail", "failed", "warn", "warning", "warnings", "skip", "skipped"}
# The table of docs/output.md.
EXIT_KINDS = {
    0: "ok",
    1: "checks_failed",
    2: "usage",
    3: "input",
    4: "config",
    5: "aws",
    6: "job_failed",
    130: "interrupted",
}
ERROR_KEYS = {"kind", "exit_code", "message", "hint", "settings"}

# Values printed verbatim: an AWS request body, to be pasted as it is (docs/output.md).
VERBATIM = {"request"}
# Objects keyed by data rather than by the tool's names (hyperparameter names, rule ids, file names, reasons, AWS's
# stage names): their own keys may be anything; what they hold keeps the contract.
KEYED_BY_DATA = {"hyperparameters", "by_rule", "conversions", "status_details", "files", "environment"}


def breaches(document: Any, command: str) -> list[str]:
    """Every way ``document`` breaks the contract for ``command``; empty when it keeps it."""
    found: list[str] = []
    if not isinstance(document, dict):
        return [f"$ is {type(document).__name__}, not an object"]
    if not isinstance(document.get("ok"), bool):
        found.append("$.ok is missing or not a boolean")
    if document.get("command") != command:
        found.append(f"$.command is {document.get('command')!r}, not {command!r}")
    if document.get("schema_version") != SCHEMA_VERSION:
        found.append(f"$.schema_version is {document.get('schema_version')!r}, not {SCHEMA_VERSION}")
    if list(document)[:3] != ["ok", "command", "schema_version"]:
        found.append(f"$ starts with {list(document)[:3]}, not the envelope ok, command, schema_version")
    if "error" in document:
        found += _error_breaches(document)
    found += list(_walk(document, "$"))
    return found


def assert_contract(document: Any, command: str) -> None:
    problems = breaches(document, command)
    assert not problems, f"{command}: the document breaks docs/output.md:\n  " + "\n  ".join(problems)


def _error_breaches(document: dict[str, Any]) -> list[str]:
    error = document["error"]
    if not isinstance(error, dict):
        return ["$.error is not an object"]
    found = []
    if document.get("ok") is not False:
        found.append("$.error present but $.ok is not false")
    if set(error) != ERROR_KEYS:
        found.append(f"$.error has keys {sorted(error)}, not {sorted(ERROR_KEYS)}")
    code = error.get("exit_code")
    if EXIT_KINDS.get(code) != error.get("kind") or code == 0:
        found.append(f"$.error.kind {error.get('kind')!r} is not the name of exit code {code!r}")
    if not isinstance(error.get("message"), str) or not error.get("message"):
        found.append("$.error.message is empty or not a string")
    if error.get("hint") is not None and not isinstance(error.get("hint"), str):
        found.append("$.error.hint is neither null nor a string")
    if not isinstance(error.get("settings"), list):
        found.append("$.error.settings is not a list")
    return found


def _walk(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            if not isinstance(key, str) or not SNAKE_CASE.match(key):
                yield f"{where}: key is not snake_case"
            if key in VERBATIM:
                continue
            if key in KEYED_BY_DATA and isinstance(item, dict):
                for name, inner in item.items():
                    yield from _walk(inner, f"{where}[{name!r}]")
                continue
            if key == "checks" and isinstance(item, list):
                for index, check in enumerate(item):
                    if isinstance(check, dict) and check.get("status") not in CHECK_STATES:
                        yield f"{where}[{index}].status is {check.get('status')!r}, not one of {sorted(CHECK_STATES)}"
            if key == "scanners" and isinstance(item, list):
                for index, scanner in enumerate(item):
                    if isinstance(scanner, dict) and scanner.get("state") not in SCANNER_STATES:
                        yield f"{where}[{index}].state is {scanner.get('state')!r}, not in {sorted(SCANNER_STATES)}"
            if key == "counts" and isinstance(item, dict) and "checks" in value:
                states = {k for k in item if k.lower() in STATE_SPELLINGS}
                if states - CHECK_STATES:
                    yield f"{where} counts states spelled {sorted(states - CHECK_STATES)}, not {sorted(CHECK_STATES)}"
            yield from _walk(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    elif isinstance(value, str) and LOOKS_LIKE_TIME.match(value) and not ISO_UTC.match(value):
        yield f"{path}: timestamp {value!r} is not ISO 8601 UTC with a Z"


ENVELOPE = {"ok", "command", "schema_version"}


def documented_keys() -> dict[str, set[str]]:
    """Each command's keys from the table "Each command's keys" of docs/output.md."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "output.md").read_text(encoding="utf-8")
    section = text.split("## Each command's keys", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        commands = re.findall(r"`([a-z ]+)`", cells[0])
        keys = set(re.findall(r"`([a-z_]+)`", re.sub(r"\([^)]*\)", "", cells[1])))
        if cells[1].startswith("the keys of `"):
            like = re.findall(r"`([a-z ]+)`", cells[1])[0]
            keys = (keys - {like}) | table[like]
        for command in commands:
            table[command] = keys
    return table


def assert_documented(document: dict[str, Any], command: str) -> None:
    """The document keeps the contract and holds exactly the keys docs/output.md lists for the command."""
    assert_contract(document, command)
    assert set(document) - ENVELOPE == documented_keys()[command]
