"""Upload a plain folder or file of JSONL training data: the user's own, not ``generate``'s output.

``upload_plain(path, s3, bucket=..., base_model=...)``

1. finds the data: a ``.jsonl`` file (the training file), or a folder's ``*.jsonl`` files (``train.jsonl`` or the
   single other one for training, a ``validation``/``val``/``dev`` one for validation);
2. validates it as ``bedrock-ft validate`` does, for the model and customization type, with the folder as the place to
   find local copies of the images the records name; any error stops the upload before anything is sent;
3. sends each image the records name (``s3://BUCKET/KEY``) that has a local copy in the folder (``KEY``, or the
   other places ``validate``'s image locator tries) to exactly that key, so the records stay true; an image with no
   local copy is expected in the bucket already (said in the warnings; preflight checks it is there);
4. writes a manifest like ``generate``'s and sends the JSONL files and it under
   ``DATA_PREFIX/<name>/<digest16>/``, with everything ``upload_dataset`` does (checksums, no silent replacement,
   nothing sent twice).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bedrock_ft import __version__
from bedrock_ft.core.bounded_json import JsonInputError, iter_lines, parse_json
from bedrock_ft.core.errors import ChecksFailed, InputError, UsageError
from bedrock_ft.core.progress import Progress
from bedrock_ft.core.s3_uris import join_key, key_problem, split_s3_uri
from bedrock_ft.core.tf_outputs import DEFAULT_DATA_PREFIX
from bedrock_ft.data.sources import slugify
from bedrock_ft.data.validate import TRAIN, VALIDATION, ImageLocator, file_role, validate_files
from bedrock_ft.data.validation_report import ValidationReport
from bedrock_ft.job.requests import DEFAULT_WORKERS
from bedrock_ft.job.upload import (
    DEFAULT_MULTIPART_THRESHOLD,
    MANIFEST_NAME,
    TRAINING_NAME,
    VALIDATION_NAME,
    Manifest,
    ManifestFile,
    UploadItem,
    UploadResult,
    _upload_items,
    sha256_of,
)

MEDIA_FOLDER = "media"  # the manifest's relative paths of the images: media/<object key>
SHOWN_PROBLEMS = 5


class PlainDataInvalid(ChecksFailed):
    """The data did not validate: nothing was sent. ``report`` holds every problem."""

    def __init__(self, report: ValidationReport) -> None:
        errors = [p for p in report.problems if p.severity == "error"]
        shown = "; ".join(
            f"{Path(p.file).name}" + (f" line {p.line}" if p.line else "") + f": {p.rule}: {p.message}"
            for p in errors[:SHOWN_PROBLEMS]
        )
        more = f" and {len(errors) - SHOWN_PROBLEMS} more" if len(errors) > SHOWN_PROBLEMS else ""
        super().__init__(
            f"the data has {len(errors)} validation error(s), nothing was sent: {shown}{more}",
            hint="fix them (bedrock-ft validate lists them all) and upload again",
        )
        self.report = report


def plain_files(path: Path) -> dict[str, Path]:
    """train (and validation) JSONL files of a plain file or folder; a UsageError when they cannot be told apart."""
    if path.is_file():
        return {TRAIN: path}
    if not path.is_dir():
        raise InputError(f"{path} is neither a JSONL file nor a folder")
    found = sorted(p for p in path.iterdir() if p.suffix == ".jsonl" and p.is_file() and not p.is_symlink())
    if not found:
        raise InputError(f"{path} holds no .jsonl file", hint="put the training records in train.jsonl")
    roles: dict[str, list[Path]] = {TRAIN: [], VALIDATION: []}
    for file in found:
        roles[file_role(file)].append(file)
    for role, name in ((TRAIN, TRAINING_NAME), (VALIDATION, VALIDATION_NAME)):
        if len(roles[role]) > 1:
            named = [p for p in roles[role] if p.name == name]
            if len(named) != 1:
                listed = ", ".join(p.name for p in roles[role])
                raise UsageError(
                    f"{path} holds several {role} files ({listed})",
                    hint=f"keep one, or name the one to use {name}",
                )
            roles[role] = named
    if not roles[TRAIN]:
        raise InputError(f"{path} holds no training file", hint=f"name it {TRAINING_NAME}")
    return {role: files[0] for role, files in roles.items() if files}


def _image_uris(node: Any) -> Iterator[str]:
    """Every s3Location.uri anywhere in a record."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            location = item.get("s3Location")
            if isinstance(location, dict) and isinstance(location.get("uri"), str):
                yield location["uri"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _record_image_uris(file: Path) -> set[str]:
    uris: set[str] = set()
    try:
        with file.open("rb") as handle:
            for _, raw in iter_lines(handle):
                if raw is None or not raw.strip():
                    continue
                try:
                    uris.update(_image_uris(parse_json(raw)))
                except JsonInputError:
                    continue  # validation reported it already
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror or exc}") from None
    return uris


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _digest(entries: list[tuple[str, str, int]], purpose: dict[str, Any]) -> str:
    document = {"files": sorted(entries), **purpose}
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def upload_plain(
    path: str | Path,
    s3: Any,
    *,
    bucket: str,
    base_model: str | None = None,
    record_format: str | None = None,
    customization_type: str | None = None,
    bucket_owner: str | None = None,
    data_prefix: str = DEFAULT_DATA_PREFIX,
    prefix: str | None = None,
    kms_key_arn: str | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
    part_size: int | None = None,
    replace_changed: bool = False,
) -> UploadResult:
    """Validate and upload a plain JSONL file or folder (see the module docstring); PlainDataInvalid when it does
    not validate, before anything is sent."""
    source = Path(path)
    if workers < 1:
        raise UsageError("workers must be at least 1", setting="workers")
    started = time.time()
    files = plain_files(source)
    folder = source if source.is_dir() else source.parent
    report = validate_files(
        list(files.values()),
        base_model=base_model,
        record_format=record_format,
        customization_type=customization_type,
        images_dir=folder,
        roles={str(file): role for role, file in files.items()},
        dataset_bucket=bucket,
    )
    if not report.ok:
        raise PlainDataInvalid(report)

    warnings: list[str] = []
    locate = ImageLocator(images_dir=folder)
    images: dict[str, str] = {}  # object key -> local file
    absent = 0
    for file in files.values():
        for uri in sorted(_record_image_uris(file)):
            parsed = split_s3_uri(uri)
            if parsed is None or parsed.bucket != bucket or key_problem(parsed.key):
                continue  # validation refused these already
            local = locate(uri)
            if local is not None and _regular(local):
                images.setdefault(parsed.key, local)
            else:
                absent += 1
    if absent:
        warnings.append(
            f"{absent} image(s) the records name have no local copy in {folder}: not sent, so they must be in "
            f"s3://{bucket} already (preflight checks they are)"
        )

    entries: list[tuple[str, str, int]] = []
    items: list[UploadItem] = []
    for role, file in files.items():
        relative = TRAINING_NAME if role == TRAIN else VALIDATION_NAME
        items.append(UploadItem(file, relative, "", file.stat().st_size, sha256_of(file)))
    for key, local in sorted(images.items()):
        items.append(
            UploadItem(Path(local), f"{MEDIA_FOLDER}/{key}", key, os.stat(local).st_size, sha256_of(Path(local)))
        )
    entries = [(item.relative, item.sha256, item.size) for item in items]
    purpose = {
        "base_model": base_model,
        "record_format": report.record_format,
        "customization_type": customization_type or "FINE_TUNING",
    }
    digest = _digest(entries, purpose)
    name = slugify(source.stem if source.is_file() else source.resolve().name) or "dataset"
    dataset_prefix = join_key(prefix) if prefix else join_key(data_prefix, name, digest[:16])
    if not dataset_prefix or key_problem(dataset_prefix + "/x"):
        raise UsageError(f"prefix {dataset_prefix!r} is not a usable S3 key prefix", setting="prefix")
    items = [
        item
        if item.key
        else UploadItem(item.path, item.relative, join_key(dataset_prefix, item.relative), item.size, item.sha256)
        for item in items
    ]
    manifest = Manifest(
        bucket=bucket,
        prefix=dataset_prefix,
        bucket_owner=bucket_owner,
        digest=digest,
        files=tuple(ManifestFile(i.relative, i.key, i.sha256, i.size) for i in items),
    )
    document = {
        "tool": "bedrock-ft",
        "version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        **purpose,
        "family": report.family,
        "name": name,
        "digest": digest,
        "bucket": bucket,
        "prefix": dataset_prefix,
        "images_prefix": "",
        "bucket_owner": bucket_owner,
        "counts": {
            "train": sum(f.records for f in report.files if f.role == TRAIN),
            "validation": sum(f.records for f in report.files if f.role == VALIDATION),
            "images": len(images),
        },
        "files": {i.relative: {"key": i.key, "sha256": i.sha256, "bytes": i.size} for i in items},
        "settings": {"source": str(source), "uploaded_as": "plain"},
    }
    with tempfile.TemporaryDirectory(prefix="bedrock-ft-upload-") as stage:
        manifest_path = Path(stage) / MANIFEST_NAME
        manifest_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        items.append(
            UploadItem(
                manifest_path,
                MANIFEST_NAME,
                manifest.manifest_key,
                manifest_path.stat().st_size,
                sha256_of(manifest_path),
            )
        )
        result = _upload_items(
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
            on_total=None,
        )
    result.warnings = warnings + result.warnings
    return result
