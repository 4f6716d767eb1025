"""Hostile inputs through validate: records whose image keys leave the images folder, links out of it, images that
do not decode, bombs, and files whose lines no reader should trust."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bedrock_ft.cli import main
from bedrock_ft.core.errors import InputError
from bedrock_ft.data.validate import validate_files
from helpers.hostile_helpers import BUCKET, OWNER, bomb_png, jpeg_bytes, png_bytes

LLAMA = "meta.llama3-2-11b-instruct-v1:0"


def record(key: str, fmt: str = "png") -> dict:
    location = {"uri": f"s3://{BUCKET}/{key}", "bucketOwner": OWNER}
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": "What is shown?"},
                    {"image": {"format": fmt, "source": {"s3Location": location}}},
                ],
            },
            {"role": "assistant", "content": [{"text": "A square."}]},
        ],
    }


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """tmp/local/images (the images folder named to validate), tmp/outside/secret.png, tmp/train.jsonl."""
    images = tmp_path / "local" / "images"
    images.mkdir(parents=True)
    (images / "ok.png").write_bytes(png_bytes())
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(png_bytes((20_000 // 2, 10), (1, 2, 3)))  # 10000 px wide: over Llama's side
    return {"local": tmp_path / "local", "images": images, "outside": outside, "train": tmp_path / "train.jsonl"}


def run(layout: dict[str, Path], records: list[dict]) -> list:
    layout["train"].write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    report = validate_files([layout["train"]], base_model=LLAMA, images_dir=layout["local"])
    return [p for p in report.problems if p.line == len(records)]


def test_key_climbing_out_of_the_images_folder_is_not_read(layout: dict[str, Path]) -> None:
    problems = run(layout, [record("images/../../outside/secret.png")])
    assert [(p.rule, p.severity) for p in problems] == [("image-local", "warning")]  # no local copy: not read
    assert "pixels" not in {p.rule for p in problems}


def test_symlink_in_the_images_folder_to_outside_is_not_read(layout: dict[str, Path]) -> None:
    (layout["images"] / "link.png").symlink_to(layout["outside"] / "secret.png")
    problems = run(layout, [record("images/link.png")])
    assert [(p.rule, p.severity) for p in problems] == [("image-local", "warning")]


def test_symlink_inside_the_images_folder_is_followed(layout: dict[str, Path]) -> None:
    (layout["images"] / "alias.png").symlink_to(layout["images"] / "ok.png")
    assert run(layout, [record("images/alias.png")]) == []


def test_truncated_jpeg_is_an_error(layout: dict[str, Path]) -> None:
    data = jpeg_bytes()
    (layout["images"] / "cut.jpg").write_bytes(data[: len(data) // 2])
    problems = run(layout, [record("images/cut.jpg", "jpeg")])
    assert [(p.rule, p.severity) for p in problems] == [("image-local", "error")]
    assert "damaged or truncated" in problems[0].message


def test_decompression_bomb_is_an_error_not_a_crash(layout: dict[str, Path]) -> None:
    (layout["images"] / "bomb.png").write_bytes(bomb_png(14_000, 14_000))
    problems = run(layout, [record("images/bomb.png")])
    assert [(p.rule, p.severity) for p in problems] == [("image-local", "error")]
    assert "decompression bomb" in problems[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_in_the_images_folder_is_not_opened(layout: dict[str, Path]) -> None:
    os.mkfifo(layout["images"] / "pipe.png")
    problems = run(layout, [record("images/pipe.png")])
    assert [(p.rule, p.severity) for p in problems] == [("image-local", "warning")]


def test_manifest_folder_keys_cannot_climb_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "secret.png").write_bytes(bomb_png(14_000, 14_000))  # would be an error if it were read
    manifest = {"tool": "bedrock-ft", "base_model": LLAMA, "bucket": BUCKET, "prefix": "data/x"}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    train = out / "train.jsonl"
    train.write_text(json.dumps(record("data/x/../../../secret.png")) + "\n", encoding="utf-8")
    problems = validate_files([train]).problems
    assert ("image-local", "warning") in {(p.rule, p.severity) for p in problems}
    assert not any("decompression" in p.message for p in problems)


def test_manifest_of_the_wrong_shape_is_ignored(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"tool": "bedrock-ft", "base_model": ["x"]}), encoding="utf-8")
    (out / "train.jsonl").write_text(json.dumps(record("images/ok.png")) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match="say which model"):
        validate_files([out / "train.jsonl"])


def test_deeply_nested_line_is_a_json_line_error(layout: dict[str, Path]) -> None:
    layout["train"].write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    problems = validate_files([layout["train"]], base_model=LLAMA).problems
    assert [(p.rule, p.line) for p in problems if p.rule == "json-line"] == [("json-line", 1)]
    assert "nested deeper than" in problems[0].message


def test_lone_surrogate_escape_is_a_json_line_error(layout: dict[str, Path]) -> None:
    layout["train"].write_text('{"schemaVersion": "\\ud800"}\n', encoding="utf-8")
    problems = validate_files([layout["train"]], base_model=LLAMA).problems
    assert any(p.rule == "json-line" and "lone surrogate" in p.message for p in problems)


def test_line_over_the_length_limit_is_an_error_and_the_next_line_is_read(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bedrock_ft.core.bounded_json as bounded_json

    monkeypatch.setattr(bounded_json, "MAX_LINE_BYTES", 64)
    layout["train"].write_text('{"prompt": "' + "x" * 500 + '"}\n{}\n', encoding="utf-8")
    report = validate_files([layout["train"]], record_format="prompt-completion")
    assert [(p.rule, p.line, p.message) for p in report.problems if p.rule == "json-line"] == [
        ("json-line", 1, "the line is longer than 64 bytes")
    ]
    assert report.files[0].lines == 2


def test_images_dir_that_is_a_file_is_an_input_error(layout: dict[str, Path]) -> None:
    layout["train"].write_text(json.dumps(record("images/ok.png")) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="is not a folder"):
        validate_files([layout["train"]], base_model=LLAMA, images_dir=layout["images"] / "ok.png")


def test_command_line_validate_with_a_bomb_exits_1_without_traceback(
    layout: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (layout["images"] / "bomb.png").write_bytes(bomb_png(14_000, 14_000))
    layout["train"].write_text(json.dumps(record("images/bomb.png")) + "\n", encoding="utf-8")
    code = main(["validate", str(layout["train"]), "--base-model", LLAMA, "--images-dir", str(layout["local"])])
    captured = capsys.readouterr()
    assert code == 1
    assert "decompression bomb" in captured.out and "Traceback" not in captured.out + captured.err
