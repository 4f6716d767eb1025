"""The prompt/completion sample: enough distinct question and answer pairs, and a preset that uses them."""

from __future__ import annotations

import json
from pathlib import Path

from bedrock_ft.data.presets import load_preset


def test_qa_sample_has_at_least_forty_distinct_pairs(qa_dir: Path) -> None:
    records = [json.loads(line) for line in (qa_dir / "qa.jsonl").read_text().splitlines()]
    assert len(records) >= 40
    assert len({r["question"] for r in records}) == len(records)
    assert len({r["answer"] for r in records}) == len(records)
    assert all(r["question"].endswith("?") and len(r["answer"]) > 40 for r in records)


def test_qa_preset_points_at_the_sample(qa_dir: Path) -> None:
    preset = load_preset(qa_dir / "preset-prompt-completion.toml")
    assert preset.source == str((qa_dir / "qa.jsonl").resolve())
