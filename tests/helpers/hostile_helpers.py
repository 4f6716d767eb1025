"""Hostile datasets, built in each test: a dataset folder, a secret image outside it, and what must not happen
(imported as a plain module by the hostile tests)."""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from PIL import Image

from bedrock_ft.data.generate import GenerateSettings

BUCKET = "test-bucket"
OWNER = "123456789012"
NOVA = "amazon.nova-lite-v1:0:300k"


def png_bytes(size: tuple[int, int] = (40, 30), color: Any = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (96, 96)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A real PNG of ``width`` x ``height`` black 1-bit pixels: a few kB that decode to width*height pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" + b"\0" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


class Scene:
    """tmp/dataset (the source), tmp/outside/secret.png (must never be read), tmp/out (OUT)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dataset = root / "dataset"
        self.dataset.mkdir()
        self.outside = root / "outside"
        self.outside.mkdir()
        self.secret = self.outside / "secret.png"
        self.secret.write_bytes(png_bytes((33, 33), (1, 2, 3)))
        self.out = root / "out"

    def image(self, name: str, data: bytes | None = None) -> Path:
        path = self.dataset / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png_bytes() if data is None else data)
        return path

    def jsonl(self, images: list[Any], name: str = "data.jsonl", *, good: int = 9) -> Path:
        """A JSONL source: ``good`` records with an image inside the dataset, then one record per value in
        ``images``."""
        self.image("ok.png")
        records = [{"q": f"Question {i}?", "a": f"Answer {i}.", "image": "ok.png"} for i in range(good)]
        records += [{"q": "Hostile?", "a": "Yes.", "image": value} for value in images]
        path = self.dataset / name
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        return path

    def settings(self, source: Path | str, **changes: Any) -> GenerateSettings:
        values: dict[str, Any] = {
            "source": str(source),
            "out_dir": self.out,
            "base_model": NOVA,
            "prompt_template": "{q}",
            "response_template": "{a}",
            "image_column": "image",
            "bucket": BUCKET,
            "bucket_owner": OWNER,
            **changes,
        }
        return GenerateSettings(**values)

    def assert_secret_not_in(self, folder: Path) -> None:
        """No file under ``folder`` holds the secret's bytes."""
        secret = self.secret.read_bytes()
        if folder.exists():
            for path in folder.rglob("*"):
                if path.is_file() and not path.is_symlink():
                    assert secret not in path.read_bytes(), f"{path} holds the secret's bytes"

    def assert_nothing_left(self) -> None:
        """No OUT and no temporary folder beside it."""
        assert sorted(p.name for p in self.root.iterdir()) == ["dataset", "outside"]


@contextlib.contextmanager
def opened_files() -> Iterator[list[str]]:
    """The real paths of every file opened (``os.open`` and ``open``) inside the block."""
    opened: list[str] = []
    real_os_open, real_open = os.open, builtins.open

    def note(path: Any) -> None:
        if isinstance(path, str | bytes | os.PathLike):
            opened.append(os.path.realpath(os.fsdecode(path)))

    def os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        note(path)
        return real_os_open(path, *args, **kwargs)

    def builtin_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        note(file)
        return real_open(file, *args, **kwargs)

    with mock.patch.object(os, "open", os_open), mock.patch.object(builtins, "open", builtin_open):
        yield opened
