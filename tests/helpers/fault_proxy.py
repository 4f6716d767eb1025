"""A fault-injecting HTTP proxy for tests: 127.0.0.1 only, in a thread, forwarding to one upstream (a moto server).

On a seeded share of requests it answers, instead of forwarding, one of: 500 InternalError, 503 SlowDown,
503 ServiceUnavailable, or a reset connection (RST, no answer at all). Faults are injected before the request
reaches the upstream, as an overloaded front end would. Every other request is forwarded as it is and its answer
relayed, optionally after ``delay`` seconds (to slow an upload down enough to kill it midway).
"""

from __future__ import annotations

import contextlib
import http.client
import random
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

FAULTS = ("500", "503-slowdown", "503-unavailable", "reset")
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}
UPSTREAM_TIMEOUT = 30.0
_ERROR_BODIES = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503-slowdown": (503, "SlowDown", "Please reduce your request rate."),
    "503-unavailable": (503, "ServiceUnavailable", "Service is unable to handle request."),
}


class FaultProxy:
    """``with FaultProxy(upstream_url, rate=0.25, seed=1) as proxy: proxy.url`` -- stopped on exit."""

    def __init__(self, upstream: str, *, rate: float = 0.0, seed: int = 0, delay: float = 0.0) -> None:
        parts = urlsplit(upstream)
        if parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("the fault proxy forwards to a local emulator only")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.rate = rate
        self.delay = delay
        self.requests = 0
        self.faults: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def choose_fault(self) -> str | None:
        with self._lock:
            self.requests += 1
            if self._random.random() >= self.rate:
                return None
            fault = self._random.choice(FAULTS)
            self.faults[fault] += 1
            return fault

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return None  # a client that gave up on a reset or slow connection is part of the test, not news


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"
    timeout = UPSTREAM_TIMEOUT

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        self._relay()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _relay(self) -> None:
        body = self._read_body()
        fault = self.owner.choose_fault()
        if fault == "reset":
            # SO_LINGER 0: close() sends a RST; the client sees "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault is not None:
            status, code, message = _ERROR_BODIES[fault]
            payload = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message>"
            payload += "<RequestId>fault-proxy</RequestId></Error>"
            self._answer(status, [("Content-Type", "application/xml")], payload.encode())
            return
        if self.owner.delay:
            time.sleep(self.owner.delay)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection(
            self.owner.upstream_host, self.owner.upstream_port, timeout=UPSTREAM_TIMEOUT
        )
        try:
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            relayed = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
        finally:
            upstream.close()
        self._answer(response.status, relayed, data, head=self.command == "HEAD")

    def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes, *, head: bool = False) -> None:
        self.send_response_only(status)
        for key, value in headers:
            if key.lower() != "content-length":
                self.send_header(key, value)
        length = str(len(data))
        if head:  # a HEAD answer states the length of the body it does not send
            length = next((v for k, v in headers if k.lower() == "content-length"), "0")
        self.send_header("Content-Length", length)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # the connection was reset on purpose
            super().finish()
