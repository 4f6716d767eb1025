"""generate does each piece of work once: an image folder is made once, and what the image store learned when it
decoded an image (format, size, bytes) is what the checks after writing use; no written image is opened again."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bedrock_ft.core.models import find_model
from bedrock_ft.data import images, record_checks
from bedrock_ft.data.generate import GenerateSettings, generate_dataset
from bedrock_ft.data.images import ImageStore
from bedrock_ft.data.presets import load_preset
from helpers.dataset_helpers import BUCKET, NOVA, OWNER


def vision(accessibility_dir: Path, out: Path) -> GenerateSettings:
    base = GenerateSettings(out_dir=out, bucket=BUCKET, bucket_owner=OWNER)
    return base.with_preset(load_preset(accessibility_dir / "preset-nova.toml"))


def test_generate_opens_no_image_again_after_writing_it(
    accessibility_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def inspect_file(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a written image was opened again")

    monkeypatch.setattr(images, "inspect_file", inspect_file)
    monkeypatch.setattr(record_checks, "inspect_file", inspect_file, raising=False)  # wherever it is imported
    result = generate_dataset(vision(accessibility_dir, tmp_path / "out"))
    assert result.ok
    assert result.validation.images_checked == result.counts["images"] > 0


def test_the_checks_after_generate_see_the_facts_the_store_learned(accessibility_dir: Path, tmp_path: Path) -> None:
    result = generate_dataset(vision(accessibility_dir, tmp_path / "out"))
    report = result.validation
    assert "image-local" not in report.by_rule() and report.images_checked == result.counts["images"]


def test_generate_makes_each_image_folder_once(
    accessibility_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    real = os.makedirs

    def makedirs(name: Any, *args: Any, **kwargs: Any) -> None:
        made.append(os.fspath(name))
        real(name, *args, **kwargs)

    monkeypatch.setattr(images.os, "makedirs", makedirs)
    generate_dataset(vision(accessibility_dir, tmp_path / "out"))
    image_folders = [m for m in made if os.sep + "images" + os.sep in m]
    assert image_folders and len(image_folders) == len(set(image_folders))


def _store(tmp_path: Path) -> ImageStore:
    spec = find_model(NOVA)
    assert spec.images is not None
    return ImageStore(tmp_path / "out", spec.images)


def test_the_store_gives_the_facts_of_an_image_it_wrote(tmp_path: Path, make_image: Any) -> None:
    path = make_image("a.png", size=(40, 30))
    store = _store(tmp_path)
    stored = store.add(path.read_bytes(), base_dir=None, record="r1", field_name="img")
    assert store.facts(stored.relative_path) == ("png", 40, 30, path.stat().st_size)


def test_the_store_knows_nothing_of_a_path_with_another_extension(tmp_path: Path, make_image: Any) -> None:
    store = _store(tmp_path)
    stored = store.add(make_image("a.png").read_bytes(), base_dir=None, record="r1", field_name="img")
    assert store.facts(stored.relative_path.replace(".png", ".jpg")) is None


def test_the_store_knows_nothing_of_a_path_that_is_not_a_stored_name(tmp_path: Path) -> None:
    store = _store(tmp_path)
    digest = hashlib.sha256(b"x").hexdigest()
    for path in (f"images/{digest[:2]}/{digest}.png", f"images/zz/{digest}.png", "images/ab/x.png", "../a.png"):
        assert store.facts(path) is None


@given(
    fmt=st.sampled_from(sorted(images.EXTENSIONS)),
    width=st.integers(min_value=0, max_value=2**40),
    height=st.integers(min_value=0, max_value=2**40),
    size=st.integers(min_value=0, max_value=2**50),
)
def test_an_images_facts_come_back_as_they_were_packed(fmt: str, width: int, height: int, size: int) -> None:
    assert images._unpack(images._pack(fmt, width, height, size)) == (fmt, width, height, size)


def test_a_stored_image_carries_the_digest_the_store_keeps(tmp_path: Path, make_image: Any) -> None:
    store = _store(tmp_path)
    stored = store.add(make_image("a.png").read_bytes(), base_dir=None, record="r1", field_name="img")
    kept = next(iter(store._facts))
    assert stored.digest == bytes.fromhex(stored.relative_path.rsplit("/", 1)[1].split(".")[0])
    assert stored.digest is kept  # one bytes object per image, shared with generate's sets
