"""Run-state files that are not run states: each an InputError saying so (and how to start over), never a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bedrock_ft.core.errors import InputError
from bedrock_ft.job.run import _load_state

GOOD = {
    "fingerprint": "f" * 64,
    "steps": {
        "generate": {"done": True, "out_dir": "work/data", "counts": {"train": 9}},
        "upload": {"done": True, "training_data": "s3://b/data/train.jsonl", "validation_data": None},
    },
}


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "run-state.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_run_state_is_read(tmp_path: Path) -> None:
    assert _load_state(write(tmp_path, GOOD)) == GOOD


def test_no_run_state_is_none(tmp_path: Path) -> None:
    assert _load_state(tmp_path / "run-state.json") is None


@pytest.mark.parametrize(
    ("document", "said"),
    [
        ([["fingerprint", "x"]], "it is not a JSON object"),
        (5, "it is not a JSON object"),
        ({"steps": {}}, "its fingerprint is not a string"),
        ({"fingerprint": ["x"], "steps": {}}, "its fingerprint is not a string"),
        ({"fingerprint": "x"}, "its steps are not an object"),
        ({"fingerprint": "x", "steps": []}, "its steps are not an object"),
        ({"fingerprint": "x", "steps": {"generate": "done"}}, "step 'generate' is not an object"),
        ({"fingerprint": "x", "steps": {"generate": {"done": "yes"}}}, "step 'generate': done is not true or false"),
        ({"fingerprint": "x", "steps": {"generate": {"done": True}}}, "step 'generate': out_dir is missing"),
        (
            {"fingerprint": "x", "steps": {"upload": {"done": True, "training_data": ["s3://b/k"]}}},
            "step 'upload': training_data is missing or not a string",
        ),
        (
            {"fingerprint": "x", "steps": {"upload": {"done": True, "training_data": "s3://k", "validation_data": 1}}},
            "step 'upload': validation_data is missing or not a string",
        ),
        ({"fingerprint": "x", "steps": {"submit": {"done": True, "job_arn": None}}}, "step 'submit': job_arn"),
    ],
)
def test_valid_json_of_the_wrong_shape_is_an_input_error(tmp_path: Path, document: object, said: str) -> None:
    with pytest.raises(InputError, match=f"is not a run state: {said}") as caught:
        _load_state(write(tmp_path, document))
    assert caught.value.hint == "delete it, or restart the run"
    assert caught.value.settings == ("restart",)


def test_an_unfinished_step_needs_no_fields(tmp_path: Path) -> None:
    state = {"fingerprint": "x", "steps": {"upload": {"done": False}}}
    assert _load_state(write(tmp_path, state)) == state


def test_deeply_nested_state_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "run-state.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputError, match="nested deeper than"):
        _load_state(path)


def test_state_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "run-state.json"
    path.write_bytes(b'{"fingerprint": "\xfe"}')
    with pytest.raises(InputError, match="not UTF-8"):
        _load_state(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_state_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "run-state.json")
    with pytest.raises(InputError, match="is a FIFO"):
        _load_state(tmp_path / "run-state.json")
