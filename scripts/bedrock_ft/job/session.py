"""The one place that makes boto3 clients.

Every client is made for a region (the Terraform outputs name it) and an optional endpoint URL (the sandbox's moto
server, or a test's). boto3 itself honours ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>`` when no URL is given.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import botocore.utils
from botocore.config import Config

from bedrock_ft import __version__

USER_AGENT_EXTRA = f"bedrock-ft/{__version__}"

# One loader for every session: it caches the parsed service models (EC2's alone takes a good part of a second).
_LOADER = botocore.loaders.create_loader()


def _botocore_session() -> botocore.session.Session:
    session = botocore.session.get_session()
    session.register_component("data_loader", _LOADER)
    session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_timestamp)
    return session


def _timestamp(value: Any) -> datetime:
    """An AWS timestamp: ISO 8601 with a zone (every XML and JSON body) by ``datetime.fromisoformat``, anything else
    by botocore's own parser. Its general parser (dateutil) costs most of the time of reading a 1,000-key listing."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    stamp: datetime = botocore.utils.parse_timestamp(value)
    return stamp


S3_RETRY_MODE = "adaptive"  # S3 answers SlowDown under load: adaptive mode also slows the client down
# Retries after the first attempt (botocore's max_attempts): a request failing a quarter of the time fails all 13
# attempts once in ~67 million.
S3_MAX_ATTEMPTS = 12


def client_config(
    *, max_pool_connections: int = 10, path_style: bool = False, max_attempts: int = 5, retry_mode: str = "standard"
) -> Config:
    """The botocore configuration every client shares: retries and this tool's user agent."""
    options: dict[str, Any] = {
        "retries": {"mode": retry_mode, "max_attempts": max_attempts},
        "user_agent_extra": USER_AGENT_EXTRA,
        "max_pool_connections": max_pool_connections,
    }
    if path_style:
        options["s3"] = {"addressing_style": "path"}
    return Config(**options)


@dataclass
class AwsSession:
    """Clients for one region and endpoint, made once each and shared (boto3 clients are thread-safe)."""

    region: str | None
    endpoint_url: str | None = None
    max_pool_connections: int = 10
    # Fixed credentials for an emulator (the sandbox); None uses boto3's usual chain.
    static_credentials: tuple[str, str] | None = None
    _session: boto3.session.Session = field(init=False, repr=False)
    _clients: dict[str, Any] = field(init=False, default_factory=dict, repr=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.static_credentials:
            key, secret = self.static_credentials
            self._session = boto3.session.Session(
                region_name=self.region,
                aws_access_key_id=key,
                aws_secret_access_key=secret,
                botocore_session=_botocore_session(),
            )
        else:
            self._session = boto3.session.Session(region_name=self.region, botocore_session=_botocore_session())

    @property
    def uses_custom_endpoint(self) -> bool:
        return bool(self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3"))

    def client(self, service: str, *, probe: bool = False) -> Any:
        """The client for ``service``; ``probe`` gives one that does not retry, for calls an endpoint may lack."""
        cache_key = f"{service}:probe" if probe else service
        with self._lock:
            if cache_key not in self._clients:
                config = client_config(
                    max_pool_connections=self.max_pool_connections,
                    # An emulator on an IP address or localhost has no per-bucket host names.
                    path_style=service == "s3" and self.uses_custom_endpoint,
                    max_attempts=1 if probe else S3_MAX_ATTEMPTS if service == "s3" else 5,
                    retry_mode=S3_RETRY_MODE if service == "s3" and not probe else "standard",
                )
                kwargs: dict[str, Any] = {"config": config}
                if self.region:
                    kwargs["region_name"] = self.region
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                self._clients[cache_key] = self._session.client(service, **kwargs)
            return self._clients[cache_key]

    def s3(self) -> Any:
        return self.client("s3")

    def bedrock(self) -> Any:
        return self.client("bedrock")


def make_session(
    region: str | None,
    endpoint_url: str | None = None,
    *,
    max_pool_connections: int = 10,
    static_credentials: tuple[str, str] | None = None,
) -> AwsSession:
    return AwsSession(
        region=region,
        endpoint_url=endpoint_url,
        max_pool_connections=max_pool_connections,
        static_credentials=static_credentials,
    )


EMULATOR_CREDENTIALS = ("testing", "testing")
