"""upload under transient faults and a kill midway, against a moto server in its own process.

A fault-injecting proxy (helpers/fault_proxy.py) sits between the client and the server and answers 500, 503 SlowDown,
503 ServiceUnavailable or a reset connection on a share of the requests. Each run must end in exactly the manifest's
objects, each with the right SHA-256 checksum, and no incomplete multipart upload. The number of seeds per rate is
BEDROCK_FT_FAULT_SEEDS (1 by default: a 25 % run spends ~20-40 s in botocore's backoff; the README's figures come
from 10). 200 files per run: fewer would not drain
botocore's retry quota, which is what made long uploads fail at 25 % (see upload.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.job.session import EMULATOR_CREDENTIALS, make_session
from bedrock_ft.job.upload import upload_dataset
from bedrock_ft.sandbox.moto_server import MotoServer
from helpers.aws_fixtures import write_manifest
from helpers.fault_proxy import FaultProxy

pytestmark = pytest.mark.e2e

BUCKET = "bedrock-ft-fault-test"
KB = 1024
PART = KB  # the server below accepts 1 KB parts, so multipart objects stay small
THRESHOLD = 4 * KB
SEEDS = range(1, 1 + int(os.environ.get("BEDROCK_FT_FAULT_SEEDS", "1")))


@pytest.fixture(scope="module")
def server() -> Iterator[MotoServer]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("S3_UPLOAD_PART_MIN_SIZE", str(PART))
        with MotoServer() as running:
            direct(running).create_bucket(Bucket=BUCKET)
            yield running


def direct(server: MotoServer) -> Any:
    """A client straight to the server, for looking at the outcome."""
    return make_session("us-east-1", server.url, static_credentials=EMULATOR_CREDENTIALS).s3()


def client_through(proxy: FaultProxy) -> Any:
    return make_session("us-east-1", proxy.url, max_pool_connections=40, static_credentials=EMULATOR_CREDENTIALS).s3()


def make_dataset(folder: Path, name: str, *, images: int = 200, big: int = 6 * KB) -> dict[str, Any]:
    """Many tiny images (enough requests to drain botocore's retry quota at 25 %), one multipart image, two JSONL."""
    (folder / "images" / "ab").mkdir(parents=True)
    for i in range(images):
        (folder / "images" / "ab" / f"{name}-{i}.png").write_bytes(os.urandom(100 + i))
    (folder / "images" / "ab" / f"{name}-big.png").write_bytes(os.urandom(big))
    (folder / "train.jsonl").write_text(json.dumps({"name": name}) + "\n", encoding="utf-8")
    (folder / "validation.jsonl").write_text(json.dumps({"held": name}) + "\n", encoding="utf-8")
    return write_manifest(folder, BUCKET, base=f"data/{name}", data_prefix=f"data/{name}")


def s3_checksum(data: bytes, part_size: int = PART) -> str:
    """The SHA-256 checksum S3 holds for ``data`` sent by ``upload`` below: whole, or the composite of its parts."""
    if len(data) >= THRESHOLD:
        parts = [data[i : i + part_size] for i in range(0, len(data), part_size)]
        digest = hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest()
    else:
        digest = hashlib.sha256(data).digest()
    return base64.b64encode(digest).decode()


def expected_checksums(folder: Path, manifest: dict[str, Any]) -> dict[str, str]:
    """key -> checksum of every file the manifest lists, and of the manifest itself."""
    wanted = {
        facts["key"]: s3_checksum((folder / relative).read_bytes()) for relative, facts in manifest["files"].items()
    }
    wanted[manifest["prefix"] + "/manifest.json"] = s3_checksum((folder / "manifest.json").read_bytes())
    return wanted


def stored_checksums(s3: Any, prefix: str) -> dict[str, str]:
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/")
    found = {}
    for item in listing.get("Contents", []):
        head = s3.head_object(Bucket=BUCKET, Key=item["Key"], ChecksumMode="ENABLED")
        found[item["Key"]] = str(head.get("ChecksumSHA256", "")).split("-")[0]
    return found


def incomplete_uploads(s3: Any, prefix: str) -> list[str]:
    return [u["Key"] for u in s3.list_multipart_uploads(Bucket=BUCKET, Prefix=prefix + "/").get("Uploads", [])]


def upload(folder: Path, s3: Any, **options: Any) -> Any:
    return upload_dataset(folder, s3, bucket=BUCKET, multipart_threshold=THRESHOLD, part_size=PART, **options)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rate", [0.10, 0.25])
def test_upload_through_transient_faults_ends_in_the_exact_object_set(
    server: MotoServer, tmp_path: Path, rate: float, seed: int
) -> None:
    name = f"faults-{int(rate * 100)}-{seed}"
    manifest = make_dataset(tmp_path / "out", name)
    with FaultProxy(server.url, rate=rate, seed=seed) as proxy:
        upload(tmp_path / "out", client_through(proxy), workers=16)
    assert sum(proxy.faults.values()) > 0  # the run did meet faults
    s3 = direct(server)
    assert stored_checksums(s3, f"data/{name}") == expected_checksums(tmp_path / "out", manifest)
    assert incomplete_uploads(s3, f"data/{name}") == []


def test_the_proxy_injects_every_kind_of_fault_at_about_the_rate(server: MotoServer) -> None:
    with FaultProxy(server.url, rate=0.25, seed=3) as proxy:
        for _ in range(400):
            proxy.choose_fault()
    assert set(proxy.faults) == {"500", "503-slowdown", "503-unavailable", "reset"}
    assert 70 <= sum(proxy.faults.values()) <= 130


_UPLOAD_SCRIPT = """
import sys
from bedrock_ft.job.session import EMULATOR_CREDENTIALS, make_session
from bedrock_ft.job.upload import upload_dataset
s3 = make_session("us-east-1", sys.argv[2], static_credentials=EMULATOR_CREDENTIALS).s3()
upload_dataset(sys.argv[1], s3, bucket=sys.argv[3], multipart_threshold=4096, part_size=1024, workers=1)
"""


def test_an_upload_killed_during_a_multipart_upload_is_completed_by_a_rerun(server: MotoServer, tmp_path: Path) -> None:
    name = "killed"
    folder = tmp_path / "out"
    manifest = make_dataset(folder, name, images=0, big=64 * KB)  # 64 parts, each slowed down by the proxy
    big_key = manifest["files"][f"images/ab/{name}-big.png"]["key"]
    s3 = direct(server)
    with FaultProxy(server.url, delay=0.1) as slow:
        process = subprocess.Popen(
            [sys.executable, "-c", _UPLOAD_SCRIPT, str(folder), slow.url, BUCKET],
            env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                uploads = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=f"data/{name}/").get("Uploads", [])
                if uploads:
                    upload_id = uploads[0]["UploadId"]
                    if s3.list_parts(Bucket=BUCKET, Key=big_key, UploadId=upload_id).get("Parts"):
                        break
                time.sleep(0.05)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert incomplete_uploads(s3, f"data/{name}") == [big_key]  # the kill left a multipart upload behind

    rerun = upload(folder, s3)
    assert rerun.aborted_multipart_uploads == [big_key]
    assert stored_checksums(s3, f"data/{name}") == expected_checksums(folder, manifest)
    assert incomplete_uploads(s3, f"data/{name}") == []
