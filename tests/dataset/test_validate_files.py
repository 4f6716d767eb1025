"""File-level validation: JSON lines, blank lines, record counts, media kinds, local images, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bedrock_ft.core.errors import InputError, UsageError
from bedrock_ft.data import validate
from bedrock_ft.data.validate import validate_files
from helpers.dataset_helpers import BUCKET, HAIKU, LLAMA_VISION, NOVA, OWNER, TITAN, conversation

NOVA_2 = "amazon.nova-2-lite-v1:0:256k"


def rules(report) -> set[str]:
    return {p.rule for p in report.problems if p.severity == "error"}


def pc(n: int) -> list[dict]:
    return [{"prompt": f"Q{i}", "completion": f"A{i}"} for i in range(n)]


def test_valid_file_passes(write_jsonl) -> None:
    report = validate_files([write_jsonl("train.jsonl", [conversation()] * 8)], base_model=NOVA)
    assert report.ok and report.errors == 0


def test_broken_json_line_is_flagged_with_its_line(write_jsonl) -> None:
    path = write_jsonl("train.jsonl", [], raw_lines=[json.dumps(conversation())] * 8 + ['{"schemaVersion": '])
    problem = next(p for p in validate_files([path], base_model=NOVA).problems if p.rule == "json-line")
    assert (problem.file, problem.line) == (str(path), 9)


@pytest.mark.parametrize("fast_from", [0, 1 << 40], ids=["msgspec", "json"])
def test_a_lone_surrogate_keeps_the_bounded_readers_message(
    write_jsonl, monkeypatch: pytest.MonkeyPatch, fast_from: int
) -> None:
    monkeypatch.setattr(validate, "FAST_DECODE_BYTES", fast_from)
    lines = [json.dumps(conversation())] * 8 + ['{"schemaVersion": "\\ud800"}']
    problem = next(
        p for p in validate_files([write_jsonl("train.jsonl", [], raw_lines=lines)], base_model=NOVA).problems
    )
    assert (problem.rule, problem.line) == ("json-line", 9) and "lone surrogate" in problem.message


@pytest.mark.parametrize("fast_from", [0, 1 << 40], ids=["msgspec", "json"])
def test_a_line_nested_too_deep_is_refused_with_its_line(
    write_jsonl, monkeypatch: pytest.MonkeyPatch, fast_from: int
) -> None:
    monkeypatch.setattr(validate, "FAST_DECODE_BYTES", fast_from)
    lines = [json.dumps(conversation())] * 8 + ['{"a": ' + "[" * 70 + "]" * 70 + "}"]
    problem = next(
        p for p in validate_files([write_jsonl("train.jsonl", [], raw_lines=lines)], base_model=NOVA).problems
    )
    assert (problem.rule, problem.line) == ("json-line", 9) and "nested deeper" in problem.message


@pytest.mark.parametrize("fast_from", [0, 1 << 40], ids=["msgspec", "json"])
def test_a_line_of_nan_is_refused(write_jsonl, monkeypatch: pytest.MonkeyPatch, fast_from: int) -> None:
    monkeypatch.setattr(validate, "FAST_DECODE_BYTES", fast_from)
    lines = [json.dumps(conversation())] * 8 + ['{"schemaVersion": NaN}']
    problem = next(
        p for p in validate_files([write_jsonl("train.jsonl", [], raw_lines=lines)], base_model=NOVA).problems
    )
    assert (problem.rule, problem.line) == ("json-line", 9)


def test_the_fast_decoder_and_json_find_the_same_problems(write_jsonl, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = conversation(prompt="User: hi")
    lines = [json.dumps(conversation())] * 7 + [json.dumps(bad), '{"a": 1e400}', '{"x": "\\udc00"}', "[1, 2", "7"]
    path = write_jsonl("train.jsonl", [], raw_lines=lines)
    monkeypatch.setattr(validate, "FAST_DECODE_BYTES", 0)
    fast = validate_files([path], base_model=NOVA).to_dict()
    monkeypatch.setattr(validate, "FAST_DECODE_BYTES", 1 << 40)
    assert validate_files([path], base_model=NOVA).to_dict() == fast


def test_blank_line_is_flagged(write_jsonl) -> None:
    line = json.dumps(conversation())
    path = write_jsonl("train.jsonl", [], raw_lines=[line] * 4 + [""] + [line] * 4)
    problem = next(p for p in validate_files([path], base_model=NOVA).problems if p.rule == "blank-line")
    assert problem.line == 5


def test_no_blank_line_passes(write_jsonl) -> None:
    path = write_jsonl("train.jsonl", [conversation()] * 8)
    assert "blank-line" not in rules(validate_files([path], base_model=NOVA))


def test_record_problem_names_file_line_and_field(write_jsonl) -> None:
    bad = conversation()
    bad["messages"][0]["role"] = "system"
    path = write_jsonl("train.jsonl", [conversation()] * 8 + [bad])
    problem = next(p for p in validate_files([path], base_model=NOVA).problems if p.rule == "roles")
    assert (problem.file, problem.line, problem.field) == (str(path), 9, "messages[0].role")
    assert problem.text().startswith(f"{path}:9: error: roles [messages[0].role]")


def test_training_minimum_passes_at_the_minimum(write_jsonl) -> None:
    assert "record-count" not in rules(
        validate_files([write_jsonl("train.jsonl", [conversation()] * 8)], base_model=NOVA)
    )


def test_training_minimum_flags_too_few(write_jsonl) -> None:
    report = validate_files([write_jsonl("train.jsonl", [conversation()] * 7)], base_model=NOVA)
    assert "record-count" in rules(report)


def test_training_minimum_of_llama_is_100(write_jsonl) -> None:
    report = validate_files([write_jsonl("train.jsonl", [conversation()] * 99)], base_model=LLAMA_VISION)
    assert any("at least 100" in p.message for p in report.problems)


def test_training_maximum_flags_too_many(write_jsonl) -> None:
    report = validate_files([write_jsonl("train.jsonl", pc(10_001))], base_model="meta.llama3-1-8b-instruct-v1:0")
    assert any("at most 10000" in p.message for p in report.problems if p.rule == "record-count")


def test_training_and_validation_together_over_the_maximum_are_flagged(write_jsonl) -> None:
    files = [write_jsonl("train.jsonl", pc(9_500)), write_jsonl("validation.jsonl", pc(501))]
    report = validate_files(files, base_model="meta.llama3-1-8b-instruct-v1:0")
    assert any("9500 training + 501 validation records" in p.message for p in report.problems)


def test_training_and_validation_together_at_the_maximum_pass(write_jsonl) -> None:
    files = [write_jsonl("train.jsonl", pc(9_500)), write_jsonl("validation.jsonl", pc(500))]
    assert "record-count" not in rules(validate_files(files, base_model="meta.llama3-1-8b-instruct-v1:0"))


def test_separate_validation_maximum_does_not_add_to_the_training_maximum(write_jsonl) -> None:
    files = [write_jsonl("train.jsonl", pc(10_000)), write_jsonl("validation.jsonl", pc(1_000))]
    assert "record-count" not in rules(validate_files(files, base_model="cohere.command-light-text-v14"))


def test_validation_maximum_passes_within_it(write_jsonl) -> None:
    files = [write_jsonl("train.jsonl", pc(40)), write_jsonl("validation.jsonl", pc(1_000))]
    assert "record-count" not in rules(validate_files(files, base_model="cohere.command-light-text-v14"))


def test_validation_maximum_flags_too_many(write_jsonl) -> None:
    files = [write_jsonl("train.jsonl", pc(40)), write_jsonl("validation.jsonl", pc(1_001))]
    report = validate_files(files, base_model="cohere.command-light-text-v14")
    assert any(p.rule == "record-count" and "validation" in p.message for p in report.problems)


def test_validation_set_is_refused_for_nova_2_lite(write_jsonl) -> None:
    files = [write_jsonl("train.jsonl", [conversation()] * 200), write_jsonl("validation.jsonl", [conversation()])]
    assert "validation-not-accepted" in rules(validate_files(files, base_model=NOVA_2))


def test_nova_2_lite_without_validation_set_passes(write_jsonl) -> None:
    report = validate_files([write_jsonl("train.jsonl", [conversation()] * 200)], base_model=NOVA_2)
    assert report.ok


def test_empty_file_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text("")
    assert "record-count" in rules(validate_files([path], record_format="prompt-completion"))


def test_images_and_video_in_one_dataset_are_flagged(write_jsonl) -> None:
    video = conversation(images=1)
    block = video["messages"][0]["content"][1]
    block["video"] = block.pop("image")
    block["video"]["format"] = "mp4"
    path = write_jsonl("train.jsonl", [conversation(images=1)] * 8 + [video])
    assert "mixed-media" in rules(validate_files([path], base_model=NOVA))


def test_one_kind_of_media_passes(write_jsonl) -> None:
    path = write_jsonl("train.jsonl", [conversation(images=1)] * 8)
    assert "mixed-media" not in rules(validate_files([path], base_model=NOVA))


def test_images_dir_finds_local_copies_for_the_size_checks(tmp_path: Path, write_jsonl, make_image) -> None:
    make_image("local/images/ab/img.png", size=(5, 40))
    path = write_jsonl("train.jsonl", [conversation(images=1)] * 100)
    report = validate_files([path], base_model=LLAMA_VISION, images_dir=tmp_path / "local")
    assert "image-pixels" in rules(report) and report.images_checked == 1


def test_without_local_images_a_note_says_sizes_were_not_checked(write_jsonl) -> None:
    report = validate_files([write_jsonl("train.jsonl", [conversation(images=1)] * 8)], base_model=NOVA)
    assert report.notes and "not checked" in report.notes[0]


def test_manifest_beside_the_files_gives_model_bucket_and_images(tmp_path: Path, write_jsonl, make_image) -> None:
    out = tmp_path / "out"
    make_image("out/images/ab/img.png")
    uri = f"s3://{BUCKET}/data/x/images/ab/img.png"
    path = write_jsonl("out/train.jsonl", [conversation(images=1, uri=uri)] * 8)
    (out / "manifest.json").write_text(
        json.dumps(
            {
                "tool": "bedrock-ft",
                "base_model": NOVA,
                "record_format": "bedrock-conversation-2024",
                "customization_type": "FINE_TUNING",
                "bucket": BUCKET,
                "prefix": "data/x",
                "bucket_owner": OWNER,
            }
        )
    )
    report = validate_files([path])
    assert (report.family, report.images_checked, report.ok) == ("nova-lite", 1, True)


def test_manifest_bucket_flags_media_elsewhere(tmp_path: Path, write_jsonl) -> None:
    path = write_jsonl("out/train.jsonl", [conversation(images=1, uri="s3://elsewhere/data/x/a.png")] * 8)
    (tmp_path / "out" / "manifest.json").write_text(
        json.dumps({"tool": "bedrock-ft", "base_model": NOVA, "bucket": BUCKET, "prefix": "data/x"})
    )
    assert "same-bucket" in rules(validate_files([path]))


def test_same_bucket_holds_across_the_training_and_validation_files(write_jsonl) -> None:
    train = write_jsonl("train.jsonl", [conversation(images=1)] * 8)
    other = conversation(images=1, uri="s3://other-bucket/data/x/images/ab/img.png")
    validation = write_jsonl("validation.jsonl", [conversation(images=1), other])
    problems = [p for p in validate_files([train, validation], base_model=NOVA).problems if p.rule == "same-bucket"]
    assert [(p.file, p.line) for p in problems] == [(str(validation), 2)]


def test_report_is_json_serialisable(write_jsonl) -> None:
    report = validate_files([write_jsonl("train.jsonl", [{"prompt": "Q"}])], base_model=TITAN)
    document = json.loads(json.dumps(report.to_dict()))
    assert document["ok"] is False and document["by_rule"]["required-keys"] == {"error": 1}


def test_summary_says_failed_and_counts(write_jsonl) -> None:
    report = validate_files([write_jsonl("train.jsonl", pc(3))], base_model=HAIKU, record_format="prompt-completion")
    assert report.summary().startswith("FAILED: 1 error,")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        validate_files([tmp_path / "none.jsonl"], base_model=NOVA)


def test_no_model_and_no_format_is_a_usage_error(write_jsonl) -> None:
    with pytest.raises(UsageError, match="say which model the data is for") as caught:
        validate_files([write_jsonl("train.jsonl", pc(1))])
    assert caught.value.settings == ("base_model", "record_format")


def test_file_named_validation_counts_as_validation(write_jsonl) -> None:
    report = validate_files([write_jsonl("qa-val.jsonl", pc(1))], base_model=TITAN)
    assert report.files[0].role == "validation"
