"""Put ``generate``'s output folder into the bucket, where its records point.

Every file under OUT goes to ``s3://BUCKET/PREFIX/<path relative to OUT>`` (bucket and prefix from OUT/manifest.json).
Each object carries its content's SHA-256 in its metadata; a file whose object already holds the same SHA-256 is
not sent again, so a rerun after an interruption sends only what is missing. ETags are not compared: under SSE-KMS
or multipart they are not content hashes.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from bedrock_ft.errors import AwsError, ConfigError, InputError
from bedrock_ft.progress import NullProgress, Progress
from bedrock_ft.s3_uris import join_key

MANIFEST_NAME = "manifest.json"
TRAINING_NAME = "train.jsonl"
VALIDATION_NAME = "validation.jsonl"
SHA256_METADATA_KEY = "sha256"  # stored as x-amz-meta-sha256
DEFAULT_WORKERS = 8
MB = 1024 * 1024
DEFAULT_MULTIPART_THRESHOLD = 64 * MB
DEFAULT_CHUNK_SIZE = 16 * MB


@dataclass(frozen=True)
class Manifest:
    """What OUT/manifest.json says about where the data belongs."""

    bucket: str
    prefix: str
    bucket_owner: str | None
    hashes: dict[str, str]  # relative path -> sha256, where the manifest gives one


@dataclass(frozen=True)
class UploadItem:
    path: Path
    relative: str
    key: str
    size: int


@dataclass
class UploadResult:
    bucket: str
    prefix: str
    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    training_uri: str | None = None
    validation_uri: str | None = None

    @property
    def data_uris(self) -> list[str]:
        return [u for u in (self.training_uri, self.validation_uri) if u]

    def to_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "training_data": self.training_uri,
            "validation_data": self.validation_uri,
            "uploaded": len(self.uploaded),
            "skipped": len(self.skipped),
            "bytes_sent": self.bytes_sent,
        }


def read_manifest(out_dir: Path) -> Manifest:
    path = out_dir / MANIFEST_NAME
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path} does not exist", hint="point upload at the folder `bedrock-ft generate --out` wrote"
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not isinstance(document, dict) or not document.get("bucket"):
        raise InputError(f"{path} names no bucket", hint="run `bedrock-ft generate` with the Terraform outputs")
    return Manifest(
        bucket=str(document["bucket"]),
        prefix=str(document.get("prefix") or "").strip("/"),
        bucket_owner=document.get("bucket_owner"),
        hashes=_manifest_hashes(document.get("files")),
    )


def _manifest_hashes(files: Any) -> dict[str, str]:
    """Accept files as {path: sha256}, {path: {sha256: ...}} or [{path, sha256}, ...]."""
    hashes: dict[str, str] = {}
    if isinstance(files, dict):
        for rel, entry in files.items():
            digest = entry.get("sha256") if isinstance(entry, dict) else entry
            if isinstance(digest, str):
                hashes[str(rel)] = digest
    elif isinstance(files, list):
        for entry in files:
            if isinstance(entry, dict) and isinstance(entry.get("sha256"), str):
                rel = entry.get("path") or entry.get("relative_path") or entry.get("name")
                if rel:
                    hashes[str(rel)] = entry["sha256"]
    return hashes


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def plan_upload(out_dir: Path, manifest: Manifest) -> list[UploadItem]:
    """Every file under OUT, images first and the data files last, so a complete dataset is never half-sent."""
    items = []
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(out_dir).as_posix()
        if any(part.startswith(".") for part in Path(relative).parts):
            continue  # state files, editor droppings
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise _read_error(exc, path) from None
        items.append(UploadItem(path, relative, join_key(manifest.prefix, relative), size))
    order = {TRAINING_NAME: 1, VALIDATION_NAME: 1, MANIFEST_NAME: 2}
    return sorted(items, key=lambda item: (order.get(item.relative, 0), item.relative))


def upload_dataset(
    out_dir: str | Path,
    s3: Any,
    *,
    bucket: str | None = None,
    kms_key_arn: str | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
    on_total: Callable[[int], None] | None = None,
) -> UploadResult:
    """Upload OUT to the bucket its manifest names; return what was sent, what was already there, and the data URIs.

    ``bucket`` is the bucket of the Terraform outputs: the manifest must name the same one, since the records point
    at images there and Bedrock reads images only from the dataset's bucket.
    """
    folder = Path(out_dir)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder", hint="pass the folder `bedrock-ft generate --out` wrote")
    if workers < 1:
        raise InputError("--workers must be at least 1")
    manifest = read_manifest(folder)
    if bucket and manifest.bucket != bucket:
        raise ConfigError(
            f"{folder / MANIFEST_NAME} points at bucket {manifest.bucket}, the Terraform outputs at {bucket}",
            hint="run `bedrock-ft generate` again with these Terraform outputs so the records point at their bucket",
        )
    if not (folder / TRAINING_NAME).is_file():
        raise InputError(f"{folder / TRAINING_NAME} does not exist", hint="run `bedrock-ft generate` first")
    items = plan_upload(folder, manifest)
    if on_total:
        on_total(len(items))
    result = UploadResult(bucket=manifest.bucket, prefix=manifest.prefix)
    transfer = TransferConfig(
        multipart_threshold=multipart_threshold,
        multipart_chunksize=max(5 * MB, min(DEFAULT_CHUNK_SIZE, multipart_threshold)),
        max_concurrency=4,
        use_threads=True,
    )
    tick = progress or NullProgress()

    # One listing says which keys exist at all; only those need a HEAD to compare their SHA-256.
    existing = _existing_keys(s3, manifest.bucket, manifest.prefix)

    def send(item: UploadItem) -> tuple[UploadItem, bool]:
        try:
            digest = sha256_of(item.path)
        except OSError as exc:
            raise _read_error(exc, item.path) from None
        if item.key in existing and _object_has_digest(s3, manifest.bucket, item.key, digest):
            return item, False
        extra: dict[str, Any] = {"Metadata": {SHA256_METADATA_KEY: digest}}
        content_type = _content_type(item.path)
        if content_type:
            extra["ContentType"] = content_type
        if kms_key_arn:
            extra["ServerSideEncryption"] = "aws:kms"
            extra["SSEKMSKeyId"] = kms_key_arn
        try:
            if item.size < multipart_threshold:  # one PUT; the transfer manager's threads only pay off for parts
                with item.path.open("rb") as body:
                    s3.put_object(Bucket=manifest.bucket, Key=item.key, Body=body, **extra)
            else:
                s3.upload_file(str(item.path), manifest.bucket, item.key, ExtraArgs=extra, Config=transfer)
        except ClientError as exc:
            raise _aws_error(exc, manifest.bucket, item.key) from None
        except S3UploadFailedError as exc:
            # boto3 raises it while handling the ClientError (so as __context__, not __cause__), or on its own.
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, ClientError):
                raise _aws_error(cause, manifest.bucket, item.key) from None
            raise AwsError(
                f"cannot upload {item.path} to s3://{manifest.bucket}/{item.key}: {exc}",
                hint="run the upload again: it sends only what is missing",
            ) from None
        except OSError as exc:  # the file could not be read while it was being sent
            raise _read_error(exc, item.path) from None
        return item, True

    for batch in _batches(items):
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload") as pool:
            futures = [pool.submit(send, item) for item in batch]
            try:
                for future in as_completed(futures):
                    item, sent = future.result()
                    if sent:
                        result.uploaded.append(item.key)
                        result.bytes_sent += item.size
                    else:
                        result.skipped.append(item.key)
                    tick.advance()
            except BaseException:
                # A failed object or Ctrl-C: drop the queued files instead of sending them all before stopping;
                # only the uploads already under way finish. A rerun sends what is missing.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    result.uploaded.sort()
    result.skipped.sort()
    result.training_uri = f"s3://{manifest.bucket}/{join_key(manifest.prefix, TRAINING_NAME)}"
    if (folder / VALIDATION_NAME).is_file():
        result.validation_uri = f"s3://{manifest.bucket}/{join_key(manifest.prefix, VALIDATION_NAME)}"
    return result


def _batches(items: list[UploadItem]) -> Iterable[list[UploadItem]]:
    """Images (and anything else) first, then the data files, then the manifest: each batch finishes first."""
    groups: dict[int, list[UploadItem]] = {}
    for item in items:
        rank = {TRAINING_NAME: 1, VALIDATION_NAME: 1, MANIFEST_NAME: 2}.get(item.relative, 0)
        groups.setdefault(rank, []).append(item)
    return [groups[rank] for rank in sorted(groups)]


def _existing_keys(s3: Any, bucket: str, prefix: str) -> set[str]:
    keys: set[str] = set()
    folder = f"{join_key(prefix)}/" if join_key(prefix) else ""
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder):
            keys.update(obj["Key"] for obj in page.get("Contents", []))
    except ClientError as exc:
        raise _aws_error(exc, bucket, folder) from None
    return keys


def _object_has_digest(s3: Any, bucket: str, key: str, digest: str) -> bool:
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code"))
        if code in ("404", "NoSuchKey", "NotFound"):
            return False
        raise _aws_error(exc, bucket, key) from None
    return head.get("Metadata", {}).get(SHA256_METADATA_KEY) == digest


def _content_type(path: Path) -> str | None:
    if path.suffix == ".jsonl":
        return "application/jsonl"
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed


def _read_error(exc: OSError, path: Path) -> InputError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return InputError(
        f"cannot read {path}: {reason}",
        hint="check the file and its permissions, or run `bedrock-ft generate` again to rewrite the folder",
    )


def _aws_error(exc: ClientError, bucket: str, key: str) -> AwsError:
    error = exc.response.get("Error", {})
    code = error.get("Code", "Error")
    hint = None
    if code in ("AccessDenied", "403"):
        hint = "your credentials need s3:PutObject and s3:GetObject on the bucket (attach the module's operator policy)"
    elif code in ("NoSuchBucket",):
        hint = "apply the Terraform module, or check the bucket in the outputs"
    return AwsError(f"s3://{bucket}/{key}: {code}: {error.get('Message', '')}".rstrip(": "), hint=hint)
