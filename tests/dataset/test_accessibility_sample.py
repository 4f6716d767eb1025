"""The rendered accessibility sample: its shape, determinism, and the committed copy."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image

from bedrock_ft.core.models import NOVA_RESERVED_WORDS
from bedrock_ft.data.samples.accessibility import FAULTS, main, render_sample


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def test_records_have_the_vlm_accessibility_shape(tmp_path: Path) -> None:
    render_sample(tmp_path, count=12)
    records = [json.loads(line) for line in (tmp_path / "metadata.jsonl").read_text().splitlines()]
    assert len(records) == 12
    for record in records:
        assert {"file_name", "html", "outputs"} <= set(record)
        assert set(record["outputs"]) == {"rationale", "eval_items", "eval_reason", "plan"}
        assert isinstance(record["outputs"]["eval_items"], list) and record["outputs"]["eval_items"]
        assert (tmp_path / record["file_name"]).is_file()


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    render_sample(tmp_path / "a", count=6)
    render_sample(tmp_path / "b", count=6)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_every_fault_kind_appears_in_the_default_sample(accessibility_dir: Path) -> None:
    faults = {json.loads(line)["fault"] for line in (accessibility_dir / "metadata.jsonl").read_text().splitlines()}
    assert faults == {fault.key for fault in FAULTS}


def test_committed_sample_matches_the_script(accessibility_dir: Path, tmp_path: Path) -> None:
    render_sample(tmp_path, count=32)
    committed = (accessibility_dir / "metadata.jsonl").read_text()
    assert (tmp_path / "metadata.jsonl").read_text() == committed


@pytest.mark.parametrize(
    "name", ["system.txt", "preset-nova.toml", "preset-llama32-vision.toml", "preset-nova-2-lite.toml"]
)
def test_committed_presets_match_the_script(accessibility_dir: Path, tmp_path: Path, name: str) -> None:
    render_sample(tmp_path, count=1)
    assert (tmp_path / name).read_text() == (accessibility_dir / name).read_text()


def test_committed_records_are_distinct(accessibility_dir: Path) -> None:
    lines = (accessibility_dir / "metadata.jsonl").read_text().splitlines()
    keys = {(json.loads(line)["html"], json.loads(line)["outputs"]["rationale"]) for line in lines}
    assert len(keys) == len(lines) >= 24


def test_images_are_small_pngs(accessibility_dir: Path) -> None:
    for path in (accessibility_dir / "images").glob("*.png"):
        assert path.stat().st_size < 10_000
        assert Image.open(path).format == "PNG"


def test_sample_text_has_no_nova_reserved_words(accessibility_dir: Path) -> None:
    text = (accessibility_dir / "metadata.jsonl").read_text()
    assert not [word for word in NOVA_RESERVED_WORDS if word in text]


def test_count_option_renders_more_records(tmp_path: Path) -> None:
    assert main([str(tmp_path), "--count", "3"]) == 0
    assert len((tmp_path / "metadata.jsonl").read_text().splitlines()) == 3


def test_rerender_with_fewer_records_removes_stale_images(tmp_path: Path) -> None:
    render_sample(tmp_path, count=5)
    render_sample(tmp_path, count=2)
    assert len(list((tmp_path / "images").glob("*.png"))) == 2


def test_interrupted_render_keeps_the_previous_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bedrock_ft.data.samples.accessibility as sample

    render_sample(tmp_path, count=3)
    before = (tmp_path / "metadata.jsonl").read_bytes()
    real = sample.render_record

    def interrupted(index: int, seed: int):
        if index == 2:
            raise KeyboardInterrupt
        return real(index, seed)

    monkeypatch.setattr(sample, "render_record", interrupted)
    with pytest.raises(KeyboardInterrupt):
        render_sample(tmp_path, count=5)
    assert (tmp_path / "metadata.jsonl").read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))
