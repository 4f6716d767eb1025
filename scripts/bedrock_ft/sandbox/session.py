"""A sandbox that keeps running: ``sandbox up`` starts a moto server in its own session, creates the module's
infrastructure in it and writes the Terraform outputs; the real-path commands (``upload``, ``preflight``,
``submit``, ``status`` ...) then run against it through ``AWS_ENDPOINT_URL``; ``sandbox down`` stops it.

Everything lives in one folder (default ``.bedrock-ft-sandbox`` in the working directory)::

    sandbox.json              the state: the server's PID and port, the endpoint, the region, when it started
    terraform-outputs.json    the module's outputs, in `terraform output -json` shape
    moto-server.log           the server's own output

``down`` stops only the process the state names, and only while it is still that moto server (its command line
names moto.server and the port), so a PID the system has since given to another program is never signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bedrock_ft.core.atomic_files import write_text_atomically
from bedrock_ft.core.errors import ConfigError, InputError
from bedrock_ft.core.tf_outputs import to_terraform_json
from bedrock_ft.job.session import EMULATOR_CREDENTIALS, make_session
from bedrock_ft.sandbox.infrastructure import DEFAULT_REGION, create_infrastructure
from bedrock_ft.sandbox.moto_server import MotoServer

DEFAULT_DIR = Path(".bedrock-ft-sandbox")
STATE_FILE = "sandbox.json"
OUTPUTS_FILE = "terraform-outputs.json"
LOG_FILE = "moto-server.log"
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class SandboxState:
    pid: int
    port: int
    endpoint_url: str
    region: str
    outputs_file: str
    started: str  # ISO 8601 UTC
    account_id: str

    def environment(self) -> dict[str, str]:
        """The variables that send the real-path commands to the sandbox."""
        key, secret = EMULATOR_CREDENTIALS
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": self.region,
            "BEDROCK_FT_TF_OUTPUTS": self.outputs_file,
        }

    def export_lines(self) -> list[str]:
        lines = [f"export {name}={value}" for name, value in self.environment().items()]
        return [*lines, "unset AWS_PROFILE AWS_SESSION_TOKEN"]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "environment": self.environment()}


@dataclass(frozen=True)
class UpResult:
    state: SandboxState
    already_running: bool
    folder: Path

    def to_dict(self) -> dict[str, Any]:
        return {"already_running": self.already_running, "folder": str(self.folder), **self.state.to_dict()}


@dataclass(frozen=True)
class DownResult:
    was_running: bool
    pid: int | None
    folder: Path
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"was_running": self.was_running, "pid": self.pid, "folder": str(self.folder), "note": self.note}


def sandbox_up(folder: str | Path = DEFAULT_DIR, *, region: str = DEFAULT_REGION, port: int | None = None) -> UpResult:
    """Start the sandbox in ``folder``, or say it is already running there (and change nothing)."""
    where = Path(folder).expanduser().resolve()
    state = read_state(where)
    if state is not None and is_running(state):
        return UpResult(state, True, where)
    if state is not None:  # a server that died, or a machine that restarted: start afresh
        _remove_files(where)
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the sandbox folder {where}: {exc.strerror or exc}") from None
    server = MotoServer(port=port, detach=True, log_path=str(where / LOG_FILE)).start()
    try:
        session = make_session(region, server.url, static_credentials=EMULATOR_CREDENTIALS)
        values = create_infrastructure(session)
        outputs_file = where / OUTPUTS_FILE
        _write_json(outputs_file, to_terraform_json(values))
        pid = server.pid
        assert pid is not None and server.port is not None  # start() returned: the process runs on its port
        state = SandboxState(
            pid=pid,
            port=server.port,
            endpoint_url=server.url,
            region=region,
            outputs_file=str(outputs_file),
            started=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            account_id=str(values["account_id"]),
        )
        _write_json(where / STATE_FILE, asdict(state))
    except BaseException:
        server.stop()
        _remove_files(where)
        raise
    server.release()  # it keeps running after this process ends
    return UpResult(state, False, where)


def sandbox_down(folder: str | Path = DEFAULT_DIR) -> DownResult:
    """Stop the sandbox of ``folder`` and remove its files; a sandbox that is not running is no error."""
    where = Path(folder).expanduser().resolve()
    state = read_state(where)
    if state is None:
        return DownResult(False, None, where, note=f"no sandbox state in {where}")
    running = _is_our_server(state)
    if running:
        _terminate(state.pid)
    _remove_files(where)
    note = None if running else f"the server (PID {state.pid}) had already stopped"
    return DownResult(running, state.pid, where, note=note)


def read_state(folder: Path) -> SandboxState | None:
    """The state in ``folder``, or None when there is none; an InputError for a state file that is not one."""
    path = folder / STATE_FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot read the sandbox state {path}: {exc.strerror or exc}") from None
    try:
        document = json.loads(raw)
        state = SandboxState(**document)
        if not (isinstance(state.pid, int) and isinstance(state.port, int) and state.pid > 1):
            raise TypeError("pid and port must be numbers")
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"{path} is not a sandbox state file: {exc}", hint=f"remove {path} (and stop any moto server by hand)"
        ) from None
    return state


def is_running(state: SandboxState) -> bool:
    """The state's server is alive and answers on its port."""
    if not _is_our_server(state):
        return False
    try:
        # The dashboard page answers at once (data.json serialises every resource: slow once there are many).
        with urllib.request.urlopen(f"{state.endpoint_url}/moto-api/", timeout=5):
            return True
    except OSError:
        return False


def _is_our_server(state: SandboxState) -> bool:
    """The PID is alive and still the moto server on the state's port (not a PID reused by another program)."""
    try:
        os.kill(state.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process now
    command = _command_line(state.pid)
    if command is None:
        return True  # no /proc to ask (macOS): trust the live PID
    return "moto.server" in command and str(state.port) in command


def _command_line(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None if not Path("/proc/self").exists() else []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _terminate(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def _alive(pid: int) -> bool:
    try:
        # Reap it when it is our child (the test that runs up and down in one process); else just probe it.
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _remove_files(folder: Path) -> None:
    for name in (STATE_FILE, OUTPUTS_FILE, LOG_FILE):
        (folder / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when nothing else is in it


def _write_json(path: Path, document: Any) -> None:
    write_text_atomically(path, json.dumps(document, indent=2) + "\n")
