"""Open a dataset source and stream its records, one split at a time.

A source is one of:

- a Hugging Face dataset name (``owner/name``, with an optional subset and split), loaded with
  ``datasets.load_dataset(name, subset, split=...)``; the same call takes a local folder of data files;
- a folder written by ``Dataset.save_to_disk`` / ``DatasetDict.save_to_disk``;
- an image folder: ``metadata.jsonl`` (or ``metadata.csv``) whose ``file_name`` column names an image beside it,
  exposed as the column ``image`` like the ``imagefolder`` loader does; or ``train/`` and ``validation/``
  sub-folders, each with its own metadata file;
- a JSONL or CSV file whose image column holds paths relative to the file.

Every file a record names must be inside the source's own folder (``Source.media_folders``: the JSONL or CSV file's
folder, the image folder, the saved dataset's folder; for the hub, the Hugging Face caches), or inside a folder the
user names as the media root; ``images.py`` enforces it. JSONL lines are read with bounds (``bounded_json``).

Records are read lazily; images are never decoded here (Hugging Face image columns are read with
``decode=False``, so their original bytes reach ``images.py``). A split named ``validation`` (or ``valid``,
``val``, ``dev``) is reported as the source's own validation split, and one named ``test`` as its held-out test
split (``generate`` writes it to ``test.jsonl`` for evaluation; it is never training data).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import re
import sys
import warnings
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bedrock_ft.core.bounded_json import MAX_LINE_BYTES, JsonInputError, iter_lines, line_too_long, parse_json
from bedrock_ft.core.errors import InputError
from bedrock_ft.data.templates import RecordError

VALIDATION_SPLIT_NAMES = ("validation", "valid", "val", "dev")
TEST_SPLIT_NAMES = ("test",)
METADATA_FILES = ("metadata.jsonl", "metadata.csv")


@dataclass
class SourceRecord:
    """One record of a split: its fields, or the error met reading it."""

    index: int  # 0-based position in its split
    label: str  # where it came from, for messages: "qa.jsonl line 12", "split train row 3"
    fields: dict[str, Any] | None
    base_dir: Path | None = None  # relative image paths are resolved against this
    error: RecordError | None = None


@dataclass
class Source:
    """An opened source. ``records(split)`` streams a split; ``count(split)`` says how many records it has."""

    name: str
    kind: str  # hub | disk | imagefolder | jsonl | csv
    train_split: str
    validation_split: str | None
    columns: list[str] = field(default_factory=list)
    _splits: Mapping[str, _Split] = field(default_factory=dict, repr=False)
    # The folders the files its records name may be in: the dataset's own folder (or the Hugging Face caches).
    media_folders: tuple[Path, ...] = ()
    test_split: str | None = None  # the held-out test split, when the source has one

    @property
    def slug(self) -> str:
        return slugify(self.name)

    def count(self, split: str) -> int:
        return self._splits[split].count()

    def records(self, split: str) -> Iterator[SourceRecord]:
        return self._splits[split].records()


def slugify(name: str) -> str:
    """A short S3-safe name for a source: ``doodoo77/For_VLM_accessibility`` -> ``doodoo77-for-vlm-accessibility``."""
    text = name.rstrip("/\\")
    path = Path(text)
    if path.exists():
        text = path.resolve().stem if path.is_file() else path.resolve().name
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "dataset"


def open_source(
    name: str, *, subset: str | None = None, split: str | None = None, progress: bool | None = None
) -> Source:
    """Open ``name`` (see the module docstring). Raises InputError when it cannot be read.

    ``progress``: whether the Hugging Face libraries may draw their download and preparation bars on stderr;
    None draws them only when stderr is a terminal.
    """
    path = Path(name).expanduser()
    if path.is_file():
        if subset:
            raise InputError(
                f"a subset applies to Hugging Face datasets, not to the file {path}", hint="give none", setting="subset"
            )
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".json", ".ndjson"):
            reader: _Split = _JsonlSplit(path, path.parent)
            kind = "jsonl"
        elif suffix == ".csv":
            reader = _CsvSplit(path, path.parent)
            kind = "csv"
        else:
            raise InputError(
                f"cannot read {path}: only .jsonl and .csv files are read directly",
                hint="for other formats pass the folder holding them",
            )
        split_name = split or "train"
        return Source(name, kind, split_name, None, reader.columns(), {split_name: reader}, (path.parent,))
    if path.is_dir():
        if (path / "dataset_info.json").is_file() or (path / "dataset_dict.json").is_file():
            with _hf_progress_bars(progress):
                return _open_disk(name, path, split)
        if any((path / m).is_file() for m in METADATA_FILES) or any(
            (path / s / m).is_file()
            for s in ("train", *VALIDATION_SPLIT_NAMES, *TEST_SPLIT_NAMES)
            for m in METADATA_FILES
        ):
            return _open_image_folder(name, path, split)
        with _hf_progress_bars(progress):
            return _open_hub(str(path), subset, split, display=name, folder=path)
    if _looks_like_path(name):
        raise InputError(f"source {name} does not exist")
    with _hf_progress_bars(progress):
        return _open_hub(name, subset, split, display=name)


@contextlib.contextmanager
def _hf_progress_bars(show: bool | None) -> Iterator[None]:
    """The datasets and huggingface_hub progress bars off while loading, unless shown (by default: on a terminal)."""
    if show is None:
        show = bool(getattr(sys.stderr, "isatty", lambda: False)())
    import datasets
    import huggingface_hub.utils as hub

    restore = (not datasets.are_progress_bars_disabled(), not hub.are_progress_bars_disabled())
    if show or not any(restore):
        yield
        return
    with warnings.catch_warnings():  # an HF_*_DISABLE_PROGRESS_BARS=0 in the environment wins, with a warning
        warnings.simplefilter("ignore")
        datasets.disable_progress_bars()
        hub.disable_progress_bars()
    try:
        yield
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if restore[0]:
                datasets.enable_progress_bars()
            if restore[1]:
                hub.enable_progress_bars()


def _looks_like_path(name: str) -> bool:
    return (
        name.startswith((".", "/", "~"))
        or "\\" in name
        or name.count("/") > 1
        or Path(name).suffix in (".jsonl", ".json", ".csv", ".parquet")
    )


# -- the split readers ---------------------------------------------------------------------------------------------


class _Split(ABC):
    """One split of a source: how many records it has, and the records themselves, streamed."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def records(self) -> Iterator[SourceRecord]: ...

    def columns(self) -> list[str]:
        return []


class _JsonlSplit(_Split):
    """A JSONL file, streamed line by line. ``image_folder`` renames a ``file_name`` column (image folders).

    Read as bytes and decoded a line at a time: a line that is not UTF-8 becomes that record's error, and only a
    line feed ends a line (not a lone carriage return), so line numbers match the ones ``validate`` reports.
    """

    def __init__(self, path: Path, base_dir: Path, *, image_folder: bool = False) -> None:
        self.path = path
        self.base_dir = base_dir
        self.image_folder = image_folder

    def _open(self) -> Any:
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read {self.path}: {exc.strerror}") from None

    def count(self) -> int:
        with self._open() as handle:
            return sum(1 for _, line in iter_lines(handle) if line is None or line.strip())

    def columns(self) -> list[str]:
        with contextlib.closing(self.records()) as records:
            for record in records:
                return sorted(record.fields) if record.fields else []
        return []

    def records(self) -> Generator[SourceRecord, None, None]:
        index = 0
        with self._open() as handle:
            for number, raw in iter_lines(handle):
                if raw is not None and not raw.strip():
                    continue
                label = f"{self.path.name} line {number}"
                if raw is not None and number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[3:]
                yield self._record(index, label, raw)
                index += 1

    def _record(self, index: int, label: str, raw: bytes | None) -> SourceRecord:
        value: Any = None
        if raw is None:
            reason = line_too_long()
        else:
            try:
                value = parse_json(raw)
            except JsonInputError as exc:
                reason = exc.reason
            else:
                reason = "is not a JSON object"
        if not isinstance(value, dict):
            return SourceRecord(index, label, None, self.base_dir, RecordError(label, None, reason))
        return SourceRecord(index, label, _image_folder_fields(value) if self.image_folder else value, self.base_dir)


class _CsvSplit(_Split):
    def __init__(self, path: Path, base_dir: Path, *, image_folder: bool = False) -> None:
        self.path = path
        self.base_dir = base_dir
        self.image_folder = image_folder

    def _reader(self) -> Generator[tuple[int, dict[str, Any]], None, None]:
        csv.field_size_limit(MAX_LINE_BYTES)
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read {self.path}: {exc.strerror}") from None
        with handle:
            reader = csv.DictReader(self._lines(handle))
            try:
                for row in reader:
                    yield reader.line_num, {k: v for k, v in row.items() if k is not None}
            except csv.Error as exc:
                raise InputError(f"{self.path} line {reader.line_num}: not valid CSV: {exc}") from None

    def _lines(self, handle: Any) -> Iterator[str]:
        """The file's lines decoded one at a time, so a byte that is not UTF-8 is reported with its line."""
        for number, raw in iter_lines(handle):
            if raw is None:
                raise InputError(f"{self.path} line {number}: {line_too_long()}")
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{self.path} line {number}: not UTF-8 text (byte {exc.start + 1})", hint="save the CSV as UTF-8"
                ) from None

    def count(self) -> int:
        return sum(1 for _ in self._reader())

    def columns(self) -> list[str]:
        with contextlib.closing(self._reader()) as rows:
            for _, row in rows:
                return list(_image_folder_fields(row) if self.image_folder else row)
        return []

    def records(self) -> Iterator[SourceRecord]:
        for index, (line, row) in enumerate(self._reader()):
            fields = _image_folder_fields(row) if self.image_folder else row
            yield SourceRecord(index, f"{self.path.name} line {line}", fields, self.base_dir)


def _image_folder_fields(row: dict[str, Any]) -> dict[str, Any]:
    """``file_name`` becomes ``image`` and ``x_file_name`` becomes ``x``, as the imagefolder loader does."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key == "file_name":
            out["image"] = value
        elif key.endswith("_file_name"):
            out[key[: -len("_file_name")]] = value
        else:
            out[key] = value
    return out


class _HfSplit(_Split):
    def __init__(self, dataset: Any, split: str) -> None:
        self.dataset = _without_image_decoding(dataset)
        self.split = split

    def count(self) -> int:
        return len(self.dataset)

    def columns(self) -> list[str]:
        return list(self.dataset.column_names)

    def records(self) -> Iterator[SourceRecord]:
        for index, row in enumerate(self.dataset):
            yield SourceRecord(index, f"split {self.split} row {index}", dict(row), None)


def _without_image_decoding(dataset: Any) -> Any:
    """The dataset with every Image feature read as {"bytes", "path"}, so the original bytes are kept."""
    from datasets import Image
    from datasets.features.features import require_decoding

    features = dataset.features
    if not any(require_decoding(f) for f in features.values()):
        return dataset

    def undecoded(feature: Any) -> Any:
        if isinstance(feature, Image):
            return Image(decode=False)
        if isinstance(feature, dict):
            return type(feature)({k: undecoded(v) for k, v in feature.items()})
        if hasattr(feature, "feature") and hasattr(feature, "__dataclass_fields__"):
            import dataclasses

            return dataclasses.replace(feature, feature=undecoded(feature.feature))
        return feature

    for column, feature in features.items():
        if isinstance(feature, Image):
            dataset = dataset.cast_column(column, Image(decode=False))
        elif require_decoding(feature):
            dataset = dataset.cast_column(column, undecoded(feature))
    return dataset


# -- openers -------------------------------------------------------------------------------------------------------


def _pick_splits(available: list[str], split: str | None, source: str) -> tuple[str, str | None]:
    if split:
        if split not in available:
            raise InputError(f"{source} has no split {split!r}", hint="splits: " + ", ".join(available))
        train = split
    elif "train" in available:
        train = "train"
    elif len(available) == 1:
        train = available[0]
    else:
        raise InputError(
            f"{source} has several splits and none is called train",
            hint="choose the split to train on: " + ", ".join(available),
            setting="split",
        )
    validation = next((s for s in VALIDATION_SPLIT_NAMES if s in available and s != train), None)
    return train, validation


def _pick_test(available: list[str], *taken: str | None) -> str | None:
    """The source's test split: one named ``test`` that is neither the training nor the validation split."""
    return next((s for s in TEST_SPLIT_NAMES if s in available and s not in taken), None)


def _open_disk(name: str, path: Path, split: str | None) -> Source:
    import datasets

    try:
        loaded = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise InputError(f"cannot load the saved dataset in {path}: {exc}") from None
    test: str | None = None
    if isinstance(loaded, datasets.DatasetDict):
        train, validation = _pick_splits(list(loaded), split, str(path))
        test = _pick_test(list(loaded), train, validation)
        splits = {s: _HfSplit(loaded[s], s) for s in (train, validation, test) if s}
    else:
        train, validation = split or "train", None
        splits = {train: _HfSplit(loaded, train)}
    return Source(name, "disk", train, validation, splits[train].columns(), splits, (path,), test)


def _open_image_folder(name: str, path: Path, split: str | None) -> Source:
    folders: dict[str, Path] = {}
    if any((path / m).is_file() for m in METADATA_FILES):
        folders["train"] = path
    for sub in ("train", *VALIDATION_SPLIT_NAMES, *TEST_SPLIT_NAMES):
        if any((path / sub / m).is_file() for m in METADATA_FILES):
            folders[sub] = path / sub
    train, validation = _pick_splits(list(folders), split, str(path))
    test = _pick_test(list(folders), train, validation)
    splits: dict[str, _Split] = {}
    for split_name in (train, validation, test):
        if split_name is None:
            continue
        folder = folders[split_name]
        if (folder / "metadata.jsonl").is_file():
            splits[split_name] = _JsonlSplit(folder / "metadata.jsonl", folder, image_folder=True)
        else:
            splits[split_name] = _CsvSplit(folder / "metadata.csv", folder, image_folder=True)
    return Source(name, "imagefolder", train, validation, splits[train].columns(), splits, (path,), test)


def _open_hub(name: str, subset: str | None, split: str | None, *, display: str, folder: Path | None = None) -> Source:
    import datasets

    folders = (*((folder,) if folder is not None else ()), *_hf_cache_folders())
    try:
        if split:
            train_ds = datasets.load_dataset(name, subset, split=split)
            splits: dict[str, _Split] = {split: _HfSplit(train_ds, split)}
            validation, test = _hub_other_splits(name, subset, split)
            for other in (validation, test):
                if other:
                    splits[other] = _HfSplit(datasets.load_dataset(name, subset, split=other), other)
            return Source(display, "hub", split, validation, splits[split].columns(), splits, folders, test)
        loaded = datasets.load_dataset(name, subset)
    except InputError:
        raise
    except Exception as exc:  # datasets raises many kinds: not found, offline, bad config, bad split
        raise InputError(f"cannot load dataset {display!r}: {_hf_reason(exc)}", hint=_hf_hint(exc)) from None
    train, validation = _pick_splits(list(loaded), None, display)
    test = _pick_test(list(loaded), train, validation)
    splits = {s: _HfSplit(loaded[s], s) for s in (train, validation, test) if s}
    return Source(display, "hub", train, validation, splits[train].columns(), splits, folders, test)


def _hf_cache_folders() -> tuple[Path, ...]:
    """Where the Hugging Face libraries keep what they downloaded and extracted: a hub dataset's files are there."""
    import datasets.config
    import huggingface_hub.constants

    return (Path(datasets.config.HF_DATASETS_CACHE), Path(huggingface_hub.constants.HF_HUB_CACHE))


def _hub_other_splits(name: str, subset: str | None, split: str) -> tuple[str | None, str | None]:
    """The validation and test splits beside an explicitly chosen training split."""
    import datasets

    if "[" in split or split in VALIDATION_SPLIT_NAMES or split in TEST_SPLIT_NAMES:
        return None, None
    try:
        available = datasets.get_dataset_split_names(name, subset)
    except Exception:  # the split names are a nicety: without them, no validation or test split is used
        return None, None
    validation = next((s for s in VALIDATION_SPLIT_NAMES if s in available and s != split), None)
    return validation, _pick_test(available, split, validation)


def _hf_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _hf_hint(exc: Exception) -> str | None:
    text = str(exc)
    if "offline" in text.lower() or isinstance(exc, ConnectionError):
        return (
            "the Hugging Face hub cannot be reached (HF_HUB_OFFLINE / no network): use a local copy "
            "(save_to_disk folder, JSONL, CSV or image folder)"
        )
    if "config" in text.lower():
        return "check the subset (the dataset's configuration name)"
    if "split" in text.lower():
        return "check the split's name"
    return None
