"""Frictions a new user hit (issue 10, item 8): each fixed, each held by a test.

- a preset's validation split can be switched off from the command line (``--validation-split 0`` means none), and a
  model that accepts no validation set (Nova 2 Lite) refuses one with a clear error;
- a ``test`` split in a dataset is written to ``test.jsonl`` as held-out evaluation data, never uploaded as training
  data, and said so;
- float32 values render as the shortest decimal that reads back as the same float32;
- problems in a generated record name the source record (file and line, or split and row).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from bedrock_ft import cli as cli_module
from bedrock_ft.core.errors import UsageError
from bedrock_ft.data.generate import GenerateSettings, generate_dataset
from bedrock_ft.data.templates import Template, shortest_float
from bedrock_ft.job.upload import read_manifest
from helpers.dataset_helpers import BUCKET, TITAN

NOVA_2_LITE = "amazon.nova-2-lite-v1:0:256k"


def float32(number: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", number))[0])


def write_preset(folder: Path, source: Path, **values: object) -> Path:
    lines = [f"source = {json.dumps(str(source))}"] + [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path = folder / "preset.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def qa_source(write_jsonl) -> Path:
    return write_jsonl("src/qa.jsonl", [{"q": f"Question {i}?", "a": f"Answer {i}."} for i in range(20)])


# -- the validation split ----------------------------------------------------------------------------------------


def test_validation_split_zero_on_the_command_line_switches_a_presets_split_off(
    qa_source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preset = write_preset(
        tmp_path, qa_source, base_model=TITAN, prompt_template="{q}", response_template="{a}", validation_split=0.25
    )
    out = tmp_path / "out"
    code = cli_module.main(
        ["generate", "--preset", str(preset), "--validation-split", "0", "--out", str(out), "--output", "json"]
    )
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["manifest"]["counts"]["validation"] == 0 and document["manifest"]["counts"]["train"] == 20
    assert not (out / "validation.jsonl").exists()


def test_validation_split_zero_is_accepted_by_the_library_and_means_none(qa_source: Path, tmp_path: Path) -> None:
    settings = GenerateSettings(
        source=str(qa_source),
        out_dir=tmp_path / "out",
        base_model=TITAN,
        prompt_template="{q}",
        response_template="{a}",
        validation_split=0.0,
    )
    result = generate_dataset(settings)
    assert result.validation_path is None and result.counts["train"] == 20


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_validation_split_outside_zero_to_one_is_refused(qa_source: Path, tmp_path: Path, fraction: float) -> None:
    settings = GenerateSettings(
        source=str(qa_source),
        out_dir=tmp_path / "out",
        base_model=TITAN,
        prompt_template="{q}",
        response_template="{a}",
        validation_split=fraction,
    )
    with pytest.raises(UsageError, match="between 0"):
        generate_dataset(settings)


def test_a_presets_validation_split_for_nova_2_lite_is_refused_naming_the_preset_and_the_way_out(
    qa_source: Path, tmp_path: Path
) -> None:
    preset = write_preset(
        tmp_path,
        qa_source,
        base_model=NOVA_2_LITE,
        prompt_template="{q}",
        response_template="{a}",
        validation_split=0.1,
    )
    from bedrock_ft.data.presets import load_preset

    settings = GenerateSettings(out_dir=tmp_path / "out").with_preset(load_preset(preset))
    with pytest.raises(UsageError) as caught:
        generate_dataset(settings)
    assert "Nova 2 Lite accepts no validation set" in str(caught.value) and str(preset) in str(caught.value)
    assert caught.value.hint is not None and "validation split to 0" in caught.value.hint
    assert caught.value.settings == ("validation_split",)  # the command line adds "(--validation-split)"
    assert not (tmp_path / "out").exists()


def test_nova_2_lite_with_the_presets_split_switched_off_writes_no_validation_set(
    qa_source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preset = write_preset(
        tmp_path,
        qa_source,
        base_model=NOVA_2_LITE,
        prompt_template="{q}",
        response_template="{a}",
        validation_split=0.1,
    )
    out = tmp_path / "out"
    cli_module.main(["generate", "--preset", str(preset), "--validation-split", "0", "--out", str(out)])
    assert (out / "train.jsonl").is_file() and not (out / "validation.jsonl").exists()
    assert "validation-not-accepted" not in capsys.readouterr().out


# -- a test split ------------------------------------------------------------------------------------------------


@pytest.fixture
def saved_with_test_split(tmp_path: Path) -> Path:
    from datasets import Dataset, DatasetDict

    folder = tmp_path / "saved"
    DatasetDict(
        {
            "train": Dataset.from_dict({"q": [f"train {i}" for i in range(6)], "a": ["x"] * 6}),
            "test": Dataset.from_dict({"q": ["test 0", "test 1"], "a": ["y", "y"]}),
        }
    ).save_to_disk(str(folder))
    return folder


def saved_settings(source: Path, out: Path, **changes: object) -> GenerateSettings:
    values: dict[str, object] = {
        "source": str(source),
        "out_dir": out,
        "base_model": TITAN,
        "prompt_template": "{q}",
        "response_template": "{a}",
        "bucket": BUCKET,
        **changes,
    }
    return GenerateSettings(**values)  # type: ignore[arg-type]


def test_a_test_split_is_written_to_test_jsonl_and_not_trained_on(saved_with_test_split: Path, tmp_path: Path) -> None:
    result = generate_dataset(saved_settings(saved_with_test_split, tmp_path / "out"))
    test_lines = (tmp_path / "out" / "test.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["prompt"] for line in test_lines] == ["test 0", "test 1"]
    train_text = result.train_path.read_text(encoding="utf-8")
    assert "test 0" not in train_text and result.counts["train"] == 6
    assert result.counts["test"] == 2


def test_a_test_split_is_reported_in_the_notes_and_the_manifest(saved_with_test_split: Path, tmp_path: Path) -> None:
    result = generate_dataset(saved_settings(saved_with_test_split, tmp_path / "out"))
    assert any("'test' split (2 records) is in test.jsonl" in note for note in result.notes)
    assert result.manifest["test"]["file"] == "test.jsonl" and result.manifest["test"]["records"] == 2
    assert result.manifest["test"]["split"] == "test"


def test_a_test_split_is_never_uploaded(saved_with_test_split: Path, tmp_path: Path) -> None:
    generate_dataset(saved_settings(saved_with_test_split, tmp_path / "out"))
    uploaded = {entry.relative for entry in read_manifest(tmp_path / "out").files}
    assert "test.jsonl" not in uploaded and "train.jsonl" in uploaded


def test_a_test_split_follows_the_limit(saved_with_test_split: Path, tmp_path: Path) -> None:
    result = generate_dataset(saved_settings(saved_with_test_split, tmp_path / "out", limit=1))
    assert result.counts["test"] == 1


def test_a_source_without_a_test_split_writes_no_test_file(qa_source: Path, tmp_path: Path) -> None:
    result = generate_dataset(saved_settings(qa_source, tmp_path / "out"))
    assert result.manifest["test"] is None and not (tmp_path / "out" / "test.jsonl").exists()


def test_a_stale_test_file_is_removed_when_the_source_has_none(
    saved_with_test_split: Path, qa_source: Path, tmp_path: Path
) -> None:
    generate_dataset(saved_settings(saved_with_test_split, tmp_path / "out"))
    generate_dataset(saved_settings(qa_source, tmp_path / "out"))
    assert not (tmp_path / "out" / "test.jsonl").exists()


def test_training_on_the_test_split_itself_leaves_no_test_file(saved_with_test_split: Path, tmp_path: Path) -> None:
    result = generate_dataset(saved_settings(saved_with_test_split, tmp_path / "out", split="test"))
    assert result.counts["train"] == 2 and result.counts["test"] == 0


def test_an_image_folder_test_subfolder_is_the_test_split(tmp_path: Path, make_image) -> None:
    for split in ("train", "test"):
        make_image(f"folder/{split}/a.png")
        (tmp_path / "folder" / split / "metadata.jsonl").write_text(
            json.dumps({"file_name": "a.png", "q": split, "a": "x"}) + "\n", encoding="utf-8"
        )
    from bedrock_ft.data.sources import open_source

    source = open_source(str(tmp_path / "folder"))
    assert (source.train_split, source.test_split) == ("train", "test")


# -- float32 values ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [(0.134, "0.134"), (0.1, "0.1"), (1e-5, "1e-05"), (3.0, "3.0")])
def test_a_float32_renders_as_its_shortest_decimal(value: float, text: str) -> None:
    assert Template.parse("{x}").render({"x": float32(value)}) == text


def test_a_float64_keeps_every_digit() -> None:
    assert Template.parse("{x}").render({"x": 0.1234567890123}) == "0.1234567890123"


def test_float32_values_inside_json_and_lists_are_short_too() -> None:
    record = {"box": {"x": float32(0.134), "ys": [float32(0.7)]}}
    assert Template.parse("{box|json}").render(record) == '{"x": 0.134, "ys": [0.7]}'
    assert Template.parse("{box.ys|comma}").render(record) == "0.7"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e300])
def test_values_outside_float32_or_not_finite_render_unchanged(value: float) -> None:
    assert shortest_float(value) is value or shortest_float(value) == value


def test_a_float32_column_of_a_saved_dataset_renders_short(tmp_path: Path) -> None:
    from datasets import Dataset, Features, Value

    folder = tmp_path / "saved"
    Dataset.from_dict(
        {"q": ["score?"], "score": [0.134]}, features=Features({"q": Value("string"), "score": Value("float32")})
    ).save_to_disk(str(folder))
    result = generate_dataset(
        saved_settings(folder, tmp_path / "out", prompt_template="{q}", response_template="{score}")
    )
    assert json.loads(result.train_path.read_text(encoding="utf-8"))["completion"] == "0.134"


# -- problems name the source record -----------------------------------------------------------------------------


def test_a_problem_in_a_generated_record_names_the_source_file_and_line(write_jsonl, tmp_path: Path) -> None:
    long_answer = "word " * 6000  # ~5,000 tokens: above Titan Text's 4,096
    source = write_jsonl(
        "src/qa.jsonl",
        [],
        raw_lines=[
            json.dumps({"q": "one", "a": "short"}),
            "",
            json.dumps({"q": "two", "a": "short"}),
            json.dumps({"q": "three", "a": long_answer}),
        ],
    )
    result = generate_dataset(saved_settings(source, tmp_path / "out", bucket=None))
    problem = next(p for p in result.validation.problems if p.rule == "token-limit")
    assert problem.line == 3  # the third line written
    assert problem.message.startswith("from qa.jsonl line 4: ")  # the fourth line of the source


def test_a_problem_in_a_record_of_a_saved_dataset_names_its_split_and_row(tmp_path: Path) -> None:
    from datasets import Dataset

    folder = tmp_path / "saved"
    answers = ["fine"] * 4 + ["word " * 6000]
    Dataset.from_dict({"q": [f"q{i}" for i in range(5)], "a": answers}).save_to_disk(str(folder))
    result = generate_dataset(saved_settings(folder, tmp_path / "out", bucket=None))
    problem = next(p for p in result.validation.problems if p.rule == "token-limit")
    assert "from split train row 4: " in problem.message


def test_problems_about_a_whole_file_are_left_as_they_are(qa_source: Path, tmp_path: Path) -> None:
    result = generate_dataset(saved_settings(qa_source, tmp_path / "out", base_model=NOVA_2_LITE, bucket=None))
    counts = [p for p in result.validation.problems if p.rule == "record-count"]
    assert counts and counts[0].line is None and not counts[0].message.startswith("from ")


# -- legacy models -----------------------------------------------------------------------------------------------


def test_a_legacy_model_is_generated_for_with_a_warning_not_refused(qa_source: Path, tmp_path: Path) -> None:
    result = generate_dataset(saved_settings(qa_source, tmp_path / "out", bucket=None))
    assert result.counts["train"] == 20
    assert any("legacy" in note and "Titan Text" in note for note in result.notes)


def test_a_current_model_carries_no_legacy_note(qa_source: Path, tmp_path: Path) -> None:
    result = generate_dataset(
        saved_settings(qa_source, tmp_path / "out", bucket=None, base_model="meta.llama3-1-8b-instruct-v1:0:128k")
    )
    assert not any("legacy" in note for note in result.notes)
