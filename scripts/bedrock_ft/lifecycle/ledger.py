"""The local ledger: an append-only JSONL of what this tool created, so ``cleanup`` can find it again.

One line per event (``created`` or ``deleted``), each written with a single ``write`` on a descriptor opened with
``O_APPEND`` and flushed to disk, so a crash never leaves half a line in the middle and concurrent writers never
interleave. Reading is bounded: an overlong or broken line is skipped and counted, never fatal. The ledger is a
convenience: ``cleanup`` also finds resources by their ``created-by`` tag, so a lost ledger loses nothing.

Where it lives: ``$BEDROCK_FT_STATE_DIR/ledger.jsonl``, else ``$XDG_STATE_HOME/bedrock-ft/ledger.jsonl``, else
``~/.local/state/bedrock-ft/ledger.jsonl``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bedrock_ft.core.bounded_json import JsonInputError, iter_lines, parse_json
from bedrock_ft.core.errors import ConfigError

ENV_STATE_DIR = "BEDROCK_FT_STATE_DIR"
LEDGER_FILE = "ledger.jsonl"
MAX_LEDGER_LINE_BYTES = 64 * 1024

KINDS = (
    "custom_model_deployment",
    "provisioned_throughput",
    "custom_model",
    "customization_job",
    "batch_job",
    "evaluation_job",
    "s3_prefix",
)


def ledger_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the ledger is: $BEDROCK_FT_STATE_DIR, $XDG_STATE_HOME/bedrock-ft, or ~/.local/state/bedrock-ft."""
    env = os.environ if environ is None else environ
    if env.get(ENV_STATE_DIR):
        return Path(env[ENV_STATE_DIR]).expanduser() / LEDGER_FILE
    base = Path(env["XDG_STATE_HOME"]).expanduser() if env.get("XDG_STATE_HOME") else Path.home() / ".local" / "state"
    return base / "bedrock-ft" / LEDGER_FILE


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LedgerEntry:
    """One event: a resource of ``kind`` (see KINDS) identified by ``arn`` was created or deleted."""

    kind: str
    arn: str
    event: str = "created"
    name: str | None = None
    region: str | None = None
    model_arn: str | None = None  # what a deployment or provisioned throughput serves
    at: str = field(default_factory=utc_now)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "arn": self.arn,
            "event": self.event,
            "name": self.name,
            "region": self.region,
            "model_arn": self.model_arn,
            "at": self.at,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: Any) -> LedgerEntry | None:
        """The entry a parsed line holds, or None when it is not one."""
        if not isinstance(data, dict):
            return None
        kind, arn, event = data.get("kind"), data.get("arn"), data.get("event", "created")
        if kind not in KINDS or not isinstance(arn, str) or not arn or event not in ("created", "deleted"):
            return None

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        details = data.get("details")
        return cls(
            kind=kind,
            arn=arn,
            event=event,
            name=text("name"),
            region=text("region"),
            model_arn=text("model_arn"),
            at=text("at") or "",
            details=details if isinstance(details, dict) else {},
        )


@dataclass
class Ledger:
    path: Path
    skipped_lines: int = 0

    @classmethod
    def default(cls) -> Ledger:
        return cls(ledger_path())

    def append(self, entry: LedgerEntry) -> None:
        """Add one line, atomically: one write on an O_APPEND descriptor, then fsync."""
        line = (json.dumps(entry.to_dict(), sort_keys=True, ensure_ascii=True) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the ledger {self.path}: {exc.strerror or exc}",
                hint=f"set {ENV_STATE_DIR} to a writable folder",
            ) from None
        try:
            written = os.write(fd, line)
            if written != len(line):  # pragma: no cover - a regular file takes a small write whole
                raise ConfigError(f"the ledger {self.path} took {written} of {len(line)} bytes (disk full?)")
            os.fsync(fd)
        finally:
            os.close(fd)

    def record(self, kind: str, arn: str, **values: Any) -> LedgerEntry:
        entry = LedgerEntry(kind=kind, arn=arn, **values)
        self.append(entry)
        return entry

    def entries(self) -> list[LedgerEntry]:
        """Every readable entry, oldest first; unreadable lines are counted in ``skipped_lines``."""
        self.skipped_lines = 0
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ConfigError(f"cannot read the ledger {self.path}: {exc.strerror or exc}") from None
        found: list[LedgerEntry] = []
        with handle:
            for _number, line in iter_lines(handle, max_line_bytes=MAX_LEDGER_LINE_BYTES):
                if line is None or not line.strip():
                    self.skipped_lines += line is None
                    continue
                try:
                    entry = LedgerEntry.from_dict(parse_json(line))
                except JsonInputError:
                    entry = None
                if entry is None:
                    self.skipped_lines += 1
                    continue
                found.append(entry)
        return found

    def live(self, kind: str | None = None) -> list[LedgerEntry]:
        """The resources created and not recorded as deleted since (the latest creation of each ARN)."""
        latest: dict[str, LedgerEntry] = {}
        for entry in self.entries():
            if kind is not None and entry.kind != kind:
                continue
            if entry.event == "deleted":
                latest.pop(entry.arn, None)
            else:
                latest[entry.arn] = entry
        return list(latest.values())
