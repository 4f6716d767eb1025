"""Check training JSONL files against everything Bedrock would reject, before anything is uploaded.

``validate_files(paths, base_model=..., record_format=..., images_dir=...)`` streams each file line by line and
returns a ``ValidationReport``. File-level rules live here (``json-line``, ``blank-line``, ``record-count``,
``validation-not-accepted``, ``mixed-media``); the per-record rules are in ``record_checks.py``.

Image blocks point at S3. To check an image's bytes and pixels the validator finds its local copy: through
``manifest.json`` beside the files (written by ``generate``: ``s3://BUCKET/PREFIX/<path>`` is ``OUT/<path>``), or
under ``images_dir`` (tried as the root of the object key, of the key below the prefix, as the ``images/``
folder itself and as the folder holding ``images/``). A local copy is used only when it resolves, after symlinks, inside
the folder it was looked for in, and is fully decoded (a truncated image is an error). Lines are read with the bounds
of ``bounded_json`` (length, nesting, valid text).

Files of 1 MiB and more are decoded with msgspec. When a base model is known and the format is the conversation
format, their records first take a typed fast path (``typed_records.py``: msgspec decodes the line into the schema's
types and the other rules run on them); it only ever answers that a record has nothing to report, and every line it
does not vouch for takes the general path, so the findings are those of the general path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bedrock_ft.core.bounded_json import (
    MAX_DEPTH,
    JsonInputError,
    iter_lines,
    line_too_long,
    parse_json,
    read_json_document,
)
from bedrock_ft.core.confined_files import FileRefused
from bedrock_ft.core.errors import InputError, UsageError
from bedrock_ft.core.models import CustomizationType, ModelSpec, RecordFormat, find_model
from bedrock_ft.core.s3_uris import join_key, split_s3_uri
from bedrock_ft.data.record_checks import CheckContext, ImageInfo, record_findings
from bedrock_ft.data.record_formats import parse_format
from bedrock_ft.data.validation_report import ERROR, FileSummary, Problem, ValidationReport

MANIFEST_NAME = "manifest.json"
TRAIN = "train"
VALIDATION = "validation"


@dataclass(frozen=True)
class ImageLocator:
    """Maps an image's S3 URI back to a local file."""

    out_dir: Path | None = None  # a generate output folder: s3://bucket/prefix/<rel> -> out_dir/<rel>
    bucket: str | None = None
    prefix: str = ""
    images_dir: Path | None = None

    def __call__(self, uri: str) -> str | None:
        # Plain strings, not pathlib: this runs once per image, and pathlib interns every path part.
        parsed = split_s3_uri(uri)
        if parsed is None:
            return None
        bucket, key = parsed.bucket, parsed.key
        prefix = join_key(self.prefix)
        below_prefix = key[len(prefix) + 1 :] if prefix and key.startswith(prefix + "/") else key
        candidates: list[tuple[str, str]] = []  # (the folder it must stay in, the candidate)
        if self.out_dir is not None and (self.bucket is None or bucket == self.bucket):
            out = os.path.realpath(self.out_dir)
            candidates.append((out, os.path.join(out, below_prefix)))
        if self.images_dir is not None:
            images = os.path.realpath(self.images_dir)
            candidates += [(images, os.path.join(images, key)), (images, os.path.join(images, below_prefix))]
            if "images/" in key:
                tail = key.rsplit("images/", 1)[1]
                candidates += [(images, os.path.join(images, tail)), (images, os.path.join(images, "images", tail))]
        for folder, candidate in candidates:
            real = os.path.realpath(candidate)
            if _inside(real, folder) and os.path.isfile(real):
                return real
        return None


def _inside(real_path: str, folder: str) -> bool:
    return real_path == folder or real_path.startswith(folder.rstrip(os.sep) + os.sep)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest.json ``generate`` wrote in ``folder``, or None (also when it is not one, or not readable)."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        document = read_json_document(path)
    except (OSError, JsonInputError, FileRefused):
        return None
    if not isinstance(document, dict) or document.get("tool") != "bedrock-ft":
        return None
    text_fields = ("base_model", "record_format", "customization_type", "bucket", "prefix")
    if any(document.get(name) is not None and not isinstance(document.get(name), str) for name in text_fields):
        return None  # a manifest of the wrong shape is no manifest: its settings are not used
    return document


def _image_root(manifest: dict[str, Any]) -> str:
    """The prefix that OUT's relative paths of images hang from: the parent of ``images_prefix`` (DATA_PREFIX),
    or ``prefix`` for a manifest of an older version, which put the images under the dataset's prefix."""
    images_prefix = manifest.get("images_prefix")
    if isinstance(images_prefix, str) and images_prefix:
        return images_prefix.rpartition("/")[0]
    return str(manifest.get("prefix") or "")


def parse_customization_type(customization_type: str | None) -> CustomizationType:
    """The customization type named (FINE_TUNING when none is); a UsageError listing them otherwise."""
    try:
        return CustomizationType(customization_type or CustomizationType.FINE_TUNING)
    except ValueError:
        raise UsageError(
            f"unknown customization type {customization_type!r}",
            hint="one of " + ", ".join(t.value for t in CustomizationType),
        ) from None


def format_for(spec: ModelSpec, kind: CustomizationType) -> RecordFormat:
    """The record format a job of ``kind`` on ``spec`` reads: RFT's own, else the model's."""
    return RecordFormat.RFT if kind is CustomizationType.REINFORCEMENT_FINE_TUNING else spec.record_format(kind)


def resolve_model(
    base_model: str | None, record_format: str | RecordFormat | None, customization_type: str | None = None
) -> tuple[ModelSpec | None, RecordFormat]:
    """The model spec (when a model is named) and the record format: ``record_format`` wins over the model's."""
    spec = find_model(base_model) if base_model else None
    kind = parse_customization_type(customization_type)
    if record_format:
        fmt = record_format if isinstance(record_format, RecordFormat) else parse_format(record_format)
    elif spec is None and kind is CustomizationType.REINFORCEMENT_FINE_TUNING:
        fmt = RecordFormat.RFT
    elif spec is not None:
        if kind not in spec.customization_types:
            raise UsageError(
                f"{spec.display_name} does not support {kind.value}",
                hint="supported: " + ", ".join(t.value for t in spec.customization_types),
            )
        fmt = format_for(spec, kind)
    else:
        raise UsageError(
            "say which model the data is for",
            hint="name the base model (or a record format)",
            settings=("base_model", "record_format"),
        )
    return spec, fmt


def file_role(path: Path) -> str:
    """train or validation, from the file's name (``validation.jsonl``, ``val.jsonl``, ``qa-dev.jsonl`` ...)."""
    words = set(re.split(r"[^a-z]+", path.stem.lower()))
    return VALIDATION if words & {"validation", "valid", "val", "dev", "eval"} else TRAIN


def validate_files(
    paths: Sequence[str | Path],
    *,
    base_model: str | None = None,
    record_format: str | RecordFormat | None = None,
    customization_type: str | None = None,
    images_dir: str | Path | None = None,
    locator: ImageLocator | None = None,
    roles: dict[str, str] | None = None,
    dataset_bucket: str | None = None,
    decode_images: bool = True,
    known_images: Callable[[str], ImageInfo | None] | None = None,
) -> ValidationReport:
    """Validate JSONL ``paths`` for ``base_model`` (or just ``record_format``); see the module docstring.

    Missing model or format settings are read from a ``manifest.json`` beside the first file.
    ``roles`` maps a path (as given) to train | validation, overriding the name-based guess.
    ``decode_images``: decode every local image fully (false only for images already decoded, by ``generate``).
    ``known_images``: the facts of an image by its S3 URI when they are known without opening it (``generate``).
    """
    files = [Path(p) for p in paths]
    if not files:
        raise UsageError("give at least one JSONL file to validate")
    for file in files:
        if not file.is_file():
            raise InputError(f"{file} does not exist or is not a file")
    if images_dir is not None and not Path(images_dir).is_dir():
        raise InputError(f"the images folder {images_dir} does not exist or is not a folder")
    manifest = read_manifest(files[0].parent)
    if manifest and not base_model and not record_format:
        base_model = manifest.get("base_model")
        record_format = manifest.get("record_format")
        customization_type = customization_type or manifest.get("customization_type")
    spec, fmt = resolve_model(base_model, record_format, customization_type)
    kind = parse_customization_type(customization_type)
    if locator is None:
        locator = ImageLocator(
            out_dir=files[0].parent if manifest else None,
            bucket=manifest.get("bucket") if manifest else None,
            prefix=_image_root(manifest) if manifest else "",
            images_dir=Path(images_dir) if images_dir else None,
        )
    has_local = locator.out_dir is not None or locator.images_dir is not None
    ctx = CheckContext(
        record_format=fmt,
        spec=spec,
        locate=locator if has_local else None,
        dataset_bucket=dataset_bucket or (manifest.get("bucket") if manifest else None),
        decode_images=decode_images,
        known=known_images,
        customization_type=kind,
    )
    report = ValidationReport(record_format=fmt.value, base_model=base_model, family=spec.family if spec else None)
    media_kinds: set[str] = set()
    for file in files:
        role = (roles or {}).get(str(file)) or file_role(file)
        summary = FileSummary(path=str(file), role=role)
        report.files.append(summary)
        _validate_file(file, summary, ctx, report, media_kinds)
    _check_counts(report, spec, kind)
    if len(media_kinds) > 1:
        _file_problem(
            report,
            "mixed-media",
            str(files[0]),
            "the dataset mixes images and videos: use one kind of media per dataset",
        )
    report.images_checked = ctx.images_checked
    if "image" in media_kinds and not has_local:
        report.notes.append(
            "image bytes and pixels were not checked: no local copies (give the folder of the images, images_dir, "
            "or validate the files inside the folder generate wrote)"
        )
    return report


FAST_DECODE_BYTES = 1 << 20  # files from this size on are decoded with msgspec (its import costs about 15 ms)
FAST_PATH_TRIAL = 100  # lines the typed fast path may refuse before it is dropped for a file it refuses mostly


def _decode_json(raw: bytes) -> Any:
    return parse_json(raw)


def _decode_fast(decode: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """A line's value by msgspec's decoder (about three times faster than ``json``, and stricter: it refuses invalid
    UTF-8, lone surrogates, NaN and control characters in strings); whatever it refuses is read again by
    ``parse_json``, so a line's error message (or, where ``json`` is more lenient, its value) is the bounded reader's.
    Nesting is bounded as ``parse_json`` bounds it."""

    def fast(raw: bytes) -> Any:
        try:
            value = decode(raw)
        except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
            return parse_json(raw)
        if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
            return parse_json(raw)  # deep or not: the bounded reader decides, with its own message
        return value

    return fast


@cache
def _fast_decoder() -> Callable[[bytes], Any] | None:
    try:
        import msgspec
    except ImportError:  # an install without it validates at json's speed
        return None
    return _decode_fast(msgspec.json.Decoder().decode)


@cache
def _clean_line() -> Callable[[bytes, CheckContext], bool] | None:
    try:
        from bedrock_ft.data.typed_records import clean_conversation_line
    except ImportError:  # no msgspec
        return None
    return clean_conversation_line


def _fast_path_for(decode: Callable[[bytes], Any], ctx: CheckContext) -> Callable[[bytes, CheckContext], bool] | None:
    """The typed fast path (``typed_records``) for a file decoded by msgspec whose records are conversations checked
    for a model; None otherwise. It only ever says that a line has nothing to report: every other line takes the
    general path."""
    if decode is _decode_json or ctx.spec is None or ctx.record_format is not RecordFormat.CONVERSATION:
        return None
    return _clean_line()


def _decoder_for(file: Path) -> Callable[[bytes], Any]:
    """msgspec's decoder for a file large enough to repay its import, json's for a small one."""
    try:
        large = file.stat().st_size >= FAST_DECODE_BYTES
    except OSError:
        large = False
    return (_fast_decoder() if large else None) or _decode_json


def _validate_file(
    file: Path, summary: FileSummary, ctx: CheckContext, report: ValidationReport, media_kinds: set[str]
) -> None:
    name = str(file)
    try:
        handle = file.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from None
    decode = _decoder_for(file)
    clean = _fast_path_for(decode, ctx)
    refused = 0
    with handle:
        for number, raw in iter_lines(handle):
            summary.lines = number
            if raw is None:
                report.add(Problem("json-line", ERROR, name, number, None, line_too_long()))
                continue
            if raw.isspace():  # the same ASCII whitespace strip() removes, without copying every line
                report.add(
                    Problem("blank-line", ERROR, name, number, None, "blank line: Bedrock reads every line as a record")
                )
                continue
            if clean is not None:
                if clean(raw, ctx):
                    summary.records += 1
                    continue
                refused += 1
                if refused > FAST_PATH_TRIAL and refused * 2 > number:
                    clean = None  # most lines need the general path: stop decoding them twice
            try:
                record = decode(raw)
            except JsonInputError as exc:
                report.add(Problem("json-line", ERROR, name, number, None, exc.reason))
                continue
            summary.records += 1
            for rule, severity, field, message in record_findings(record, ctx):
                report.add(Problem(rule, severity, name, number, field, message))
    media_kinds.update(ctx.media_kinds)


def _check_counts(
    report: ValidationReport, spec: ModelSpec | None, kind: CustomizationType = CustomizationType.FINE_TUNING
) -> None:
    for summary in report.files:
        if summary.records == 0 and summary.lines == 0:
            _file_problem(report, "record-count", summary.path, "the file is empty")
    if spec is None:
        return
    customization = spec.customization(kind)
    if customization is not None and not customization.inherits_model_limits:
        _check_type_counts(report, spec, kind)
        return
    name = spec.display_name
    for role, word, minimum, maximum in (
        (TRAIN, "training", spec.min_records, spec.max_records),
        (VALIDATION, "validation", None, spec.max_validation_records),
    ):
        files = [f for f in report.files if f.role == role]
        if not files:
            continue
        n = sum(f.records for f in files)
        where = files[0].path
        if role == VALIDATION and n and not spec.accepts_validation:
            _file_problem(
                report,
                "validation-not-accepted",
                where,
                f"{name} accepts no validation set: train on all records instead",
            )
        if minimum is not None and n < minimum:
            _file_problem(report, "record-count", where, f"{n} {word} records: {name} needs at least {minimum}")
        if maximum is not None and n > maximum and not (role == TRAIN and spec.max_records_include_validation):
            _file_problem(report, "record-count", where, f"{n} {word} records: {name} takes at most {maximum}")
    if spec.max_records is not None and spec.max_records_include_validation:
        counts = {role: sum(f.records for f in report.files if f.role == role) for role in (TRAIN, VALIDATION)}
        total = counts[TRAIN] + counts[VALIDATION]
        if total > spec.max_records:
            where = next(f.path for f in report.files if f.role == TRAIN) if counts[TRAIN] else report.files[0].path
            _file_problem(
                report,
                "record-count",
                where,
                f"{counts[TRAIN]} training + {counts[VALIDATION]} validation records: {name} takes at most "
                f"{spec.max_records} in all",
            )


TYPE_WORDS = {
    CustomizationType.DISTILLATION: "distillation prompts",
    CustomizationType.REINFORCEMENT_FINE_TUNING: "reinforcement fine-tuning prompts",
}


def _check_type_counts(report: ValidationReport, spec: ModelSpec, kind: CustomizationType) -> None:
    """The counts of a customization type with limits of its own (distillation, RFT): training and validation
    together against the type's range, and a validation file refused where the type takes none."""
    name = f"{spec.display_name} {kind.value}"
    word = TYPE_WORDS.get(kind, "records")
    minimum, maximum = spec.record_limits(kind)
    counts = {role: sum(f.records for f in report.files if f.role == role) for role in (TRAIN, VALIDATION)}
    validation = next((f for f in report.files if f.role == VALIDATION), None)
    if validation is not None and counts[VALIDATION] and spec.accepts_validation_for(kind) is False:
        _file_problem(
            report, "validation-not-accepted", validation.path, f"{name} accepts no validation set: train on all"
        )
    where = next((f.path for f in report.files if f.role == TRAIN), report.files[0].path)
    total = counts[TRAIN] + counts[VALIDATION]
    if minimum is not None and counts[TRAIN] < minimum:
        _file_problem(report, "record-count", where, f"{counts[TRAIN]} {word}: {name} needs at least {minimum}")
    if maximum is not None and total > maximum:
        _file_problem(report, "record-count", where, f"{total} {word}: {name} takes at most {maximum:,}")


def _file_problem(report: ValidationReport, rule: str, path: str, message: str) -> None:
    """An error about a whole file or the dataset: no line, no field."""
    report.add(Problem(rule, ERROR, path, None, None, message))
