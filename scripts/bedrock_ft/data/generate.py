"""The generate pipeline: a dataset source in, Bedrock training data out.

    stream records -> render templates -> store images -> write OUT/train.jsonl and OUT/validation.jsonl
    (temporary names, renamed at the end) -> validate what was written -> OUT/manifest.json

The output folder (read by ``bedrock-ft upload`` and ``bedrock-ft run``)::

    OUT/train.jsonl
    OUT/validation.jsonl          only when there is a validation set
    OUT/test.jsonl                only when the source has a test split: held-out evaluation data, in the same
                                  format, never uploaded and never trained on (not in the manifest's file list)
    OUT/images/ab/<sha256>.png    images, named by the SHA-256 of their bytes
    OUT/manifest.json             every file above with its size, SHA-256 and S3 key, and the dataset digest

Where it goes in S3 (the layout functions below; README "S3 layout")::

    DATA_PREFIX/images/ab/<sha256>.png              images, content-addressed, shared by every dataset
    DATA_PREFIX/<name>/<digest16>/train.jsonl       the JSONL files and manifest.json, under the dataset's digest
    DATA_PREFIX/<name>/<digest16>/validation.jsonl
    DATA_PREFIX/<name>/<digest16>/manifest.json

The digest is a SHA-256 over the list of files (path, size, SHA-256: the JSONL content and the images) and what
the data is for (base model, record format, customization type). Records hold image URIs, which hold the images
prefix but not the digest, so there is no circularity. Two different datasets never share a key, and a changed
dataset lands under a new prefix. Memory stays flat: records and images are streamed, one image in memory at a time.

OUT is built in a temporary folder beside it and swapped in at the end, so a failed or interrupted run leaves OUT as
it was (and an OUT that did not exist absent). An existing OUT is replaced whole, so it must be empty or an earlier
output of generate. Files the records name are read only inside the source's folder or the media root
(``media_root``), bounded in size, from regular files (see ``images.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import itertools
import json
import os
import random
import re
import shutil
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import IO, Any

from bedrock_ft import __version__
from bedrock_ft.core.atomic_files import ordinary_temp_file, ordinary_temp_folder, replacing
from bedrock_ft.core.confined_files import MediaRoots
from bedrock_ft.core.errors import ConfigError, InputError, UsageError
from bedrock_ft.core.models import MB, PURPOSES, CustomizationType, ImageRules, ModelSpec, RecordFormat
from bedrock_ft.core.progress import progress_bar
from bedrock_ft.core.s3_uris import ACCOUNT_ID, bucket_problem, join_key, key_problem
from bedrock_ft.core.tf_outputs import DEFAULT_DATA_PREFIX
from bedrock_ft.core.timestamps import now_utc
from bedrock_ft.core.wording import plural
from bedrock_ft.data.images import ImageStore, StoredImage
from bedrock_ft.data.presets import Preset
from bedrock_ft.data.record_checks import REASONING_FAMILIES, CheckContext, ImageInfo, check_record
from bedrock_ft.data.record_formats import (
    ASSISTANT,
    FORMAT_TAKES_IMAGES,
    USER,
    ImageLocation,
    ImageReference,
    build_record,
    build_turns_record,
)
from bedrock_ft.data.sources import Source, SourceRecord, open_source, slugify
from bedrock_ft.data.templates import RecordError, Template, lookup
from bedrock_ft.data.validate import (
    MANIFEST_NAME,
    TRAIN,
    VALIDATION,
    ImageLocator,
    read_manifest,
    resolve_model,
    validate_files,
)
from bedrock_ft.data.validation_report import ERROR, FileSummary, Problem, ValidationReport

TRAIN_FILE = "train.jsonl"
VALIDATION_FILE = "validation.jsonl"
TEST_FILE = "test.jsonl"
TEST = "test"  # the role of a record of the source's test split
ROLE_FILES = {TRAIN: TRAIN_FILE, VALIDATION: VALIDATION_FILE, TEST: TEST_FILE}
KEEP_SKIPPED = 1000  # skipped records listed in the result; the rest are counted
_STORED_IMAGE_NAME = re.compile(r"^[0-9a-f]{64}\.(png|jpg|gif|webp)$")
_IMAGE_FOLDER_NAME = re.compile(r"^[0-9a-f]{2}$")  # images/ab/ab<62 hex digits>.<ext>

# Roles of a messages-style column (OpenAI, ShareGPT and similar), as Bedrock's.
ROLE_NAMES = {
    "user": USER,
    "human": USER,
    "prompter": USER,
    "assistant": ASSISTANT,
    "gpt": ASSISTANT,
    "bot": ASSISTANT,
    "model": ASSISTANT,
    "ai": ASSISTANT,
    "system": "system",
}
# An s3:// image value's extension -> Bedrock's format name.
S3_IMAGE_FORMATS = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "gif": "gif", "webp": "webp"}


def parse_purpose(value: str | None) -> CustomizationType:
    """A customization type from its API name or a purpose word (distillation, rft, ...)."""
    text = (value or "FINE_TUNING").strip()
    if text.lower() in PURPOSES:
        return PURPOSES[text.lower()]
    try:
        return CustomizationType(text.upper())
    except ValueError:
        raise UsageError(
            f"unknown customization type {value!r}",
            hint="one of " + ", ".join([*PURPOSES, *(t.value for t in CustomizationType)]),
        ) from None


@dataclass
class GenerateSettings:
    """Everything that shapes the output. None means "not given": a preset or a default fills it."""

    source: str | None = None
    out_dir: str | Path = "out"
    base_model: str | None = None
    record_format: str | None = None  # overrides the model's format
    # FINE_TUNING (default) | CONTINUED_PRE_TRAINING | DISTILLATION (prompt-only records) | REINFORCEMENT_FINE_TUNING
    # (messages + reference_answer, the response template rendering the reference answer); or a PURPOSES word
    customization_type: str | None = None
    system: str | None = None  # the system text itself (the CLI resolves @file)
    prompt_template: str | None = None
    response_template: str | None = None
    image_column: str | None = None
    # A column holding a whole conversation: a list of {"role"|"from", "content"|"value"} (roles mapped by ROLE_NAMES).
    # The prompt and response templates are then not used (RFT: the response template, when given, still renders the
    # reference answer; otherwise it is the conversation's last assistant turn).
    messages_column: str | None = None
    # Nova 2 Lite's reasoning text, rendered into reasoningContent before the answer (a template, e.g. "{thinking}").
    reasoning_template: str | None = None
    subset: str | None = None
    split: str | None = None
    bucket: str | None = None
    prefix: str | None = None  # default f"{data_prefix}/{slug of the source}"
    data_prefix: str = DEFAULT_DATA_PREFIX  # the module's default; Terraform outputs may name another
    bucket_owner: str | None = None
    # A fraction of the records, when the source has no validation split; 0 means none (it overrides a preset's).
    validation_split: float | None = None
    seed: int | None = None  # default 0
    skip_invalid: bool = False
    limit: int | None = None  # read at most this many records from each split
    force_reencode: bool = False  # re-encode every image even when its bytes could be kept
    media_root: str | Path | None = None  # a folder outside the source's own that its image paths may point into
    preset: str | None = None  # the preset file the values came from, for the manifest
    show_progress: bool | None = None  # None: a bar on stderr only when it is a terminal

    def with_preset(self, preset: Preset) -> GenerateSettings:
        """These settings with every value left at None taken from ``preset``."""
        names = {f.name for f in fields(self)}
        updates: dict[str, Any] = {}
        for key, value in preset.as_settings().items():
            name = "record_format" if key == "format" else key
            if name in names and getattr(self, name) is None:
                updates[name] = value
        if preset.path is not None:
            updates["preset"] = str(preset.path)
        return replace(self, **updates)


@dataclass(frozen=True)
class SkippedRecord:
    record: str  # e.g. "qa.jsonl line 12"
    field: str | None
    reason: str


@dataclass
class GenerateResult:
    """What a run wrote. ``manifest`` is OUT/manifest.json without its images' entries: its ``files`` names the JSONL
    files only, ``counts["images"]`` counts the images, and their entries (one per image) are in the file at
    ``manifest_path``, written one at a time so that memory stays flat however many images there are."""

    out_dir: Path
    manifest: dict[str, Any]
    train_path: Path
    validation_path: Path | None
    validation: ValidationReport
    skipped: list[SkippedRecord] = field(default_factory=list)
    conversions: dict[str, int] = field(default_factory=dict)  # why images were converted -> how many
    notes: list[str] = field(default_factory=list)

    @property
    def manifest_path(self) -> Path:
        return self.out_dir / MANIFEST_NAME

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.manifest["counts"])

    @property
    def ok(self) -> bool:
        return self.validation.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "out_dir": str(self.out_dir),
            "manifest_path": str(self.manifest_path),
            "manifest": self.manifest,
            "skipped": [asdict(s) for s in self.skipped],
            "conversions": self.conversions,
            "notes": self.notes,
            "validation": self.validation.to_dict(),
        }


@dataclass
class _Plan:
    settings: GenerateSettings
    spec: ModelSpec | None
    record_format: RecordFormat
    customization_type: CustomizationType
    prompt: Template | None
    response: Template | None
    location: ImageLocation | None
    bucket: str | None
    prefix: str
    bucket_owner: str | None
    out_dir: Path
    image_root: str = ""  # images go to IMAGE_ROOT/images/...: the data prefix, shared by every dataset
    reasoning: Template | None = None
    notes: list[str] = field(default_factory=list)  # what planning decided that the user should hear

    @property
    def prompt_only(self) -> bool:
        return self.customization_type is CustomizationType.DISTILLATION


def generate_dataset(settings: GenerateSettings) -> GenerateResult:
    """Turn ``settings.source`` into Bedrock training data in ``settings.out_dir``; see the module docstring.

    generate_dataset(settings: GenerateSettings) -> GenerateResult

    Required: ``source``, ``prompt_template``, ``base_model`` or ``record_format``, and ``response_template``
    unless the format is continued-pretraining. With ``image_column``: ``bucket`` and ``bucket_owner`` too.
    Merge a preset first with ``settings.with_preset(load_preset(path))``.

    Raises UsageError (bad settings), InputError (unreadable source, a bad record without ``skip_invalid``),
    ConfigError (no bucket for images). Validation problems in the written data do not raise: look at
    ``result.validation`` (``result.ok``), also summarised in ``manifest["validation"]``.
    """
    settings = _with_defaults(settings)
    plan = _plan(settings)
    source = open_source(
        settings.source or "", subset=settings.subset, split=settings.split, progress=settings.show_progress
    )
    _check_columns(plan, source)
    roots = _media_roots(source, settings.media_root)
    final_dir = plan.out_dir
    _check_replaceable(final_dir, roots)
    with _staged(final_dir) as out_dir:
        result = _generate_into(out_dir, plan, source, roots)
    return _relabelled(result, out_dir, final_dir)


def _generate_into(out_dir: Path, plan: _Plan, source: Source, roots: MediaRoots) -> GenerateResult:
    """Write the whole output into ``out_dir`` (a fresh temporary folder, renamed to OUT by the caller)."""
    settings = plan.settings
    store = (
        ImageStore(out_dir, plan.spec.images, force_reencode=settings.force_reencode, roots=roots)
        if plan.spec is not None and plan.spec.images is not None and settings.image_column
        else None
    )
    if store is None and settings.image_column:
        store = ImageStore(out_dir, _generic_image_rules(), force_reencode=settings.force_reencode, roots=roots)

    notes: list[str] = list(plan.notes)
    assignment = _assign(source, settings, plan, notes)
    try:
        writer = _Writer(out_dir, with_validation=assignment.has_validation, with_test=assignment.test_n > 0)
    except OSError as exc:
        raise UsageError(
            f"the output folder {plan.out_dir}: cannot write there: {exc.strerror or exc}", setting="out_dir"
        ) from None
    skipped: list[SkippedRecord] = []
    skipped_count = 0
    referenced: set[bytes] = set()  # SHA-256 digests of the images written records point at
    test_images: set[bytes] = set()  # those only test records point at: kept in OUT/images, never uploaded
    origins = {TRAIN: _Origins(), VALIDATION: _Origins()}  # the source record of each written line
    converted: set[bytes] = set()
    reasons: dict[str, int] = {}
    locator = ImageLocator(out_dir=out_dir, bucket=plan.bucket, prefix=plan.image_root)
    known = _known_images(store, plan, out_dir)
    check_ctx = CheckContext(
        record_format=plan.record_format,
        spec=plan.spec,
        locate=locator,
        dataset_bucket=plan.bucket,
        decode_images=False,  # the store decoded every image it wrote
        known=known,
        customization_type=plan.customization_type,
    )
    try:
        with progress_bar(assignment.total, "generate", enabled=settings.show_progress) as bar:
            for role, record in _records(source, assignment):
                bar.advance()
                try:
                    line, images = _build(record, plan, store)
                    if settings.skip_invalid:
                        _drop_if_invalid(line, record, check_ctx)
                except RecordError as exc:
                    if not settings.skip_invalid:
                        raise
                    skipped_count += 1
                    if len(skipped) < KEEP_SKIPPED:
                        skipped.append(SkippedRecord(exc.record, exc.field, exc.reason))
                    continue
                writer.write(role, line)
                if role == TEST:
                    test_images.update(image.digest for image in images)
                    continue
                origins[role].add(record.label)
                for image in images:
                    referenced.add(image.digest)
                    if image.converted and image.digest not in converted:
                        converted.add(image.digest)
                        key = (image.reason or "converted").split(":")[0]
                        reasons[key] = reasons.get(key, 0) + 1
        if writer.counts[TRAIN] == 0:
            first = f": {skipped[0].record}: {skipped[0].reason}" if skipped else ""
            raise InputError(f"no training records were written from {settings.source}{first}")
        writer.commit()
    finally:
        writer.discard()
    if store is not None or (out_dir / "images").is_dir():
        _prune_images(out_dir, referenced | test_images)

    train_path = out_dir / TRAIN_FILE
    validation_path = out_dir / VALIDATION_FILE if writer.counts[VALIDATION] else None
    paths = [train_path] + ([validation_path] if validation_path else [])
    report = validate_files(
        paths,
        base_model=settings.base_model,
        record_format=plan.record_format,
        customization_type=plan.customization_type.value,
        locator=locator,
        roles={str(train_path): TRAIN, **({str(validation_path): VALIDATION} if validation_path else {})},
        dataset_bucket=plan.bucket,
        decode_images=False,
        known_images=known,
    )
    _name_source_records(report, {str(train_path): origins[TRAIN], str(validation_path): origins[VALIDATION]})
    # What the store learned about each image served the checks above: freed before the manifest, the run's peak.
    if store is not None:
        store.forget()
    if plan.spec is not None and plan.spec.legacy_warning:
        notes.append(plan.spec.legacy_warning)
    test_path = out_dir / TEST_FILE if writer.counts[TEST] else None
    if test_path is not None:
        notes.append(
            f"the source's {assignment.test_split!r} split ({writer.counts[TEST]} records) is in {TEST_FILE}: held-out "
            "evaluation data, not uploaded and not trained on"
        )
    manifest = _write_manifest(
        plan,
        source,
        assignment,
        writer.counts,
        len(referenced),
        len(converted),
        skipped_count,
        paths,
        report,
        referenced=referenced,
        test_path=test_path,
        test_split=assignment.test_split,
    )
    if skipped_count > len(skipped):
        notes.append(f"{skipped_count - len(skipped)} more skipped records are not listed")
    return GenerateResult(out_dir, manifest, train_path, validation_path, report, skipped, reasons, notes)


def _known_images(store: ImageStore | None, plan: _Plan, out_dir: Path) -> Callable[[str], ImageInfo | None] | None:
    """An image's facts by its S3 URI, from what the store learned when it decoded it (no image is opened again)."""
    if store is None or plan.location is None:
        return None
    root = plan.location.uri("") + "/"

    def known(uri: str) -> ImageInfo | None:
        facts = store.facts(uri[len(root) :]) if uri.startswith(root) else None
        if facts is None:
            return None
        return ImageInfo(os.path.join(out_dir, uri[len(root) :]), *facts)

    return known


# -- the output folder: confined reads, built beside OUT, swapped in -------------------------------------------------

# What generate writes in OUT, and the temporary files earlier versions left there after a crash.
_OUTPUT_NAMES = frozenset({TRAIN_FILE, VALIDATION_FILE, MANIFEST_NAME, "images"})
_LEFTOVER = re.compile(r"^\.(train\.jsonl|validation\.jsonl|manifest\.json)\..+\.tmp$")


def _media_roots(source: Source, media_root: str | Path | None) -> MediaRoots:
    """The folders the source's records may name files in: its own folder(s), and the media root when given."""
    folders: list[Path] = list(source.media_folders)
    if source.kind == "hub" and not Path(source.name).expanduser().is_dir():
        described = "the Hugging Face caches"
    elif folders:
        described = f"the dataset folder {folders[0]}"
    else:
        described = "the dataset"
    if media_root is not None:
        root = Path(media_root).expanduser()
        if not root.is_dir():
            raise UsageError(f"the media root {media_root} does not exist or is not a folder")
        folders.append(root)
        described += f" and the media root {root}"
    return MediaRoots.of(folders, described)


def _check_replaceable(out_dir: Path, roots: MediaRoots) -> None:
    """OUT is replaced whole: refuse one that holds the source, or anything but an earlier output of generate."""
    real = os.path.realpath(out_dir)
    if any(root == real or root.startswith(real.rstrip(os.sep) + os.sep) for root in roots.roots):
        raise UsageError(
            f"the output folder {out_dir} holds the source (or the media root): generate replaces the whole folder",
            hint="write the output to another folder",
            setting="out_dir",
        )
    if not out_dir.is_dir():
        return
    try:
        entries = sorted(entry.name for entry in os.scandir(out_dir))
    except OSError as exc:
        raise UsageError(
            f"the output folder {out_dir}: cannot read it: {exc.strerror or exc}", setting="out_dir"
        ) from None
    if not entries or read_manifest(out_dir) is not None:
        return
    foreign = [name for name in entries if name not in _OUTPUT_NAMES and not _LEFTOVER.match(name)]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise UsageError(
            f"the output folder {out_dir} holds files generate did not write ({shown})",
            hint="generate replaces the whole folder: choose a new or empty one",
            setting="out_dir",
        )


@contextlib.contextmanager
def _staged(final_dir: Path) -> Iterator[Path]:
    """A fresh folder beside ``final_dir`` to build in; renamed to ``final_dir`` when the block ends normally.

    When the block raises (or is interrupted), the folder is removed and ``final_dir`` is as it was: absent when it
    was absent, with the parent folders this created removed again.
    """
    target = Path(os.path.realpath(final_dir))
    created = _missing_parents(target.parent)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(ordinary_temp_folder(target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    except OSError as exc:
        _remove_empty(created)
        raise UsageError(
            f"the output folder {final_dir}: cannot write there: {exc.strerror or exc}", setting="out_dir"
        ) from None
    try:
        yield stage
        _swap(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_empty(created)
        raise


def _swap(stage: Path, target: Path) -> None:
    """Put ``stage`` where ``target`` is; the old ``target`` is removed only once the new one is in place."""
    if not target.exists():
        os.rename(stage, target)
        return
    old = target.with_name(f".{target.name}.{stage.name.rsplit('.', 2)[-2]}.old")
    os.rename(target, old)
    try:
        os.rename(stage, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _missing_parents(folder: Path) -> list[Path]:
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()


def _relabelled(result: GenerateResult, stage: Path, final_dir: Path) -> GenerateResult:
    """``result`` with the paths of the temporary folder it was built in replaced by OUT's."""

    def moved(path: str) -> str:
        return str(final_dir / Path(path).relative_to(stage)) if Path(path).is_relative_to(stage) else path

    report = result.validation
    report.files = [FileSummary(moved(f.path), f.role, f.records, f.lines) for f in report.files]
    report.problems = [Problem(p.rule, p.severity, moved(p.file), p.line, p.field, p.message) for p in report.problems]
    return replace(
        result,
        out_dir=final_dir,
        train_path=Path(moved(str(result.train_path))),
        validation_path=Path(moved(str(result.validation_path))) if result.validation_path else None,
    )


# -- planning ------------------------------------------------------------------------------------------------------


def _with_defaults(settings: GenerateSettings) -> GenerateSettings:
    return replace(
        settings,
        customization_type=settings.customization_type or CustomizationType.FINE_TUNING.value,
        seed=0 if settings.seed is None else settings.seed,
    )


def _plan(settings: GenerateSettings) -> _Plan:
    if not settings.source:
        raise UsageError(
            "no source given",
            hint="name a dataset, folder or file, or a preset that names one",
            settings=("source", "preset"),
        )
    if not settings.base_model and not settings.record_format:
        raise UsageError(
            "no base model given", hint="name one (or a record format)", settings=("base_model", "record_format")
        )
    kind = parse_purpose(settings.customization_type)
    spec, fmt = resolve_model(settings.base_model, settings.record_format, kind.value)
    if settings.record_format is None and kind is CustomizationType.CONTINUED_PRE_TRAINING:
        fmt = RecordFormat.PRETRAINING
    notes: list[str] = []
    prompt, response, reasoning = _plan_templates(settings, kind, fmt, spec)
    if settings.validation_split is not None and not 0 <= settings.validation_split < 1:
        raise UsageError(
            f"validation_split {settings.validation_split} must be a fraction between 0 (none) and 1 (e.g. 0.1)",
            setting="validation_split",
        )
    if settings.validation_split and spec is not None and spec.accepts_validation_for(kind) is False:
        origin = f" (set by the preset {settings.preset})" if settings.preset else ""
        raise UsageError(
            f"{spec.display_name} accepts no validation set, but a validation split of "
            f"{settings.validation_split:g} is asked for{origin}",
            hint="set the validation split to 0 (it overrides a preset's) to train on every record",
            setting="validation_split",
        )
    if settings.image_column and kind in (CustomizationType.DISTILLATION, CustomizationType.REINFORCEMENT_FINE_TUNING):
        raise UsageError(f"{kind.value} records are text only", hint="give no image column", setting="image_column")
    if settings.limit is not None and settings.limit < 1:
        raise UsageError("limit must be at least 1", setting="limit")

    bucket = settings.bucket
    owner = settings.bucket_owner
    prefix = (
        join_key(settings.prefix)
        if settings.prefix is not None
        else f"{join_key(settings.data_prefix)}/{_slug(settings.source)}".strip("/")
    )
    location = None
    if settings.image_column:
        if fmt not in FORMAT_TAKES_IMAGES:
            raise UsageError(
                f"the {fmt} format takes no images",
                hint="give no image column, or choose a vision model",
                settings=("image_column", "base_model"),
            )
        if spec is not None and spec.images is None:
            raise UsageError(
                f"{spec.display_name} takes no images",
                hint="give no image column, or choose a vision model",
                settings=("image_column", "base_model"),
            )
        if not bucket:
            raise ConfigError(
                "images need the bucket the dataset will be uploaded to",
                hint="name the bucket, or give the Terraform outputs (their bucket_name)",
                settings=("bucket", "tf_outputs", "tf_dir"),
            )
        if not owner:
            raise ConfigError(
                "images need the account that owns the bucket",
                hint="name the bucket owner, or give the Terraform outputs (their account_id)",
                settings=("bucket_owner", "tf_outputs", "tf_dir"),
            )
    if bucket and bucket_problem(bucket):
        raise UsageError(f"bucket: {bucket_problem(bucket)}", setting="bucket")
    if owner and not ACCOUNT_ID.match(owner):
        raise UsageError(f"bucket_owner {owner!r} is not a 12-digit AWS account id", setting="bucket_owner")
    if prefix and key_problem(prefix + "/x"):
        raise UsageError(f"prefix: {key_problem(prefix + '/x')}", setting="prefix")
    image_root = join_key(settings.data_prefix)
    if image_root and key_problem(image_root + "/x"):
        raise UsageError(f"data prefix: {key_problem(image_root + '/x')}")
    if bucket and owner:
        location = ImageLocation(bucket=bucket, prefix=image_root, bucket_owner=owner)
    out_dir = Path(settings.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"the output folder {out_dir} is a file, not a folder", setting="out_dir")
    return _Plan(
        settings,
        spec,
        fmt,
        kind,
        prompt,
        response,
        location,
        bucket,
        prefix,
        owner,
        out_dir,
        image_root,
        reasoning=reasoning,
        notes=notes,
    )


def _plan_templates(
    settings: GenerateSettings, kind: CustomizationType, fmt: RecordFormat, spec: ModelSpec | None
) -> tuple[Template | None, Template | None, Template | None]:
    """The prompt, response and reasoning templates the settings and the purpose need."""
    conversation = settings.messages_column is not None
    if conversation and fmt is RecordFormat.PRETRAINING:
        raise UsageError(
            "a messages column makes conversations: continued pre-training takes plain text", setting="messages_column"
        )
    if not settings.prompt_template and not conversation:
        raise UsageError(
            "no prompt template given",
            hint="give one ('...{field}...') or a preset",
            settings=("prompt_template", "preset"),
        )
    prompt = (
        Template.parse(settings.prompt_template, name="prompt template")
        if settings.prompt_template and not conversation
        else None
    )
    response = (
        Template.parse(settings.response_template, name="response template") if settings.response_template else None
    )
    if conversation and kind is not CustomizationType.REINFORCEMENT_FINE_TUNING:
        response = None  # the conversation holds the answers
    if kind is CustomizationType.DISTILLATION:
        response = None  # prompt-only records: the teacher writes the answers
    elif response is None and not conversation and fmt is not RecordFormat.PRETRAINING:
        what = "the reference answer" if fmt is RecordFormat.RFT else "the response"
        raise UsageError(
            f"the {fmt} format needs a response template ({what})",
            hint="give one: '...{field}...'",
            setting="response_template",
        )
    reasoning = None
    if settings.reasoning_template:
        if fmt is not RecordFormat.CONVERSATION or kind is not CustomizationType.FINE_TUNING:
            raise UsageError(
                "a reasoning template is for fine-tuning bedrock-conversation-2024 records",
                setting="reasoning_template",
            )
        if spec is not None and spec.family not in REASONING_FAMILIES:
            raise UsageError(
                f"{spec.display_name} takes no reasoning content",
                hint="drop the reasoning template, or use Nova 2 Lite",
                setting="reasoning_template",
            )
        reasoning = Template.parse(settings.reasoning_template, name="reasoning template")
    return prompt, response, reasoning


def _slug(source: str) -> str:
    return slugify(source)


def _generic_image_rules() -> ImageRules:
    """Image rules when only a record format is named (no model): what every Bedrock vision model accepts."""
    return ImageRules(formats=frozenset({"png", "jpeg", "gif"}), max_per_record=10, max_bytes=10 * MB)


def _check_columns(plan: _Plan, source: Source) -> None:
    """For sources with a fixed schema, name a template field or image column that is not a column up front."""
    if source.kind not in ("hub", "disk") or not source.columns:
        return
    wanted = [("prompt template", f) for f in plan.prompt.fields] if plan.prompt is not None else []
    if plan.response is not None:
        wanted += [("response template", f) for f in plan.response.fields]
    if plan.reasoning is not None:
        wanted += [("reasoning template", f) for f in plan.reasoning.fields]
    if plan.settings.image_column:
        wanted.append(("image column", plan.settings.image_column))
    if plan.settings.messages_column:
        wanted.append(("messages column", plan.settings.messages_column))
    for where, name in wanted:
        if name.split(".")[0] not in source.columns and name not in source.columns:
            raise InputError(
                f"{where}: field {name!r} is not a column of {source.name}",
                hint="columns: " + ", ".join(source.columns),
            )


@dataclass(frozen=True)
class _Assignment:
    """Which records go where: the first ``train_n`` of the training split (those in ``held_out`` to validation)
    and the first ``validation_n`` of the source's validation split."""

    train_split: str
    train_n: int
    validation_split: str | None = None
    validation_n: int = 0
    held_out: frozenset[int] = frozenset()
    test_split: str | None = None  # the source's test split: written to test.jsonl, never trained on
    test_n: int = 0

    @property
    def total(self) -> int:
        return self.train_n + self.validation_n + self.test_n

    @property
    def has_validation(self) -> bool:
        return bool(self.held_out) or self.validation_n > 0

    @property
    def validation_from(self) -> str | None:
        if self.validation_split and self.validation_n:
            return f"source split {self.validation_split}"
        return "fraction" if self.held_out else None


def _assign(source: Source, settings: GenerateSettings, plan: _Plan, notes: list[str]) -> _Assignment:
    """Decide the split without reading the records: a seeded sample of indices when a fraction is asked for."""
    assignment = _assign_training(source, settings, plan, notes)
    if source.test_split is None:
        return assignment
    test_n = source.count(source.test_split)
    if settings.limit is not None:
        test_n = min(test_n, settings.limit)
    return replace(assignment, test_split=source.test_split, test_n=test_n)


def _assign_training(source: Source, settings: GenerateSettings, plan: _Plan, notes: list[str]) -> _Assignment:
    train_n = source.count(source.train_split)
    if settings.limit is not None:
        train_n = min(train_n, settings.limit)
    if source.validation_split:
        if plan.spec is not None and not plan.spec.accepts_validation:
            notes.append(
                f"the source's {source.validation_split!r} split was not used: "
                f"{plan.spec.display_name} accepts no validation set"
            )
        else:
            val_n = source.count(source.validation_split)
            if settings.limit is not None:
                val_n = min(val_n, settings.limit)
            if settings.validation_split:
                notes.append(f"the source has a {source.validation_split!r} split: used it (validation_split ignored)")
            return _Assignment(source.train_split, train_n, source.validation_split, val_n)
    if settings.validation_split and train_n >= 2:
        k = min(train_n - 1, max(1, round(train_n * settings.validation_split)))
        held_out = frozenset(random.Random(settings.seed).sample(range(train_n), k))
        return _Assignment(source.train_split, train_n, held_out=held_out)
    return _Assignment(source.train_split, train_n)


def _records(source: Source, assignment: _Assignment) -> Iterator[tuple[str, SourceRecord]]:
    for record in source.records(assignment.train_split):
        if record.index >= assignment.train_n:
            break
        if record.index in assignment.held_out:
            yield VALIDATION, record
        else:
            yield TRAIN, record
    if assignment.validation_split and assignment.validation_n:
        for record in source.records(assignment.validation_split):
            if record.index >= assignment.validation_n:
                break
            yield VALIDATION, record
    if assignment.test_split and assignment.test_n:
        for record in source.records(assignment.test_split):
            if record.index >= assignment.test_n:
                break
            yield TEST, record


# -- one record ----------------------------------------------------------------------------------------------------


def _build(record: SourceRecord, plan: _Plan, store: ImageStore | None) -> tuple[str, list[StoredImage]]:
    """One record's JSONL line, and the images it stored (not those it only names in the bucket)."""
    if record.error is not None:
        raise record.error
    fields_ = record.fields or {}
    response = plan.response.render(fields_, record.label) if plan.response is not None else None
    reasoning = plan.reasoning.render(fields_, record.label) if plan.reasoning is not None else None
    if reasoning is not None and not reasoning.strip():
        reasoning = None  # no reasoning for this record: the field is empty
    images: list[StoredImage] = []
    blocks: list[StoredImage | ImageReference] = []
    column = plan.settings.image_column
    if column and store is not None:
        value = lookup(fields_, column.split("."), record.label) if column not in fields_ else fields_[column]
        if value is None or value == "":
            raise RecordError(record.label, column, "has no image")
        values = value if isinstance(value, list) else [value]
        for n, item in enumerate(values):
            name = column if len(values) == 1 else f"{column}.{n}"
            if isinstance(item, str) and item.startswith("s3://"):
                blocks.append(_image_reference(item, plan, record.label, name))
                continue
            stored = store.add(item, base_dir=record.base_dir, record=record.label, field_name=name)
            images.append(stored)
            blocks.append(stored)
    try:
        if plan.settings.messages_column:
            system, turns = _conversation_turns(fields_, plan.settings.messages_column, record.label)
            reference: Any = response
            if plan.record_format is RecordFormat.RFT and reference is None:
                reference = turns[-1][1] if turns[-1][0] == ASSISTANT else None
                if reference is None:
                    raise RecordError(
                        record.label,
                        plan.settings.messages_column,
                        "ends with no assistant turn to take the reference answer from: give a response template",
                    )
            built = build_turns_record(
                plan.record_format,
                system=plan.settings.system or system,
                turns=turns,
                images=blocks,
                location=plan.location,
                reasoning=reasoning,
                prompt_only=plan.prompt_only,
                reference_answer=reference,
            )
        else:
            assert plan.prompt is not None  # _plan_templates requires one without a messages column
            built = build_record(
                plan.record_format,
                system=plan.settings.system,
                prompt=plan.prompt.render(fields_, record.label),
                response=response,
                images=blocks,
                location=plan.location,
                reasoning=reasoning,
                prompt_only=plan.prompt_only,
                reference_answer=response,
            )
    except UsageError as exc:
        raise RecordError(record.label, plan.settings.messages_column, exc.message) from None
    return json.dumps(built, ensure_ascii=False, separators=(", ", ": ")), images


def _image_reference(uri: str, plan: _Plan, label: str, field_name: str) -> ImageReference:
    """An s3:// image value: kept as a reference when it names an image in the dataset's bucket."""
    bucket, _, key = uri[5:].partition("/")
    if not bucket or not key:
        raise RecordError(label, field_name, f"{uri[:200]!r} is not an s3://bucket/key URI")
    if bucket != plan.bucket:
        raise RecordError(
            label,
            field_name,
            f"the image {uri[:200]} is in bucket {bucket!r}, the dataset goes to {plan.bucket!r}: Bedrock reads media "
            "only from the dataset's bucket (copy it there, or give a local file)",
        )
    why = key_problem(key)
    if why:
        raise RecordError(label, field_name, f"{uri[:200]}: {why}")
    extension = key.rpartition(".")[2].lower() if "." in key.rpartition("/")[2] else ""
    fmt = S3_IMAGE_FORMATS.get(extension)
    if fmt is None:
        raise RecordError(
            label, field_name, f"{uri[:200]}: the format is not known from its name (.png, .jpg, .jpeg, .gif, .webp)"
        )
    rules = plan.spec.images if plan.spec is not None else None
    if rules is not None and fmt not in rules.formats:
        raise RecordError(
            label, field_name, f"{uri[:200]} is {fmt}: the model takes {', '.join(sorted(rules.formats))}"
        )
    return ImageReference(uri, fmt)


def _message_text(content: Any) -> str | None:
    """A message's text: a string, or a list of text parts ({"type": "text", "text"} or {"text"}); None otherwise."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and content:
        parts = []
        for part in content:
            text = part.get("text") if isinstance(part, dict) and part.get("type", "text") == "text" else None
            if not isinstance(text, str):
                return None
            parts.append(text)
        return "\n".join(parts)
    return None


def _conversation_turns(fields_: dict[str, Any], column: str, label: str) -> tuple[str | None, list[tuple[str, str]]]:
    """(system text, [(user | assistant, text)]) from a messages-style column, every rule of the format enforced:
    known roles, a system message only first, user first, alternating turns, text only, no empty turn."""
    value = lookup(fields_, column.split("."), label) if column not in fields_ else fields_[column]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise RecordError(label, column, "is a string that is not a JSON list of messages") from None
    if not isinstance(value, list) or not value:
        raise RecordError(label, column, "must be a non-empty list of messages")
    system: str | None = None
    turns: list[tuple[str, str]] = []
    for n, message in enumerate(value):
        where = f"{column}[{n}]"
        if not isinstance(message, dict):
            raise RecordError(label, where, "must be an object with a role and a content")
        raw_role = message.get("role", message.get("from"))
        role = ROLE_NAMES.get(raw_role.strip().lower()) if isinstance(raw_role, str) else None
        if role is None:
            known = ", ".join(sorted(ROLE_NAMES))
            raise RecordError(label, where, f"role {str(raw_role)[:40]!r} is not one of {known}")
        content = message.get("content", message.get("value", message.get("text")))
        text = _message_text(content)
        if text is None:
            raise RecordError(
                label, where, "content must be text (a string or text parts): put images in the image column"
            )
        if role == "system":
            if n != 0:
                raise RecordError(label, where, "a system message may come only first")
            system = text
            continue
        if not text.strip():
            raise RecordError(label, where, f"an empty {role} turn")
        if not turns and role != USER:
            raise RecordError(label, where, "the conversation must start with a user turn")
        if turns and turns[-1][0] == role:
            raise RecordError(label, where, f"two {role} turns in a row: user and assistant must alternate")
        turns.append((role, text))
    if not turns:
        raise RecordError(label, column, "holds no user turn")
    return system, turns


class _Origins:
    """The source record (``qa.jsonl line 12``, ``split train row 3``) of each line written to one file, compactly:
    a label's text before its last number is stored once, the numbers in an array."""

    def __init__(self) -> None:
        self._prefixes: list[str] = []
        self._prefix_ids: dict[str, int] = {}
        self._which = array("l")
        self._numbers = array("q")

    def add(self, label: str) -> None:
        prefix, _, number = label.rpartition(" ")
        if not (number.isascii() and number.isdigit() and len(number) < 18):
            prefix, number = label, "-1"
        if prefix not in self._prefix_ids:
            self._prefix_ids[prefix] = len(self._prefixes)
            self._prefixes.append(prefix)
        self._which.append(self._prefix_ids[prefix])
        self._numbers.append(int(number))

    def label(self, line: int) -> str | None:
        """The source record of the 1-based output ``line``; None past the end."""
        if not 1 <= line <= len(self._which):
            return None
        prefix, number = self._prefixes[self._which[line - 1]], self._numbers[line - 1]
        return prefix if number < 0 else f"{prefix} {number}"


def _name_source_records(report: ValidationReport, origins: dict[str, _Origins]) -> None:
    """Say which source record each problem with a written line comes from (the output line alone is no help)."""
    renamed = []
    for problem in report.problems:
        found = origins.get(problem.file)
        label = found.label(problem.line) if found is not None and problem.line is not None else None
        if label is not None:
            problem = replace(problem, message=f"from {label}: {problem.message}")
        renamed.append(problem)
    report.problems = renamed


def _drop_if_invalid(line: str, record: SourceRecord, ctx: CheckContext) -> None:
    for rule, severity, field_name, message in check_record(json.loads(line), ctx):
        if severity == ERROR:
            raise RecordError(record.label, field_name, f"{rule}: {message}")


# -- files ---------------------------------------------------------------------------------------------------------


class _Writer:
    """Writes the JSONL files under temporary names; ``commit`` renames them, ``discard`` removes what is left."""

    def __init__(self, out_dir: Path, *, with_validation: bool, with_test: bool = False) -> None:
        self.out_dir = out_dir
        self.counts = {TRAIN: 0, VALIDATION: 0, TEST: 0}
        self._temps: dict[str, tuple[Path, IO[str]]] = {}
        roles = [TRAIN] + ([VALIDATION] if with_validation else []) + ([TEST] if with_test else [])
        try:
            for role in roles:
                final = ROLE_FILES[role]
                handle, name = ordinary_temp_file(out_dir, prefix=f".{final}.", suffix=".tmp")
                self._temps[role] = (Path(name), os.fdopen(handle, "w", encoding="utf-8", newline="\n"))
        except BaseException:
            self.discard()  # the first temporary file, when the second cannot be made
            raise

    def write(self, role: str, line: str) -> None:
        self._temps[role][1].write(line + "\n")
        self.counts[role] += 1

    def commit(self) -> None:
        for role, (temp, handle) in list(self._temps.items()):
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            final = self.out_dir / ROLE_FILES[role]
            if role != TRAIN and self.counts[role] == 0:
                temp.unlink(missing_ok=True)
            else:
                os.replace(temp, final)
            del self._temps[role]
        for role in (VALIDATION, TEST):
            if self.counts[role] == 0:
                (self.out_dir / ROLE_FILES[role]).unlink(missing_ok=True)  # a stale one from an earlier run

    def discard(self) -> None:
        for temp, handle in self._temps.values():
            handle.close()
            temp.unlink(missing_ok=True)
        self._temps.clear()


def _prune_images(out_dir: Path, referenced: set[bytes]) -> None:
    """Remove stored images no written record points at (skipped records, earlier runs) and stray temp files."""
    images = out_dir / "images"
    if not images.is_dir():
        return
    for path in images.glob("*/*"):
        if not path.is_file():
            continue
        if _STORED_IMAGE_NAME.match(path.name):
            if bytes.fromhex(path.name.split(".")[0]) not in referenced:
                path.unlink()
        elif path.name.startswith(".tmp-"):
            path.unlink()
    for folder in images.iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


_FILES_MARK = "\0files\0"  # stands for the manifest's ``files`` while the rest of it is encoded


def _write_json_atomic(
    path: Path, document: dict[str, Any], *, more_files: Iterable[tuple[str, dict[str, Any]]] = ()
) -> None:
    """``json.dumps(document, indent=2) + "\\n"`` with ``more_files`` after the entries of ``document["files"]``,
    written as it is encoded (neither the whole text nor the whole file list is ever held)."""
    head = json.dumps({**document, "files": _FILES_MARK}, indent=2, ensure_ascii=False)
    before, marked, after = head.partition(f'\n  "files": {json.dumps(_FILES_MARK)}')
    if not marked:
        raise ValueError("a manifest needs a top-level files object")
    with replacing(path) as out:
        out.write(before + '\n  "files": {')
        written = 0
        for relative, facts in itertools.chain(document["files"].items(), more_files):
            member = json.dumps(facts, indent=2, ensure_ascii=False).replace("\n", "\n    ")
            out.write(f"{',' if written else ''}\n    {json.dumps(relative, ensure_ascii=False)}: {member}")
            written += 1
        out.write("\n  }" if written else "}")
        out.write(after + "\n")


def file_facts(path: Path) -> dict[str, Any]:
    """{"sha256", "records", "bytes"} of a JSONL file, read in chunks."""
    digest = hashlib.sha256()
    records = 0
    size = 0
    with path.open("rb") as handle:
        for line in handle:
            digest.update(line)
            size += len(line)
            if line.strip():
                records += 1
    return {"sha256": digest.hexdigest(), "records": records, "bytes": size}


# -- dataset identity and the S3 layout ----------------------------------------------------------------------------

IMAGES_FOLDER = "images"
DIGEST_CHARS_IN_PREFIX = 16  # 64 bits of the digest name the folder; the manifest holds all of it


def images_prefix(data_prefix: str) -> str:
    """Where every dataset's images go: ``DATA_PREFIX/images`` (keys ``images/ab/<sha256>.<ext>`` below it)."""
    return join_key(data_prefix, IMAGES_FOLDER)


def dataset_prefix(base: str, digest: str) -> str:
    """Where one dataset's JSONL files and manifest go: ``BASE/<first 16 hex digits of the digest>``."""
    return join_key(base, digest[:DIGEST_CHARS_IN_PREFIX])


def dataset_digest(
    files: dict[str, dict[str, Any]], *, base_model: str | None, record_format: str, customization_type: str
) -> str:
    """SHA-256 over the files (relative path, bytes, sha256) and what the data is for; the same data, the same digest.

    The S3 keys are left out on purpose: the JSONL keys hold the digest itself.
    """
    entries = ((path, files[path]["bytes"], files[path]["sha256"]) for path in sorted(files))
    return _digest_of_sorted(
        entries, base_model=base_model, record_format=record_format, customization_type=customization_type
    )


def _digest_of_sorted(
    entries: Iterable[tuple[str, int, str]], *, base_model: str | None, record_format: str, customization_type: str
) -> str:
    """``dataset_digest`` of (path, bytes, sha256) entries given sorted by path, fed one at a time."""
    # The SHA-256 of json.dumps({"base_model", "customization_type", "files": sorted([path, bytes, sha256], ...),
    # "record_format"}, sort_keys=True, separators=(",", ":")), fed one file at a time (the text is never whole).
    digest = hashlib.sha256()
    digest.update(f'{{"base_model":{json.dumps(base_model)},"customization_type":'.encode())
    digest.update(f'{json.dumps(customization_type)},"files":['.encode())
    for index, entry in enumerate(entries):
        text = json.dumps(list(entry), separators=(",", ":"))
        digest.update(("," + text if index else text).encode())
    digest.update(f'],"record_format":{json.dumps(record_format)}}}'.encode())
    return digest.hexdigest()


def _image_entries(out_dir: Path, referenced: set[bytes]) -> Iterator[tuple[str, int, str]]:
    """(``images/ab/<sha256>.<ext>``, bytes, sha256) of the stored images the written records point at, by path.

    The file's name is its SHA-256 (images.py writes it so), and it is hashed again here: the manifest states what
    is on disk, not what the name claims. One image at a time: nothing here grows with the dataset.
    """
    folder = out_dir / IMAGES_FOLDER
    found = 0
    if referenced and folder.is_dir():
        # Plain strings and one folder at a time (sorted as the paths would be), not a list of every image's Path.
        root = os.fspath(folder)
        with os.scandir(root) as entries:
            subfolders = sorted(
                entry.name for entry in entries if _IMAGE_FOLDER_NAME.match(entry.name) and entry.is_dir()
            )
        for subfolder in subfolders:
            with os.scandir(os.path.join(root, subfolder)) as entries:
                names = sorted(entry.name for entry in entries)
            for name in names:
                if (
                    not name.startswith(subfolder)
                    or not _STORED_IMAGE_NAME.match(name)
                    or bytes.fromhex(name.split(".")[0]) not in referenced
                ):
                    continue
                digest = hashlib.sha256()
                size = 0
                with open(os.path.join(root, subfolder, name), "rb") as handle:
                    for chunk in iter(lambda: handle.read(MB), b""):
                        digest.update(chunk)
                        size += len(chunk)
                found += 1
                yield f"{IMAGES_FOLDER}/{subfolder}/{name}", size, digest.hexdigest()
    if found != len(referenced):  # each name found is a distinct member of ``referenced``
        missing = len(referenced) - found
        raise InputError(
            f"{plural(missing, 'image')} the records point at {'is' if missing == 1 else 'are'} missing from {folder}"
        )


def _recorded(entries: Iterable[tuple[str, int, str]], spool: IO[str]) -> Iterator[tuple[str, int, str]]:
    """The entries, each also written down in ``spool`` as a ``path\\tbytes\\tsha256`` line."""
    for path, size, sha256 in entries:
        spool.write(f"{path}\t{size}\t{sha256}\n")
        yield path, size, sha256


def _replayed(spool: IO[str]) -> Iterator[tuple[str, int, str]]:
    """The entries ``_recorded`` wrote down, in the same order."""
    spool.seek(0)
    for line in spool:
        path, size, sha256 = line.rstrip("\n").split("\t")
        yield path, int(size), sha256


def _merged(*sorted_entries: Iterable[tuple[str, int, str]]) -> Iterator[tuple[str, int, str]]:
    return heapq.merge(*sorted_entries, key=lambda entry: entry[0])


def _write_manifest(
    plan: _Plan,
    source: Source,
    assignment: _Assignment,
    counts: dict[str, int],
    images: int,
    converted: int,
    skipped: int,
    paths: list[Path],
    report: ValidationReport,
    *,
    referenced: set[bytes] | None = None,
    test_path: Path | None = None,
    test_split: str | None = None,
) -> dict[str, Any]:
    """Write OUT/manifest.json (the contract keys, every written file with its S3 key, the dataset digest); return it
    without the images' entries in ``files``, which are written one at a time and never held together.

    ``paths`` are the JSONL files; ``referenced`` the SHA-256 digests of the images the records point at (their files
    are found under the JSONL files' folder, OUT or the folder being built).
    """
    s = plan.settings
    out_dir = paths[0].parent
    files: dict[str, dict[str, Any]] = {p.name: file_facts(p) for p in paths}
    # The images' entries are hashed once and kept on disk between the digest and the manifest's text: an unnamed
    # temporary file (nothing is left behind) of about 100 bytes an image, instead of about 650 bytes in memory.
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=out_dir) as spool:
        data_files = sorted((name, facts["bytes"], facts["sha256"]) for name, facts in files.items())
        digest = _digest_of_sorted(
            _merged(data_files, _recorded(_image_entries(out_dir, referenced or set()), spool)),
            base_model=s.base_model,
            record_format=plan.record_format.value,
            customization_type=plan.customization_type.value,
        )
        prefix = dataset_prefix(plan.prefix, digest)
        for name, facts in files.items():
            facts["key"] = join_key(prefix, name)
        document = _manifest_document(
            plan,
            source,
            assignment,
            counts={**counts, "images": images, "converted_images": converted, "skipped": skipped},
            report=report,
            digest=digest,
            prefix=prefix,
            files=files,
            test=None if test_path is None else {"file": test_path.name, "split": test_split, **file_facts(test_path)},
        )
        images_files = (
            (path, {"sha256": sha256, "bytes": size, "key": join_key(plan.image_root, path)})
            for path, size, sha256 in _replayed(spool)
        )
        _write_json_atomic(out_dir / MANIFEST_NAME, document, more_files=images_files)
    return document


def _manifest_document(
    plan: _Plan,
    source: Source,
    assignment: _Assignment,
    *,
    counts: dict[str, int],
    report: ValidationReport,
    digest: str,
    prefix: str,
    files: dict[str, dict[str, Any]],
    test: dict[str, Any] | None,
) -> dict[str, Any]:
    s = plan.settings
    return {
        "tool": "bedrock-ft",
        "version": __version__,
        "created": now_utc(),
        "base_model": s.base_model,
        "family": plan.spec.family if plan.spec else None,
        "record_format": plan.record_format.value,
        "customization_type": plan.customization_type.value,
        "name": plan.prefix.rsplit("/", 1)[-1] or None,
        "digest": digest,
        "bucket": plan.bucket,
        "prefix": prefix,
        "images_prefix": images_prefix(plan.image_root),
        "bucket_owner": plan.bucket_owner,
        "counts": {
            "train": counts[TRAIN],
            "validation": counts[VALIDATION],
            "images": counts["images"],
            "converted_images": counts["converted_images"],
            "skipped": counts["skipped"],
            "test": counts.get(TEST, 0),
        },
        "files": files,
        # Held-out evaluation data from the source's test split: beside the files above, never uploaded with them.
        "test": test,
        "settings": {
            "source": s.source,
            "source_kind": source.kind,
            "subset": s.subset,
            "split": source.train_split,
            "validation_from": assignment.validation_from,
            "system": s.system,
            "prompt_template": s.prompt_template,
            "response_template": s.response_template,
            "image_column": s.image_column,
            "format_override": s.record_format,
            "validation_split": s.validation_split,
            "seed": s.seed,
            "skip_invalid": s.skip_invalid,
            "limit": s.limit,
            "force_reencode": s.force_reencode,
            "data_prefix": s.data_prefix,
            "preset": s.preset,
        },
        "validation": {"errors": report.errors, "warnings": report.warnings},
    }
