"""Put a record's images into OUT/images with stable names, converting only what must change.

An image keeps its original bytes when its format is one the model accepts and it is within the model's byte and
pixel limits in an ordinary colour mode. Anything else (another format, CMYK or an odd mode, too large, too many
pixels, too small) is converted, and the store counts how many were. Files are named by the SHA-256 of the bytes
written, ``images/ab/<sha256>.png``, so the same image is stored once and names never change between runs.
Only one image is held in memory at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from bedrock_ft.models import ImageRules
from bedrock_ft.templates import RecordError

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

    @property
    def digest(self) -> bytes:
        """The SHA-256 of the stored bytes (32 bytes: what a run remembers per image, to keep memory small)."""
        return bytes.fromhex(self.relative_path.rsplit("/", 1)[-1].split(".")[0])


@dataclass
class ImageStore:
    """Writes images under ``out_dir/images`` for a model's ``rules``.

    ``force_reencode`` re-encodes every image even when it could be kept (the benchmark compares the two).
    """

    out_dir: Path
    rules: ImageRules
    force_reencode: bool = False
    written: int = 0  # image files this store wrote (an image already there is not written again)
    conversions: int = 0  # images converted, counting repeats
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, value: Any, *, base_dir: Path | None, record: str, field_name: str) -> StoredImage:
        """Store one image value: a path (relative to ``base_dir``), bytes, {"bytes", "path"} or a PIL image."""
        data, origin = _read(value, base_dir, record, field_name)
        stored = self._prepare(data, origin, record, field_name)
        return stored

    @property
    def count(self) -> int:
        return self.written

    @property
    def converted_count(self) -> int:
        return self.conversions

    def _prepare(self, data: bytes, origin: str, record: str, field_name: str) -> StoredImage:
        try:
            image = Image.open(io.BytesIO(data))
            pillow_format = image.format or ""
            mode = image.mode
            width, height = image.size
        except UnidentifiedImageError:
            reason = f"{origin} is not a readable image (not a format Pillow recognises)"
            raise RecordError(record, field_name, reason) from None
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise RecordError(record, field_name, f"{origin} is not a readable image ({exc})") from None
        fmt = BEDROCK_FORMATS.get(pillow_format)
        why = self._why_convert(fmt, pillow_format, mode, width, height, len(data))
        if why is None:
            try:
                image.verify()
            except Exception as exc:  # Pillow raises many kinds for broken files
                raise RecordError(record, field_name, f"{origin} is a damaged image ({exc})") from None
            assert fmt is not None
            return self._write(data, fmt, width, height, converted=False, reason=None)
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
            out_bytes, out_fmt, out_size = self._convert(image, fmt)
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
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
            os.makedirs(folder, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix="." + EXTENSIONS[fmt])
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
        return StoredImage(relative, fmt, width, height, len(data), converted, reason)


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


def _read(value: Any, base_dir: Path | None, record: str, field_name: str) -> tuple[bytes, str]:
    """The bytes of an image value and a short description of where they came from."""
    if isinstance(value, Mapping):
        raw = value.get("bytes")
        if raw:
            return bytes(raw), f"image bytes ({value.get('path') or 'embedded'})"
        path = value.get("path")
        if not path:
            raise RecordError(record, field_name, "the image value has neither bytes nor a path")
        return _read_path(str(path), base_dir, record, field_name)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value), "image bytes"
    if isinstance(value, Image.Image):
        filename = getattr(value, "filename", None)
        if filename and os.path.isfile(filename):
            return _read_path(filename, None, record, field_name)
        buffer = io.BytesIO()
        value.save(buffer, "PNG")
        return buffer.getvalue(), "a decoded image"
    if isinstance(value, str | os.PathLike):
        if not str(value).strip():
            raise RecordError(record, field_name, "the image path is empty")
        return _read_path(str(value), base_dir, record, field_name)
    raise RecordError(record, field_name, f"holds {type(value).__name__}, not an image path, bytes or image")


def _read_path(text: str, base_dir: Path | None, record: str, field_name: str) -> tuple[bytes, str]:
    if text.startswith(("http://", "https://", "s3://")):
        raise RecordError(record, field_name, f"{text} is a URL: download the images and give local paths")
    path = os.path.expanduser(text)
    if not os.path.isabs(path) and base_dir is not None:
        path = os.path.join(base_dir, path)
    try:
        with open(path, "rb") as handle:
            return handle.read(), path
    except FileNotFoundError:
        raise RecordError(record, field_name, f"image file {path} does not exist") from None
    except OSError as exc:
        raise RecordError(record, field_name, f"cannot read image file {path}: {exc.strerror}") from None


def probe(path: str | os.PathLike[str]) -> tuple[str | None, int, int]:
    """(Bedrock format or None, width, height) of a local image, reading only its header. OSError if unreadable."""
    with Image.open(path) as image:
        return BEDROCK_FORMATS.get(image.format or ""), image.width, image.height
