"""A moto server on a free loopback port, in a separate process (a threaded server in-process serialises calls)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from types import TracebackType

from bedrock_ft.core.errors import ConfigError

READY_TIMEOUT = 30.0
INSTALL_HINT = "install the demo extra: pip install 'bedrock-ft[demo]'"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def moto_available() -> bool:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        return False
    return True


class MotoServer:
    """``with MotoServer() as server: server.url`` - a moto server process that is stopped on exit."""

    def __init__(
        self, host: str = "127.0.0.1", port: int | None = None, *, detach: bool = False, log_path: str | None = None
    ) -> None:
        """``detach``: the server runs in a session of its own, so it outlives this process (``sandbox up``);
        ``log_path``: where its output goes (discarded when None)."""
        self.host = host
        self.port = port
        self.detach = detach
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> MotoServer:
        if not moto_available():
            raise ConfigError("moto is not installed, so the sandbox cannot start", hint=INSTALL_HINT)
        for _attempt in range(3):
            port = self.port or free_port(self.host)
            env = dict(os.environ)
            # The server needs no credentials of its own; clients sign with whatever is set.
            env.setdefault("AWS_ACCESS_KEY_ID", "testing")
            env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
            with contextlib.ExitStack() as files:
                log = files.enter_context(open(self.log_path, "ab")) if self.log_path else subprocess.DEVNULL
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(port)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    env=env,
                    start_new_session=self.detach,
                )
            self.port = port
            if self._wait_ready():
                return self
            self.stop()
            self.port = None  # the port was taken between choosing and binding: choose another
        raise ConfigError("the moto server did not start", hint=f"run `{sys.executable} -m moto.server` to see why")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def reset(self) -> None:
        """Forget every resource (moto's reset API)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def release(self) -> int | None:
        """Forget the process without stopping it (a detached server keeps running); its PID."""
        process, self._process = self._process, None
        return process.pid if process is not None else None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
