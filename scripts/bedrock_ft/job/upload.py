"""Put ``generate``'s output folder into the bucket, where its records point: exactly the files its manifest lists.

The manifest (OUT/manifest.json) gives every file's relative path, size, SHA-256 and S3 key (see generate.py and
README "S3 layout"). Upload

1. reads the manifest and refuses anything but regular files inside OUT (no symlinks, devices or FIFOs); stray files
   in OUT are not sent;
2. aborts the incomplete multipart uploads an earlier, interrupted run left on the manifest's keys;
3. hashes every local file and compares it with the manifest (a mismatch means OUT changed since ``generate``: run
   it again);
4. lists what the bucket holds under the dataset's two prefixes (``ListObjectsV2``, paginated: one request per
   1,000 keys) and decides from that listing wherever the key proves the content: a content-addressed image
   (``images/ab/<sha256>.<ext>``: the name is the SHA-256 of the bytes, which S3 verified on arrival) is there when
   the listed size is the manifest's, and holds other content when it is not (an object overwritten at a digest's
   name with other bytes of the very same size is the one case this trusts the name for); the manifest at the
   dataset prefix (``BASE/<digest16>/``) is read once and counts as there when it names the same dataset digest; a
   key under those prefixes that the listing does not show is missing. The rest (the two JSONL files, an image not
   named by its digest, a key outside the prefixes) is asked about with ``HeadObject`` (``ChecksumMode=ENABLED``,
   S3's own SHA-256; for a multipart object the composite checksum, recomputed locally with the object's own part
   size). Without ``s3:ListBucket`` every key is asked about that way. An object with the same content is not sent
   again, a missing one is sent, and one with other content stops the upload before anything is sent, unless
   ``replace_changed=True``;
5. sends images first, then the JSONL files, then the manifest, each with ``ChecksumAlgorithm=SHA256`` and the
   checksum computed here (S3 verifies it on arrival and stores it), and checks the checksum S3 answers with.

The manifest object is special: it holds a creation time and the settings, so two runs that made the same data
write different manifests. A published manifest with the same dataset digest counts as already there.

Transient failures (5xx, SlowDown, reset connections) are retried by botocore (``aws_session`` gives S3 clients the
adaptive retry mode with ``S3_MAX_ATTEMPTS`` retries). botocore also keeps a retry quota per client, which a long
upload at a high fault rate drains (about 200 files at 25 % did): once it is empty botocore stops retrying at all. So
each S3 call here is retried once more at this level (``_with_retries``: up to ``CALL_ATTEMPTS`` attempts within
``CALL_RETRY_SECONDS``), unless botocore already spent all its attempts on it. A rerun after a crash sends only what
is missing.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import itertools
import json
import mimetypes
import os
import random
import re
import stat
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from bedrock_ft.core.errors import AwsError, ConfigError, InputError, UsageError
from bedrock_ft.core.progress import NullProgress, Progress
from bedrock_ft.core.s3_uris import join_key, key_problem
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.requests import DEFAULT_WORKERS, UploadRequest
from bedrock_ft.job.session import S3_MAX_ATTEMPTS, AwsSession

MANIFEST_NAME = "manifest.json"
TRAINING_NAME = "train.jsonl"
VALIDATION_NAME = "validation.jsonl"
SHA256_METADATA_KEY = "sha256"  # also stored as x-amz-meta-sha256, for people reading the bucket
MB = 1024 * 1024
DEFAULT_MULTIPART_THRESHOLD = 64 * MB
DEFAULT_PART_SIZE = 16 * MB
S3_MIN_PART_SIZE = 5 * MB  # S3's minimum for every part but the last
S3_MAX_PARTS = 10_000
MAX_MANIFEST_BYTES = 256 * MB
PART_WORKERS = 4  # parts of one large file in flight at once
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_MULTIPART_ETAG = re.compile(r"-\d+\"?$")  # a multipart object's ETag ends in -<number of parts>
_NOT_FOUND = ("404", "NoSuchKey", "NotFound")
_DENIED = ("AccessDenied", "403")
LIST_PAGE_SIZE = 1000  # S3's largest ListObjectsV2 page
CALL_ATTEMPTS = 10
CALL_RETRY_SECONDS = 300.0
_TRANSIENT_CODES = {"InternalError", "ServiceUnavailable", "SlowDown", "Throttling", "RequestTimeout"}
T = TypeVar("T")
REGENERATE_HINT = "OUT changed after `bedrock-ft generate` wrote it: run generate again"


class UploadConflict(AwsError):
    """Objects at the manifest's keys hold other content than the manifest says; nothing was sent."""


@dataclass(frozen=True)
class ManifestFile:
    relative: str  # path under OUT, POSIX separators
    key: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What OUT/manifest.json says: where the data belongs and every file that belongs to it."""

    bucket: str
    prefix: str  # where the JSONL files and manifest.json go
    bucket_owner: str | None
    digest: str
    files: tuple[ManifestFile, ...]
    images_prefix: str = ""

    @property
    def manifest_key(self) -> str:
        return join_key(self.prefix, MANIFEST_NAME)

    def key_of(self, relative: str) -> str | None:
        return next((f.key for f in self.files if f.relative == relative), None)

    def sha256_of(self, relative: str) -> str | None:
        return next((f.sha256 for f in self.files if f.relative == relative), None)


@dataclass(frozen=True)
class UploadItem:
    path: Path
    relative: str
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Listing:
    """What one listing of the dataset's prefixes showed: the size of every key, and the published manifest's
    document when one is there (read once: it vouches for the SHA-256 of every file under the dataset prefix)."""

    sizes: dict[str, int]
    published: dict[str, Any] | None = None


class RemoteState(Enum):
    SAME = "same"
    MISSING = "missing"
    DIFFERENT = "different"


@dataclass
class UploadResult:
    bucket: str
    prefix: str
    digest: str = ""
    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # also in uploaded: objects whose other content was replaced
    aborted_multipart_uploads: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
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
            "digest": self.digest,
            "training_data": self.training_uri,
            "validation_data": self.validation_uri,
            "uploaded": len(self.uploaded),
            "skipped": len(self.skipped),
            "replaced": self.replaced,
            "aborted_multipart_uploads": len(self.aborted_multipart_uploads),
            "bytes_sent": self.bytes_sent,
            "warnings": self.warnings,
        }


# -- the manifest --------------------------------------------------------------------------------------------------


def read_manifest_document(path: Path) -> dict[str, Any]:
    """The JSON object in a manifest file, read with a size bound; an InputError for anything else."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        raise InputError(
            f"{path} does not exist", hint="point at the output folder generate wrote", setting="out_dir"
        ) from None
    except OSError as exc:
        raise _read_error(exc, path) from None
    if len(data) > MAX_MANIFEST_BYTES:
        raise InputError(f"{path} is larger than {MAX_MANIFEST_BYTES // MB} MB: not a manifest generate wrote")
    return parse_manifest_bytes(data, str(path))


def parse_manifest_bytes(data: bytes, where: str) -> dict[str, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise InputError(f"cannot read {where}: {type(exc).__name__}: {exc}"[:400]) from None
    if not isinstance(document, dict):
        raise InputError(f"{where} is not a JSON object")
    return document


def read_manifest(out_dir: Path) -> Manifest:
    path = out_dir / MANIFEST_NAME
    return parse_manifest(read_manifest_document(path), str(path))


def parse_manifest(document: dict[str, Any], where: str) -> Manifest:
    """Check the manifest's shape: every file a safe relative path with a key under the dataset's prefixes."""
    bucket = document.get("bucket")
    if not isinstance(bucket, str) or not bucket:
        raise InputError(f"{where} names no bucket", hint="run `bedrock-ft generate` with the Terraform outputs")
    prefix = document.get("prefix")
    digest = document.get("digest")
    files = document.get("files")
    if not isinstance(digest, str) or not _SHA256_HEX.match(digest) or not isinstance(files, dict):
        raise InputError(
            f"{where} has no dataset digest or file list: it was written by an older bedrock-ft",
            hint="run `bedrock-ft generate` again",
        )
    if not isinstance(prefix, str) or not prefix.strip("/") or key_problem(prefix.strip("/") + "/x"):
        raise InputError(f"{where}: prefix {prefix!r} is not a usable S3 key prefix", hint=REGENERATE_HINT)
    prefix = prefix.strip("/")
    images_prefix = document.get("images_prefix")
    images_prefix = images_prefix.strip("/") if isinstance(images_prefix, str) else ""
    roots = [prefix + "/"] + ([images_prefix + "/"] if images_prefix else [])
    owner = document.get("bucket_owner")
    entries: list[ManifestFile] = []
    keys: set[str] = {join_key(prefix, MANIFEST_NAME)}
    for relative, facts in files.items():
        what = f"{where}: file {str(relative)[:200]!r}"
        if not _safe_relative(relative) or relative == MANIFEST_NAME:
            raise InputError(f"{what} is not a plain relative path inside the folder", hint=REGENERATE_HINT)
        if not isinstance(facts, dict):
            raise InputError(f"{what} has no facts", hint=REGENERATE_HINT)
        key, sha256, size = facts.get("key"), facts.get("sha256"), facts.get("bytes")
        if not isinstance(key, str) or key_problem(key) or not any(key.startswith(root) for root in roots):
            raise InputError(f"{what}: key {key!r} is not under the dataset's prefixes", hint=REGENERATE_HINT)
        if not isinstance(sha256, str) or not _SHA256_HEX.match(sha256):
            raise InputError(f"{what}: sha256 {sha256!r} is not 64 hex digits", hint=REGENERATE_HINT)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InputError(f"{what}: bytes {size!r} is not a size", hint=REGENERATE_HINT)
        if key in keys:
            raise InputError(f"{what}: key {key} is listed twice", hint=REGENERATE_HINT)
        keys.add(key)
        entries.append(ManifestFile(relative, key, sha256, size))
    if not any(f.relative == TRAINING_NAME for f in entries):
        raise InputError(f"{where} lists no {TRAINING_NAME}", hint="run `bedrock-ft generate` first")
    return Manifest(
        bucket=bucket,
        prefix=prefix,
        bucket_owner=owner if isinstance(owner, str) else None,
        digest=digest,
        files=tuple(entries),
        images_prefix=images_prefix,
    )


def _safe_relative(relative: object) -> bool:
    if not isinstance(relative, str) or not relative or "\\" in relative or "\x00" in relative:
        return False
    path = PurePosixPath(relative)
    return not path.is_absolute() and all(part not in ("", ".", "..") for part in relative.split("/"))


def regular_file(out_dir: Path, relative: str) -> Path:
    """OUT/relative, when it and every folder on the way are what they look like: no symlink, a regular file."""
    path = out_dir
    parts = relative.split("/")
    for n, part in enumerate(parts):
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            raise InputError(f"{path} is listed in the manifest but missing", hint=REGENERATE_HINT) from None
        except OSError as exc:
            raise _read_error(exc, path) from None
        last = n == len(parts) - 1
        if stat.S_ISLNK(mode):
            raise InputError(f"{path} is a symbolic link; upload sends only regular files", hint=REGENERATE_HINT)
        if last and not stat.S_ISREG(mode):
            raise InputError(f"{path} is not a regular file; upload sends only regular files", hint=REGENERATE_HINT)
        if not last and not stat.S_ISDIR(mode):
            raise InputError(f"{path} is not a folder", hint=REGENERATE_HINT)
    return path


def plan_upload(out_dir: Path, manifest: Manifest) -> list[UploadItem]:
    """The manifest's files (then the manifest itself), each checked to be a regular file of the listed size."""
    items: list[UploadItem] = []
    for entry in manifest.files:
        path = regular_file(out_dir, entry.relative)
        size = path.stat().st_size
        if size != entry.size:
            raise InputError(f"{path} has {size} bytes, the manifest says {entry.size}", hint=REGENERATE_HINT)
        items.append(UploadItem(path, entry.relative, entry.key, size, entry.sha256))
    manifest_path = regular_file(out_dir, MANIFEST_NAME)
    items.append(
        UploadItem(
            manifest_path, MANIFEST_NAME, manifest.manifest_key, manifest_path.stat().st_size, sha256_of(manifest_path)
        )
    )
    return items


# -- hashing -------------------------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(MB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def part_size_for(size: int, part_size: int) -> int:
    """``part_size``, grown (in whole MB) when the file would need more than S3's 10,000 parts."""
    while (size + part_size - 1) // part_size > S3_MAX_PARTS:
        part_size += MB
    return part_size


def composite_sha256(path: Path, part_size: int) -> str:
    """S3's composite checksum of a multipart object: base64(sha256(concatenated part digests))."""
    digests = b""
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(part_size), b""):
            digests += hashlib.sha256(chunk).digest()
    return b64(hashlib.sha256(digests).digest())


# -- the upload ----------------------------------------------------------------------------------------------------


def upload_dataset(
    out_dir: str | Path,
    s3: Any,
    *,
    bucket: str | None = None,
    kms_key_arn: str | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
    part_size: int | None = None,
    replace_changed: bool = False,
    on_total: Callable[[int], None] | None = None,
) -> UploadResult:
    """Upload the files OUT's manifest lists to the bucket it names; return what was sent and the data URIs.

    ``bucket`` is the bucket of the Terraform outputs: the manifest must name the same one, since the records point
    at images there and Bedrock reads images only from the dataset's bucket. An object that holds other content than
    the manifest says raises UploadConflict before anything is sent, unless ``replace_changed``. ``part_size`` is the
    multipart part size (default 16 MB; S3 needs at least 5 MB, a test against an emulator may use less).
    """
    folder = Path(out_dir)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder", hint="name the output folder generate wrote", setting="out_dir")
    if workers < 1:
        raise UsageError("workers must be at least 1", setting="workers")
    started = time.time()
    manifest = read_manifest(folder)
    if bucket and manifest.bucket != bucket:
        raise ConfigError(
            f"{folder / MANIFEST_NAME} points at bucket {manifest.bucket}, the Terraform outputs at {bucket}",
            hint="run `bedrock-ft generate` again with these Terraform outputs so the records point at their bucket",
        )
    items = plan_upload(folder, manifest)
    return _upload_items(
        manifest,
        items,
        s3,
        started=started,
        kms_key_arn=kms_key_arn,
        workers=workers,
        progress=progress,
        multipart_threshold=multipart_threshold,
        part_size=part_size,
        replace_changed=replace_changed,
        on_total=on_total,
    )


def _upload_items(
    manifest: Manifest,
    items: list[UploadItem],
    s3: Any,
    *,
    started: float,
    kms_key_arn: str | None,
    workers: int,
    progress: Progress | None,
    multipart_threshold: int,
    part_size: int | None,
    replace_changed: bool,
    on_total: Callable[[int], None] | None,
) -> UploadResult:
    """Steps 2 to 5 of the module docstring for ``items`` (the manifest's files, the manifest last)."""
    if on_total:
        on_total(len(items))
    chunk = part_size or max(S3_MIN_PART_SIZE, min(DEFAULT_PART_SIZE, multipart_threshold))
    sender = _Sender(s3, manifest, kms_key_arn, multipart_threshold, chunk)
    result = UploadResult(bucket=manifest.bucket, prefix=manifest.prefix, digest=manifest.digest)
    result.aborted_multipart_uploads = sender.abort_stale_uploads(
        {item.key for item in items}, before=started, warnings=result.warnings
    )

    # Check everything first: a file changed since generate, or an object with other content, stops the upload
    # before a single object is sent.
    sender.listing = sender.list_existing(result.warnings)
    states = _parallel(items, workers, sender.compare)
    different = sorted(item.key for item, state in states.items() if state is RemoteState.DIFFERENT)
    if different and not replace_changed:
        shown = ", ".join(different[:5]) + (f" and {len(different) - 5} more" if len(different) > 5 else "")
        raise UploadConflict(
            f"s3://{manifest.bucket}: {len(different)} object(s) hold other content than the manifest says: {shown}",
            hint="published data is never replaced silently: find out who changed it, "
            "or replace it with this dataset (replace_changed)",
            setting="replace_changed",
        )
    tick = progress or NullProgress()
    pending: list[UploadItem] = []
    for item in items:
        if states[item] is RemoteState.SAME:
            result.skipped.append(item.key)
            tick.advance()
        else:
            pending.append(item)
    for batch in _batches(pending):
        for item in _parallel(batch, workers, sender.send, tick):
            result.uploaded.append(item.key)
            result.bytes_sent += item.size
            if states[item] is RemoteState.DIFFERENT:
                result.replaced.append(item.key)
    result.uploaded.sort()
    result.skipped.sort()
    result.replaced.sort()
    result.training_uri = f"s3://{manifest.bucket}/{manifest.key_of(TRAINING_NAME)}"
    validation_key = manifest.key_of(VALIDATION_NAME)
    if validation_key:
        result.validation_uri = f"s3://{manifest.bucket}/{validation_key}"
    return result


def _parallel(
    items: list[UploadItem], workers: int, work: Callable[[UploadItem], Any], tick: Progress | None = None
) -> dict[UploadItem, Any]:
    """``work`` on every item in a pool; the first failure (or Ctrl-C) cancels what has not started."""
    done: dict[UploadItem, Any] = {}
    if not items:
        return done
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload") as pool:
        futures = {pool.submit(_connection_errors_as_messages, work, item): item for item in items}
        try:
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if tick is not None:
                    tick.advance()
        except BaseException:
            # A failed object or Ctrl-C: drop the queued files instead of sending them all before stopping;
            # only the uploads already under way finish. A rerun sends what is missing.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return done


def _connection_errors_as_messages(work: Callable[[UploadItem], Any], item: UploadItem) -> Any:
    """A connection that failed on every attempt (reset, timeout, endpoint gone) as an AwsError naming the object."""
    try:
        return work(item)
    except BotoCoreError as exc:
        raise AwsError(
            f"{item.key}: {exc}", hint="check the network and run the upload again: it sends only what is missing"
        ) from None


def _batches(items: list[UploadItem]) -> Iterable[list[UploadItem]]:
    """Images first, then the data files, then the manifest: each batch finishes before the next starts, so the
    records never point at images that are not there yet, and a manifest in S3 means the dataset is complete."""
    groups: dict[int, list[UploadItem]] = {}
    for item in items:
        rank = {TRAINING_NAME: 1, VALIDATION_NAME: 1, MANIFEST_NAME: 2}.get(item.relative, 0)
        groups.setdefault(rank, []).append(item)
    return [groups[rank] for rank in sorted(groups)]


class _Sender:
    """The S3 calls of one upload."""

    def __init__(self, s3: Any, manifest: Manifest, kms_key_arn: str | None, threshold: int, part_size: int) -> None:
        self.s3 = s3
        self.manifest = manifest
        self.bucket = manifest.bucket
        self.kms_key_arn = kms_key_arn
        self.threshold = threshold
        self.part_size = part_size
        self.listing: Listing | None = None  # set by list_existing: what the bucket holds, from one listing

    # -- stale multipart uploads

    def abort_stale_uploads(self, keys: set[str], *, before: float, warnings: list[str]) -> list[str]:
        """Abort incomplete multipart uploads on our keys started before this run (an earlier run's leftovers).

        Without s3:ListBucketMultipartUploads this is skipped with a warning: the module's lifecycle rule aborts
        them after abort_incomplete_multipart_upload_days."""
        aborted: list[str] = []
        prefixes = {self.manifest.prefix + "/"} | (
            {self.manifest.images_prefix + "/"} if self.manifest.images_prefix else set()
        )
        for prefix in sorted(prefixes):
            try:
                uploads = _with_retries(functools.partial(self._incomplete_uploads, prefix))
            except ClientError as exc:
                if _code(exc) not in ("AccessDenied", "403"):
                    raise _aws_error(exc, self.bucket, prefix) from None
                warnings.append(
                    f"cannot list the incomplete multipart uploads under s3://{self.bucket}/{prefix} (AccessDenied): "
                    "any an interrupted run left are aborted by the bucket's lifecycle rule; "
                    "grant s3:ListBucketMultipartUploads to abort them now"
                )
                continue
            except BotoCoreError as exc:
                raise AwsError(f"s3://{self.bucket}/{prefix}: {exc}", hint="check the network and try again") from None
            for upload in uploads:
                initiated = upload.get("Initiated")
                if upload.get("Key") not in keys or (initiated is not None and initiated.timestamp() > before):
                    continue
                try:
                    _with_retries(
                        functools.partial(
                            self.s3.abort_multipart_upload,
                            Bucket=self.bucket,
                            Key=upload["Key"],
                            UploadId=upload["UploadId"],
                        )
                    )
                except ClientError as exc:
                    if _code(exc) != "NoSuchUpload":  # gone already: another run aborted or completed it
                        raise _aws_error(exc, self.bucket, upload["Key"]) from None
                except BotoCoreError as exc:
                    raise AwsError(f"s3://{self.bucket}/{upload['Key']}: {exc}", hint="run the upload again") from None
                aborted.append(upload["Key"])
        return aborted

    def _incomplete_uploads(self, prefix: str) -> list[dict[str, Any]]:
        pages = self.s3.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=prefix)
        return [upload for page in pages for upload in page.get("Uploads", [])]

    # -- what is there

    def list_existing(self, warnings: list[str]) -> Listing | None:
        """The size of every object under the dataset's prefixes (ListObjectsV2, paginated), and the published
        manifest when the listing shows one; None when listing is not allowed (then each key is asked about)."""
        sizes: dict[str, int] = {}
        prefixes = sorted(
            {self.manifest.prefix + "/"}
            | ({self.manifest.images_prefix + "/"} if self.manifest.images_prefix else set())
        )
        for prefix in prefixes:
            try:
                sizes.update(_with_retries(functools.partial(self._list, prefix)))
            except ClientError as exc:
                if _code(exc) not in _DENIED:
                    raise _aws_error(exc, self.bucket, prefix) from None
                warnings.append(
                    f"cannot list s3://{self.bucket}/{prefix} (AccessDenied): every object was checked on its own; "
                    "grant s3:ListBucket to check them all with one listing"
                )
                return None
            except BotoCoreError as exc:
                raise AwsError(f"s3://{self.bucket}/{prefix}: {exc}", hint="check the network and try again") from None
        published = None
        if self.manifest.manifest_key in sizes:
            published = self._published_manifest(self.manifest.manifest_key)
        return Listing(sizes, published)

    def _listed(self, key: str) -> bool:
        roots = [self.manifest.prefix + "/"] + (
            [self.manifest.images_prefix + "/"] if self.manifest.images_prefix else []
        )
        return any(key.startswith(root) for root in roots)

    def _list(self, prefix: str) -> dict[str, int]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": LIST_PAGE_SIZE}
        )
        return {entry["Key"]: int(entry.get("Size") or 0) for page in pages for entry in page.get("Contents", [])}

    def _published_manifest(self, key: str) -> dict[str, Any] | None:
        """The manifest document at ``key``; None when it is not one (then it is other content)."""
        try:
            body = _with_retries(
                lambda: self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read(MAX_MANIFEST_BYTES + 1)
            )
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return None
            raise _aws_error(exc, self.bucket, key) from None
        try:
            return parse_manifest_bytes(body, f"s3://{self.bucket}/{key}")
        except InputError:
            return None

    def _proven_by_listing(self, item: UploadItem, listing: Listing) -> RemoteState | None:
        """What the listing proves about ``item``'s key, or None when the key proves nothing (ask S3 then)."""
        size = listing.sizes.get(item.key)
        if size is None:
            # Missing only where the listing looked: a key outside the dataset's prefixes (an image a plain
            # folder's records name anywhere in the bucket) is asked about.
            return RemoteState.MISSING if self._listed(item.key) else None
        published = listing.published
        same_dataset = published is not None and published.get("digest") == self.manifest.digest
        if item.relative == MANIFEST_NAME:
            # It holds a creation time: another run's manifest of the same dataset (same digest) counts as there.
            return RemoteState.SAME if same_dataset else RemoteState.DIFFERENT
        if _content_addressed(item):
            return RemoteState.SAME if size == item.size else RemoteState.DIFFERENT
        # The JSONL files (two objects) and any image not named by its digest: S3's checksum tells, since an
        # object of the same size may hold other bytes.
        return None

    def compare(self, item: UploadItem) -> RemoteState:
        """Hash the local file against the manifest, then say whether the object holds the same content: from the
        listing where the key proves it, else by asking S3 for the object's checksum."""
        try:
            local = sha256_of(item.path)
        except OSError as exc:
            raise _read_error(exc, item.path) from None
        if local != item.sha256:
            raise InputError(f"{item.path} does not match its SHA-256 in the manifest", hint=REGENERATE_HINT)
        if self.listing is not None:
            proven = self._proven_by_listing(item, self.listing)
            if proven is not None:
                return proven
        try:
            head = _with_retries(lambda: self.s3.head_object(Bucket=self.bucket, Key=item.key, ChecksumMode="ENABLED"))
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return RemoteState.MISSING
            raise _aws_error(exc, self.bucket, item.key) from None
        if self._same_content(item, head):
            return RemoteState.SAME
        if item.relative == MANIFEST_NAME and self._same_dataset_manifest(item):
            return RemoteState.SAME
        return RemoteState.DIFFERENT

    def _same_content(self, item: UploadItem, head: dict[str, Any]) -> bool:
        if head.get("ContentLength") != item.size:
            return False
        checksum = head.get("ChecksumSHA256")
        if not checksum:
            return self._download_digest(item.key) == item.sha256  # an object sent without a checksum
        value, _, parts = str(checksum).partition("-")
        composite = (
            bool(parts)
            or head.get("ChecksumType") == "COMPOSITE"
            or (head.get("PartsCount") or 1) > 1
            or bool(_MULTIPART_ETAG.search(str(head.get("ETag") or "")))
        )
        if not composite:
            return value == b64(bytes.fromhex(item.sha256))
        try:
            first = _with_retries(lambda: self.s3.head_object(Bucket=self.bucket, Key=item.key, PartNumber=1))
        except ClientError as exc:
            raise _aws_error(exc, self.bucket, item.key) from None
        part = int(first.get("ContentLength") or 0)
        if part <= 0:
            return False
        return value == composite_sha256(item.path, part)

    def _download_digest(self, key: str) -> str:
        def download() -> str:
            digest = hashlib.sha256()
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
            for chunk in iter(lambda: body.read(MB), b""):
                digest.update(chunk)
            return digest.hexdigest()

        try:
            return _with_retries(download)
        except ClientError as exc:
            raise _aws_error(exc, self.bucket, key) from None

    def _same_dataset_manifest(self, item: UploadItem) -> bool:
        """The published manifest describes the same dataset (same digest); only its creation time differs."""
        published = self._published_manifest(item.key)
        return published is not None and published.get("digest") == self.manifest.digest

    # -- sending

    def _extra(self, item: UploadItem) -> dict[str, Any]:
        extra: dict[str, Any] = {"Metadata": {SHA256_METADATA_KEY: item.sha256}, "ChecksumAlgorithm": "SHA256"}
        content_type = _content_type(item.path)
        if content_type:
            extra["ContentType"] = content_type
        if self.kms_key_arn:
            extra["ServerSideEncryption"] = "aws:kms"
            extra["SSEKMSKeyId"] = self.kms_key_arn
        return extra

    def send(self, item: UploadItem) -> UploadItem:
        try:
            if item.size < self.threshold:
                self._put(item)
            else:
                self._multipart(item)
        except ClientError as exc:
            raise _aws_error(exc, self.bucket, item.key) from None
        except OSError as exc:  # the file could not be read while it was being sent
            raise _read_error(exc, item.path) from None
        return item

    def _put(self, item: UploadItem) -> None:
        expected = b64(bytes.fromhex(item.sha256))

        def put() -> dict[str, Any]:
            with item.path.open("rb") as body:  # opened for each attempt: a retry sends the file from its start
                return dict(
                    self.s3.put_object(
                        Bucket=self.bucket, Key=item.key, Body=body, ChecksumSHA256=expected, **self._extra(item)
                    )
                )

        answer = _with_retries(put)
        self._check_answer(item, answer.get("ChecksumSHA256"), expected)

    def _multipart(self, item: UploadItem) -> None:
        """Parts read in order here (hashing the whole file on the way) and sent by a few threads; the upload is
        completed only when the bytes sent are the bytes the manifest lists."""
        part_size = part_size_for(item.size, self.part_size)
        created = _with_retries(
            lambda: self.s3.create_multipart_upload(Bucket=self.bucket, Key=item.key, **self._extra(item))
        )
        upload_id = created["UploadId"]
        whole = hashlib.sha256()
        try:
            with (
                ThreadPoolExecutor(max_workers=PART_WORKERS, thread_name_prefix="part") as pool,
                item.path.open("rb") as handle,
            ):
                futures: list[Future[dict[str, Any]]] = []
                for number in itertools.count(1):
                    data = handle.read(part_size)
                    if not data and number > 1:
                        break
                    whole.update(data)
                    # At most PART_WORKERS parts in memory: wait for the oldest before reading more.
                    if len(futures) - sum(f.done() for f in futures) >= PART_WORKERS:
                        wait([f for f in futures if not f.done()], return_when=FIRST_COMPLETED)
                    futures.append(pool.submit(self._part, item, upload_id, number, data))
                    if len(data) < part_size:
                        break
                parts = [future.result() for future in futures]
            if whole.hexdigest() != item.sha256:
                raise InputError(f"{item.path} changed while it was being sent", hint=REGENERATE_HINT)
            digests = b"".join(base64.b64decode(part["ChecksumSHA256"]) for part in parts)
            expected = b64(hashlib.sha256(digests).digest())
            try:
                answer = _with_retries(
                    lambda: self.s3.complete_multipart_upload(
                        Bucket=self.bucket, Key=item.key, UploadId=upload_id, MultipartUpload={"Parts": parts}
                    )
                )
            except ClientError as exc:
                # A retried Complete whose first attempt succeeded finds no upload: the object tells.
                if _code(exc) != "NoSuchUpload":
                    raise
                answer = _with_retries(
                    lambda: self.s3.head_object(Bucket=self.bucket, Key=item.key, ChecksumMode="ENABLED")
                )
        except BaseException:
            with contextlib.suppress(ClientError, BotoCoreError):  # if it cannot be aborted now, a rerun aborts it
                self.s3.abort_multipart_upload(Bucket=self.bucket, Key=item.key, UploadId=upload_id)
            raise
        self._check_answer(item, answer.get("ChecksumSHA256"), expected)

    def _part(self, item: UploadItem, upload_id: str, number: int, data: bytes) -> dict[str, Any]:
        checksum = b64(hashlib.sha256(data).digest())
        answer = _with_retries(
            lambda: self.s3.upload_part(
                Bucket=self.bucket,
                Key=item.key,
                UploadId=upload_id,
                PartNumber=number,
                Body=data,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=checksum,
            )
        )
        return {"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": checksum}

    def _check_answer(self, item: UploadItem, answered: Any, expected: str) -> None:
        """S3 verified the checksum it was given; an answer naming another one means the object is not ours."""
        if answered and str(answered).partition("-")[0] != expected:
            raise AwsError(
                f"s3://{self.bucket}/{item.key}: S3 stored checksum {answered}, expected {expected}",
                hint="run the upload again",
            )


def _content_addressed(item: UploadItem) -> bool:
    """The key names its content: ``.../images/ab/<sha256>.<ext>`` with the manifest's SHA-256 of the file."""
    name = item.key.rsplit("/", 1)[-1]
    return "images/" in item.key and name.split(".", 1)[0] == item.sha256 and item.relative != MANIFEST_NAME


def _transient(exc: BaseException) -> bool:
    """A failure worth another try: a 5xx, throttling, or a connection that broke (not: access denied, 404, ...)."""
    if isinstance(exc, ClientError):
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return status >= 500 or _code(exc) in _TRANSIENT_CODES
    name = type(exc).__name__  # ConnectionClosedError, EndpointConnectionError, ReadTimeoutError, ...
    return isinstance(exc, BotoCoreError) and ("Connection" in name or "Timeout" in name or "Streaming" in name)


def _with_retries(operation: Callable[[], T]) -> T:
    """``operation()``, tried again after a transient failure that botocore gave up on early (its retry quota ran
    dry): up to CALL_ATTEMPTS attempts within CALL_RETRY_SECONDS, with jittered exponential backoff."""
    started = time.monotonic()
    for attempt in range(1, CALL_ATTEMPTS + 1):
        try:
            return operation()
        except (ClientError, BotoCoreError) as exc:
            spent = isinstance(exc, ClientError) and (
                int(exc.response.get("ResponseMetadata", {}).get("RetryAttempts") or 0) >= S3_MAX_ATTEMPTS
            )
            if spent or not _transient(exc) or attempt == CALL_ATTEMPTS:
                raise
            if time.monotonic() - started > CALL_RETRY_SECONDS:
                raise
            time.sleep(random.uniform(0, min(5.0, 0.1 * 2**attempt)))
    raise AssertionError("unreachable")  # the loop returns or raises


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code"))


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
    elif code in ("BadDigest", "InvalidRequest") and "checksum" in str(error.get("Message", "")).lower():
        hint = "the bytes S3 received do not match their SHA-256: run the upload again"
    return AwsError(f"s3://{bucket}/{key}: {code}: {error.get('Message', '')}".rstrip(": "), hint=hint)


def upload(
    session: AwsSession,
    outputs: TerraformOutputs,
    request: UploadRequest,
    *,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> UploadResult:
    """Upload generate's folder ``request.out_dir`` into the module's bucket (the Terraform outputs' bucket, with
    their KMS key): the operation in the ``(session, outputs, request)`` order of every job operation."""
    return upload_dataset(
        request.out_dir,
        session.s3(),
        bucket=outputs.bucket_name,
        kms_key_arn=outputs.kms_key_arn,
        workers=request.workers,
        progress=progress,
        replace_changed=request.replace_changed,
        on_total=on_total,
    )
