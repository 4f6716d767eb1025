"""Put a record's images into OUT/images with stable names, converting only what must change.

An image keeps its original bytes when its format is one the model accepts and it is within the model's byte and
pixel limits in an ordinary colour mode. Anything else (another format, CMYK or an odd mode, too large, too many
pixels, too small) is converted, and the store counts how many were. Files are named by the SHA-256 of the bytes
written, ``images/ab/<sha256>.png``, so the same image is stored once and names never change between runs.
Only one image is held in memory at a time.

Every image is fully decoded once (every frame), so a truncated or damaged file is an error here rather than at
Bedrock; images over Pillow's pixel limit (decompression bombs: ``DecompressionBombWarning`` as well as
``DecompressionBombError``) are refused before they are decoded. A path is read only when it resolves inside the
store's ``roots`` (``confined_files.MediaRoots``), only from a regular file, and only up to ``max_source_bytes``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from bedrock_ft.core import confined_files
from bedrock_ft.core.atomic_files import ordinary_temp_file
from bedrock_ft.core.confined_files import FileRefused, MediaRoots, read_regular_file
from bedrock_ft.core.models import ImageRules
from bedrock_ft.data.templates import RecordError

# Pillow's format name -> Bedrock's.
BEDROCK_FORMATS = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "WEBP": "webp"}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "gif": "gif", "webp": "webp"}
# Colour modes kept as they are, per format; others (CMYK, YCbCr, LAB, I;16, F, ...) are converted.
KEPT_MODES = {
    "png": {"1", "L", "LA", "P", "PA", "RGB", "RGBA"},
    "jpeg": {"L", "RGB"},
    "gif": {"L", "P"},
    "webp": {"RGB", "RGBA"},
}
DECODED_CACHE_SIZE = 1024  # source images remembered by digest, so a shared image is decoded once
FORMAT_BY_EXTENSION = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp"}


@dataclass(frozen=True)
class StoredImage:
    """One image as written under OUT: its path relative to OUT and what Bedrock will see."""

    relative_path: str  # images/ab/<sha256>.<ext>
    format: str  # png | jpeg | gif | webp
    width: int
    height: int
    size_bytes: int
    converted: bool
    reason: str | None = None  # why it was converted
    # The store's own copy of the digest: one bytes object per image, shared by the store's facts and the caller's sets.
    sha256: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def digest(self) -> bytes:
        """The SHA-256 of the stored bytes (32 bytes: what a run remembers per image, to keep memory small)."""
        if self.sha256 is not None:
            return self.sha256
        return bytes.fromhex(self.relative_path.rsplit("/", 1)[-1].split(".")[0])


@dataclass
class ImageStore:
    """Writes images under ``out_dir/images`` for a model's ``rules``.

    ``force_reencode`` re-encodes every image even when it could be kept (the benchmark compares the two).
    ``roots``: the folders image paths may resolve into (None: no path is read, only bytes and images).
    """

    out_dir: Path
    rules: ImageRules
    force_reencode: bool = False
    roots: MediaRoots | None = None
    max_source_bytes: int | None = None  # None: confined_files.MAX_SOURCE_IMAGE_BYTES
    written: int = 0  # image files this store wrote (an image already there is not written again)
    conversions: int = 0  # images converted, counting repeats
    reasons: Counter[str] = field(default_factory=Counter)
    # SHA-256 of source bytes -> what they became, so an image many records share is decoded once (bounded).
    _done: dict[bytes, StoredImage] = field(default_factory=dict, repr=False)
    # SHA-256 of the stored bytes -> (format, width, height, bytes) packed in one int (``_pack``): what the store
    # learned when it decoded the image, so the checks after writing need not open it again. About 100 bytes an
    # image (a tuple of four would be about 200), and the digest is the same object the StoredImage carries.
    _facts: dict[bytes, int] = field(default_factory=dict, repr=False)
    _folders: set[str] = field(default_factory=set, repr=False)  # the images/ab folders made so far

    def add(self, value: Any, *, base_dir: Path | None, record: str, field_name: str) -> StoredImage:
        """Store one image value: a path (relative to ``base_dir``), bytes, {"bytes", "path"} or a PIL image."""
        limit = self.max_source_bytes or confined_files.MAX_SOURCE_IMAGE_BYTES
        data, origin = _read(value, base_dir, record, field_name, self.roots, limit)
        key = hashlib.sha256(data).digest()
        stored = self._done.get(key)
        if stored is not None and os.path.isfile(os.path.join(self.out_dir, stored.relative_path)):
            if stored.converted:
                self.conversions += 1
                self.reasons[(stored.reason or "converted").split(":")[0]] += 1
            self._done[key] = self._done.pop(key)  # the most recently used is the last evicted
            return stored
        stored = self._prepare(data, origin, record, field_name)
        if len(self._done) >= DECODED_CACHE_SIZE:
            self._done.pop(next(iter(self._done)))
        self._done[key] = stored
        return stored

    def facts(self, relative_path: str) -> tuple[str, int, int, int] | None:
        """(format, width, height, bytes) of an image this store wrote at ``relative_path`` (images/ab/<sha256>.<ext>),
        as it learned them when it decoded the image; None for any other path."""
        folder, _, name = relative_path.rpartition("/")
        stem, _, extension = name.partition(".")
        if len(stem) != 64 or folder != f"images/{stem[:2]}":
            return None
        try:
            packed = self._facts.get(bytes.fromhex(stem))
        except ValueError:
            return None
        if packed is None:
            return None
        facts = _unpack(packed)
        return facts if EXTENSIONS[facts[0]] == extension else None

    def forget(self) -> None:
        """Drop what the store remembers per image (facts, decoded cache) once no check needs it; counts stay."""
        self._facts = {}
        self._done = {}

    @property
    def count(self) -> int:
        return self.written

    @property
    def converted_count(self) -> int:
        return self.conversions

    def _prepare(self, data: bytes, origin: str, record: str, field_name: str) -> StoredImage:
        try:
            image = decode(data)
        except ImageRefused as exc:
            raise RecordError(record, field_name, f"{origin} {exc.reason}") from None
        pillow_format = image.format or ""
        mode = image.mode
        width, height = image.size
        fmt = BEDROCK_FORMATS.get(pillow_format)
        why = self._why_convert(fmt, pillow_format, mode, width, height, len(data))
        if why is None:
            assert fmt is not None
            return self._write(data, fmt, width, height, converted=False, reason=None)
        try:
            out_bytes, out_fmt, out_size = self._convert(image, fmt)
        except Exception as exc:  # Pillow raises many kinds for images it cannot convert
            raise RecordError(record, field_name, f"{origin} cannot be converted ({exc})") from None
        if len(out_bytes) > self.rules.max_bytes:
            raise RecordError(record, field_name, f"{origin} stays over {self.rules.max_bytes} bytes after conversion")
        self.reasons[why.split(":")[0]] += 1
        return self._write(out_bytes, out_fmt, *out_size, converted=True, reason=why)

    def _why_convert(
        self, fmt: str | None, pillow_format: str, mode: str, width: int, height: int, size: int
    ) -> str | None:
        rules = self.rules
        if fmt is None or fmt not in rules.formats:
            return f"format: {pillow_format or 'unknown'} is not one of {', '.join(sorted(rules.formats))}"
        if mode not in KEPT_MODES[fmt]:
            return f"mode: {mode} colour"
        if rules.max_side and max(width, height) > rules.max_side:
            return f"pixels: {width}x{height} is over {rules.max_side} px a side"
        if rules.min_side and min(width, height) < rules.min_side:
            return f"pixels: {width}x{height} is under {rules.min_side} px a side"
        if size > rules.max_bytes:
            return f"bytes: {size} bytes is over {rules.max_bytes}"
        if self.force_reencode:
            return "forced: re-encode requested"
        return None

    def _convert(self, image: Image.Image, original: str | None) -> tuple[bytes, str, tuple[int, int]]:
        image = ImageOps.exif_transpose(image) or image
        has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
        if image.mode in ("I;16", "I;16B", "I;16L", "I"):
            image = image.point(lambda v: v / 256).convert("L")
        image = image.convert("RGBA" if has_alpha else "RGB")
        image = self._fit(image)
        target = "jpeg" if original == "jpeg" and not has_alpha and "jpeg" in self.rules.formats else None
        if target is None:
            target = "png" if "png" in self.rules.formats else sorted(self.rules.formats)[0]
        data = _encode(image, target)
        # Too many bytes: JPEG at falling quality (no alpha), then fewer pixels.
        quality_steps = [85, 70, 50]
        while len(data) > self.rules.max_bytes:
            if "jpeg" in self.rules.formats and quality_steps:
                if image.mode == "RGBA":
                    background = Image.new("RGB", image.size, "white")
                    background.paste(image, mask=image.getchannel("A"))
                    image = background
                target = "jpeg"
                data = _encode(image, target, quality=quality_steps.pop(0))
                continue
            if min(image.size) < 64:
                break
            image = image.resize(
                (max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)), Image.Resampling.LANCZOS
            )
            data = _encode(image, target, quality=50)
        return data, target, image.size

    def _fit(self, image: Image.Image) -> Image.Image:
        width, height = image.size
        rules = self.rules
        scale = 1.0
        if rules.max_side and max(width, height) > rules.max_side:
            scale = rules.max_side / max(width, height)
        elif rules.min_side and min(width, height) < rules.min_side:
            scale = rules.min_side / min(width, height)
        if scale == 1.0:
            return image
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if rules.min_side:
            size = (max(size[0], rules.min_side), max(size[1], rules.min_side))
        if rules.max_side:
            size = (min(size[0], rules.max_side), min(size[1], rules.max_side))
        return image.resize(size, Image.Resampling.LANCZOS)

    def _write(
        self, data: bytes, fmt: str, width: int, height: int, *, converted: bool, reason: str | None
    ) -> StoredImage:
        digest = hashlib.sha256(data).hexdigest()
        relative = f"images/{digest[:2]}/{digest}.{EXTENSIONS[fmt]}"
        # Plain strings, not pathlib, per image: pathlib interns every path part, which grows with the dataset.
        target = os.path.join(self.out_dir, "images", digest[:2], relative.rsplit("/", 1)[1])
        if not os.path.isfile(target):
            folder = os.path.dirname(target)
            if folder not in self._folders:  # each folder made once, not tried again for every image
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            handle, temp = ordinary_temp_file(folder, prefix=".tmp-", suffix="." + EXTENSIONS[fmt])
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
            self.written += 1
        if converted:
            self.conversions += 1
        sha256 = bytes.fromhex(digest)
        self._facts[sha256] = _pack(fmt, width, height, len(data))
        return StoredImage(relative, fmt, width, height, len(data), converted, reason, sha256)


_FORMATS = tuple(EXTENSIONS)  # a format's index in a packed fact
_FORMAT_BITS = max(1, (len(_FORMATS) - 1).bit_length())  # as many as the formats need: a new one cannot corrupt
_FIELD_BITS = 64  # width, height and size each get 64 bits: no image comes near, and Python's ints have no ceiling


def _pack(fmt: str, width: int, height: int, size: int) -> int:
    """(format, width, height, bytes) as one int: one object per image where a tuple would be five."""
    return ((size << _FIELD_BITS | height) << _FIELD_BITS | width) << _FORMAT_BITS | _FORMATS.index(fmt)


def _unpack(packed: int) -> tuple[str, int, int, int]:
    mask = (1 << _FIELD_BITS) - 1
    fmt, packed = _FORMATS[packed & ((1 << _FORMAT_BITS) - 1)], packed >> _FORMAT_BITS
    width, packed = packed & mask, packed >> _FIELD_BITS
    height, size = packed & mask, packed >> _FIELD_BITS
    return fmt, width, height, size


def _encode(image: Image.Image, fmt: str, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    if fmt == "jpeg":
        image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=True)
    elif fmt == "png":
        image.save(buffer, "PNG", optimize=False, compress_level=6)
    elif fmt == "webp":
        image.save(buffer, "WEBP", quality=quality)
    else:
        image.convert("P", palette=Image.Palette.ADAPTIVE).save(buffer, "GIF")
    return buffer.getvalue()


class ImageRefused(Exception):
    """Bytes that are not a usable image; ``reason`` completes a sentence whose subject is the image."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode(data: bytes) -> Image.Image:
    """The image in ``data``, fully decoded (every frame), with the first frame current; ImageRefused otherwise.

    A decompression bomb (more pixels than ``Image.MAX_IMAGE_PIXELS``) is refused before anything is decoded.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise ImageRefused("is not a readable image (not a format Pillow recognises)") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(f"is refused as a decompression bomb ({_bomb_reason(exc)})") from None
        except Exception as exc:  # Pillow raises many kinds for broken headers
            raise ImageRefused(f"is not a readable image ({_reason(exc)})") from None
        try:
            frames = int(getattr(image, "n_frames", 1) or 1)
            for frame in range(1, frames):
                image.seek(frame)
                image.load()
            if frames > 1:
                image.seek(0)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(f"is refused as a decompression bomb ({_bomb_reason(exc)})") from None
        except Exception as exc:  # truncated data, bad checksums, broken frames: Pillow raises many kinds
            raise ImageRefused(f"is a damaged or truncated image ({_reason(exc)})") from None
    return image


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _bomb_reason(exc: BaseException) -> str:
    return f"{_reason(exc)}; the limit is {Image.MAX_IMAGE_PIXELS} pixels"


def _read(
    value: Any, base_dir: Path | None, record: str, field_name: str, roots: MediaRoots | None, max_bytes: int
) -> tuple[bytes, str]:
    """The bytes of an image value and a short description of where they came from."""
    if isinstance(value, Mapping):
        raw = value.get("bytes")
        if raw is not None and not isinstance(raw, bytes | bytearray | memoryview):
            raise RecordError(record, field_name, f"the image's bytes are {type(raw).__name__}, not bytes")
        if raw:
            if len(raw) > max_bytes:
                raise RecordError(record, field_name, f"the image is {len(raw)} bytes: the limit is {max_bytes}")
            return bytes(raw), "image bytes" + (" (embedded)" if not isinstance(value.get("path"), str) else "")
        path = value.get("path")
        if path is None or path == "":
            raise RecordError(record, field_name, "the image value has neither bytes nor a path")
        return _read_path(path, base_dir, record, field_name, roots, max_bytes)
    if isinstance(value, bytes | bytearray | memoryview):
        if len(value) > max_bytes:
            raise RecordError(record, field_name, f"the image is {len(value)} bytes: the limit is {max_bytes}")
        return bytes(value), "image bytes"
    if isinstance(value, Image.Image):
        filename = getattr(value, "filename", None)
        if filename and roots is not None:
            with contextlib.suppress(FileRefused, OSError):
                real = roots.resolve(filename)
                return read_regular_file(real, max_bytes=max_bytes), real
        buffer = io.BytesIO()
        value.save(buffer, "PNG")
        return buffer.getvalue(), "a decoded image"
    if isinstance(value, str | os.PathLike):
        return _read_path(value, base_dir, record, field_name, roots, max_bytes)
    raise RecordError(record, field_name, f"holds {type(value).__name__}, not an image path, bytes or image")


def _read_path(
    value: Any, base_dir: Path | None, record: str, field_name: str, roots: MediaRoots | None, max_bytes: int
) -> tuple[bytes, str]:
    """The bytes of the image file ``value`` names: inside ``roots``, a regular file, at most ``max_bytes``."""
    if roots is None:
        roots = MediaRoots.of([], "any dataset folder (none was given)")
    try:
        real = roots.resolve(value, base_dir)
        return read_regular_file(real, max_bytes=max_bytes), real
    except FileRefused as exc:
        raise RecordError(record, field_name, exc.reason) from None
    except FileNotFoundError:
        raise RecordError(record, field_name, f"image file {os.fspath(value)} does not exist") from None
    except OSError as exc:
        raise RecordError(record, field_name, f"cannot read image file {os.fspath(value)}: {exc.strerror}") from None


def inspect_file(path: str | os.PathLike[str], *, decode_fully: bool = True) -> tuple[str | None, int, int, int]:
    """(Bedrock format or None, width, height, bytes) of a local image file; FileRefused or ImageRefused otherwise.

    Reads only a regular file of at most ``MAX_SOURCE_IMAGE_BYTES``; decodes it fully unless ``decode_fully`` is
    false (for images this package wrote itself after decoding them).
    """
    data = read_regular_file(path, max_bytes=confined_files.MAX_SOURCE_IMAGE_BYTES, follow_symlinks=True)
    if decode_fully:
        image = decode(data)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(io.BytesIO(data))
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise ImageRefused(f"is refused as a decompression bomb ({_bomb_reason(exc)})") from None
            except Exception as exc:  # Pillow raises many kinds for broken headers
                raise ImageRefused(f"is not a readable image ({_reason(exc)})") from None
    return BEDROCK_FORMATS.get(image.format or ""), image.width, image.height, len(data)
