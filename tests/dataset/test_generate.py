"""The generate pipeline end to end: both samples, splits, bad input, interrupted runs, the output contract."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.core.errors import ConfigError, InputError, UsageError
from bedrock_ft.core.s3_uris import split_s3_uri
from bedrock_ft.data.generate import GenerateSettings, generate_dataset
from bedrock_ft.data.presets import load_preset
from bedrock_ft.data.templates import RecordError
from bedrock_ft.data.validate import validate_files
from helpers.dataset_helpers import BUCKET, HAIKU, NOVA, OWNER, TITAN

MANIFEST_KEYS = {
    "tool",
    "version",
    "created",
    "base_model",
    "family",
    "record_format",
    "customization_type",
    "name",
    "digest",
    "bucket",
    "prefix",
    "images_prefix",
    "bucket_owner",
    "counts",
    "files",
    "settings",
    "validation",
    "test",
}


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def image_uris(path: Path) -> list[str]:
    return [
        block["image"]["source"]["s3Location"]["uri"]
        for record in lines(path)
        for message in record["messages"]
        for block in message["content"]
        if "image" in block
    ]


def qa_settings(qa_dir: Path, out: Path, **changes) -> GenerateSettings:
    base = GenerateSettings(out_dir=out, **changes)
    return base.with_preset(load_preset(qa_dir / "preset-prompt-completion.toml"))


def vision_settings(
    accessibility_dir: Path, out: Path, preset: str = "preset-nova.toml", **changes
) -> GenerateSettings:
    base = GenerateSettings(out_dir=out, bucket=BUCKET, bucket_owner=OWNER, **changes)
    return base.with_preset(load_preset(accessibility_dir / preset))


@pytest.fixture
def small_jsonl(write_jsonl) -> Path:
    return write_jsonl("src/data.jsonl", [{"q": f"Question {i}?", "a": f"Answer {i}."} for i in range(20)])


def simple(source: Path, out: Path, **changes) -> GenerateSettings:
    values = {
        "source": str(source),
        "out_dir": out,
        "base_model": TITAN,
        "prompt_template": "{q}",
        "response_template": "{a}",
        **changes,
    }
    return GenerateSettings(**values)


def with_images(source: Path, out: Path, column: str, **changes) -> GenerateSettings:
    """``simple`` for Nova with an image column, the images bound for BUCKET."""
    return simple(source, out, base_model=NOVA, image_column=column, bucket=BUCKET, bucket_owner=OWNER, **changes)


# -- the samples -----------------------------------------------------------------------------------------------------


def test_qa_sample_generates_valid_prompt_completion_data(qa_dir: Path, tmp_path: Path) -> None:
    result = generate_dataset(qa_settings(qa_dir, tmp_path / "out"))
    assert result.ok
    assert result.counts == {
        "train": 43,
        "validation": 5,
        "images": 0,
        "converted_images": 0,
        "skipped": 0,
        "test": 0,
    }
    assert set(lines(result.train_path)[0]) == {"prompt", "completion"}


def test_qa_sample_validates_again_with_the_validate_command_library(qa_dir: Path, tmp_path: Path) -> None:
    result = generate_dataset(qa_settings(qa_dir, tmp_path / "out"))
    assert validate_files([result.train_path, result.validation_path]).ok


def test_qa_sample_makes_claude_3_haiku_messages(qa_dir: Path, tmp_path: Path) -> None:
    result = generate_dataset(qa_settings(qa_dir, tmp_path / "out", base_model=HAIKU))
    assert result.ok and lines(result.train_path)[0]["messages"][1]["role"] == "assistant"


def test_qa_sample_makes_continued_pretraining_input(qa_dir: Path, tmp_path: Path) -> None:
    result = generate_dataset(qa_settings(qa_dir, tmp_path / "out", customization_type="CONTINUED_PRE_TRAINING"))
    assert result.ok and set(lines(result.train_path)[0]) == {"input"}


def test_accessibility_sample_generates_valid_nova_data(accessibility_dir: Path, tmp_path: Path) -> None:
    result = generate_dataset(vision_settings(accessibility_dir, tmp_path / "out"))
    assert result.ok, result.validation.problems[:3]
    assert result.counts["train"] + result.counts["validation"] == 32
    assert (result.counts["images"], result.counts["converted_images"]) == (32, 0)


def test_image_uris_map_to_files_under_out(accessibility_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = generate_dataset(vision_settings(accessibility_dir, out))
    for uri in image_uris(result.train_path):
        parsed = split_s3_uri(uri)
        assert parsed is not None
        bucket, key = parsed.bucket, parsed.key
        assert bucket == BUCKET and key.startswith(result.manifest["images_prefix"] + "/")
        assert (out / "images" / key[len(result.manifest["images_prefix"]) + 1 :]).is_file()


def test_kept_images_are_byte_identical_to_the_source(accessibility_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate_dataset(vision_settings(accessibility_dir, out))
    source = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (accessibility_dir / "images").glob("*.png")}
    written = {p.stem for p in (out / "images").glob("*/*.png")}
    assert written == source


def test_accessibility_sample_is_under_llama_minimum_and_validate_says_so(
    accessibility_dir: Path, tmp_path: Path
) -> None:
    result = generate_dataset(vision_settings(accessibility_dir, tmp_path / "out", "preset-llama32-vision.toml"))
    assert not result.ok
    assert [p.rule for p in result.validation.problems] == ["record-count"]
    assert result.manifest["validation"]["errors"] == 1


def test_scaled_accessibility_sample_is_valid_llama_vision_data(tmp_path: Path, accessibility_dir: Path) -> None:
    from bedrock_ft.data.samples.accessibility import render_sample

    render_sample(tmp_path / "a11y", count=110)
    settings = vision_settings(
        accessibility_dir, tmp_path / "out", "preset-llama32-vision.toml", source=str(tmp_path / "a11y")
    )
    result = generate_dataset(settings)
    assert result.ok and result.counts["train"] == 110


# -- the output contract ---------------------------------------------------------------------------------------------


def test_manifest_has_the_contract_keys(qa_dir: Path, tmp_path: Path) -> None:
    result = generate_dataset(qa_settings(qa_dir, tmp_path / "out"))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert set(manifest) == MANIFEST_KEYS
    assert set(manifest["counts"]) == {"train", "validation", "images", "converted_images", "skipped", "test"}
    assert manifest == result.manifest


def test_manifest_file_facts_match_the_files(qa_dir: Path, tmp_path: Path) -> None:
    result = generate_dataset(qa_settings(qa_dir, tmp_path / "out"))
    prefix = result.manifest["prefix"]
    for name, facts in result.manifest["files"].items():
        data = (tmp_path / "out" / name).read_bytes()
        assert facts == {
            "sha256": hashlib.sha256(data).hexdigest(),
            "records": data.count(b"\n"),
            "bytes": len(data),
            "key": f"{prefix}/{name}",
        }


def test_manifest_lists_every_file_written_but_itself(accessibility_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate_dataset(vision_settings(accessibility_dir, out))
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(json.loads((out / "manifest.json").read_text())["files"]) == on_disk - {"manifest.json"}


def test_the_result_holds_the_manifest_without_its_image_entries(accessibility_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = generate_dataset(vision_settings(accessibility_dir, out))
    written = json.loads(result.manifest_path.read_text())
    data_files = {name: facts for name, facts in written["files"].items() if not name.startswith("images/")}
    assert result.manifest == {**written, "files": data_files}
    assert set(data_files) == {"train.jsonl", "validation.jsonl"}


def test_the_manifest_with_images_is_the_document_as_indented_json(accessibility_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate_dataset(vision_settings(accessibility_dir, out))
    text = (out / "manifest.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_the_manifest_lists_the_data_files_first_then_the_images_by_path(
    accessibility_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    generate_dataset(vision_settings(accessibility_dir, out))
    names = list(json.loads((out / "manifest.json").read_text())["files"])
    assert names[:2] == ["train.jsonl", "validation.jsonl"]
    assert names[2:] == sorted(names[2:]) and len(names) == 34


def test_an_image_the_records_name_but_missing_from_out_is_an_error(
    accessibility_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedrock_ft.data import generate as module

    real = module._image_entries

    def lose_one(out_dir: Path, referenced: set[bytes]) -> Iterator[tuple[str, int, str]]:
        next(iter(sorted((out_dir / "images").glob("*/*.png")))).unlink()
        yield from real(out_dir, referenced)

    monkeypatch.setattr(module, "_image_entries", lose_one)
    with pytest.raises(InputError, match="1 image the records point at is missing"):
        generate_dataset(vision_settings(accessibility_dir, tmp_path / "out"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "document",
    [
        {"files": {}, "after": 1},
        {"before": "ü", "files": {"train.jsonl": {"sha256": "ab", "bytes": 1}}, "after": [1, {"x": None}]},
        {"files": {'a\nb "q" ü': {"k": []}}, "test": None},
    ],
)
def test_the_streamed_manifest_writer_writes_what_json_dumps_would(document: dict[str, Any], tmp_path: Path) -> None:
    from bedrock_ft.data.generate import _write_json_atomic

    more = [("images/ab/ab.png", {"sha256": "ab", "bytes": 2, "key": "data/images/ab/ab.png"})]
    _write_json_atomic(tmp_path / "m.json", document, more_files=iter(more))
    whole = {**document, "files": {**document["files"], **dict(more)}}
    assert (tmp_path / "m.json").read_text(encoding="utf-8") == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"


def test_the_streamed_manifest_writer_leaves_nothing_when_the_entries_fail(tmp_path: Path) -> None:
    from bedrock_ft.data.generate import _write_json_atomic

    def failing() -> Iterator[tuple[str, dict[str, Any]]]:
        yield "images/ab/ab.png", {"bytes": 1}
        raise InputError("an image went missing")

    (tmp_path / "m.json").write_text("the earlier manifest")
    with pytest.raises(InputError):
        _write_json_atomic(tmp_path / "m.json", {"files": {}}, more_files=failing())
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    assert (tmp_path / "m.json").read_text() == "the earlier manifest"


def test_manifest_gives_each_image_its_size_hash_and_shared_key(accessibility_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = generate_dataset(vision_settings(accessibility_dir, out))
    written = json.loads((out / "manifest.json").read_text())
    images = {k: v for k, v in written["files"].items() if k.startswith("images/")}
    assert len(images) == result.counts["images"] == 32
    for relative, facts in images.items():
        data = (out / relative).read_bytes()
        assert facts == {
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "key": f"data/{relative}",
        }


def test_jsonl_and_manifest_live_under_the_name_and_digest(small_jsonl: Path, tmp_path: Path) -> None:
    manifest = generate_dataset(simple(small_jsonl, tmp_path / "out")).manifest
    assert len(manifest["digest"]) == 64
    assert manifest["prefix"] == f"data/data/{manifest['digest'][:16]}"
    assert manifest["files"]["train.jsonl"]["key"] == f"{manifest['prefix']}/train.jsonl"


def test_the_digest_is_the_hash_of_the_file_list_and_purpose(small_jsonl: Path, tmp_path: Path) -> None:
    from bedrock_ft.data.generate import dataset_digest

    manifest = generate_dataset(simple(small_jsonl, tmp_path / "out")).manifest
    assert manifest["digest"] == dataset_digest(
        manifest["files"],
        base_model=manifest["base_model"],
        record_format=manifest["record_format"],
        customization_type=manifest["customization_type"],
    )


def test_the_digest_is_the_sha256_of_the_compact_sorted_document_it_has_always_hashed() -> None:
    import hashlib

    from bedrock_ft.data.generate import dataset_digest

    files = {
        "validation.jsonl": {"bytes": 7, "sha256": "b" * 64, "key": "p/validation.jsonl"},
        'images/0a/é"q.png': {"bytes": 12, "sha256": "c" * 64, "key": "i/0a/x.png"},
        "train.jsonl": {"bytes": 300, "sha256": "a" * 64, "key": "p/train.jsonl"},
    }
    document = {
        "base_model": 'model "ü"',
        "record_format": "bedrock-conversation-2024",
        "customization_type": "FINE_TUNING",
        "files": sorted([path, facts["bytes"], facts["sha256"]] for path, facts in files.items()),
    }
    published = hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert published == dataset_digest(
        files, base_model='model "ü"', record_format="bedrock-conversation-2024", customization_type="FINE_TUNING"
    )


def test_the_manifest_file_is_the_manifest_as_indented_json(small_jsonl: Path, tmp_path: Path) -> None:
    result = generate_dataset(simple(small_jsonl, tmp_path / "out"))
    text = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert text == json.dumps(result.manifest, indent=2, ensure_ascii=False) + "\n"


def test_the_same_data_gets_the_same_digest(small_jsonl: Path, tmp_path: Path) -> None:
    first = generate_dataset(simple(small_jsonl, tmp_path / "one")).manifest
    second = generate_dataset(simple(small_jsonl, tmp_path / "two")).manifest
    assert (first["digest"], first["prefix"]) == (second["digest"], second["prefix"])


def test_another_seed_gives_another_digest_and_prefix(small_jsonl: Path, tmp_path: Path) -> None:
    first = generate_dataset(simple(small_jsonl, tmp_path / "one", validation_split=0.25, seed=1)).manifest
    second = generate_dataset(simple(small_jsonl, tmp_path / "two", validation_split=0.25, seed=2)).manifest
    assert first["digest"] != second["digest"] and first["prefix"] != second["prefix"]


def test_one_source_for_two_models_gives_two_prefixes_and_shares_the_images(
    accessibility_dir: Path, tmp_path: Path
) -> None:
    generate_dataset(vision_settings(accessibility_dir, tmp_path / "nova"))
    generate_dataset(vision_settings(accessibility_dir, tmp_path / "llama", "preset-llama32-vision.toml"))
    nova = json.loads((tmp_path / "nova" / "manifest.json").read_text())
    llama = json.loads((tmp_path / "llama" / "manifest.json").read_text())
    assert nova["prefix"] != llama["prefix"]
    assert nova["prefix"].rsplit("/", 1)[0] == llama["prefix"].rsplit("/", 1)[0] == "data/accessibility"
    nova_keys = {f["key"]: f["sha256"] for f in nova["files"].values()}
    llama_keys = {f["key"]: f["sha256"] for f in llama["files"].values()}
    # A key both datasets use holds the same bytes in both: only content-addressed images are shared.
    shared = set(nova_keys) & set(llama_keys)
    assert shared and all(key.startswith("data/images/") for key in shared)
    assert all(nova_keys[key] == llama_keys[key] for key in shared)


def test_manifest_settings_record_the_options(qa_dir: Path, tmp_path: Path) -> None:
    settings = qa_settings(qa_dir, tmp_path / "out")
    manifest = generate_dataset(settings).manifest["settings"]
    assert (manifest["prompt_template"], manifest["validation_split"], manifest["seed"]) == (
        settings.prompt_template,
        0.1,
        7,
    )


def test_default_prefix_is_data_and_the_source_slug(small_jsonl: Path, tmp_path: Path) -> None:
    assert generate_dataset(simple(small_jsonl, tmp_path / "out")).manifest["prefix"].startswith("data/data/")


def test_prefix_option_is_used_before_the_digest(small_jsonl: Path, tmp_path: Path) -> None:
    manifest = generate_dataset(simple(small_jsonl, tmp_path / "out", prefix="/runs/one/")).manifest
    assert manifest["prefix"] == f"runs/one/{manifest['digest'][:16]}"


def test_no_blank_lines_and_one_record_per_line(small_jsonl: Path, tmp_path: Path) -> None:
    text = generate_dataset(simple(small_jsonl, tmp_path / "out")).train_path.read_text()
    assert text.endswith("\n") and "\n\n" not in text and len(text.splitlines()) == 20


# -- the split -------------------------------------------------------------------------------------------------------


def test_split_is_deterministic_for_a_seed(small_jsonl: Path, tmp_path: Path) -> None:
    one = generate_dataset(simple(small_jsonl, tmp_path / "a", validation_split=0.25, seed=3))
    two = generate_dataset(simple(small_jsonl, tmp_path / "b", validation_split=0.25, seed=3))
    assert one.validation_path.read_bytes() == two.validation_path.read_bytes()


def test_split_changes_with_the_seed(small_jsonl: Path, tmp_path: Path) -> None:
    one = generate_dataset(simple(small_jsonl, tmp_path / "a", validation_split=0.25, seed=3))
    two = generate_dataset(simple(small_jsonl, tmp_path / "b", validation_split=0.25, seed=4))
    assert one.validation_path.read_bytes() != two.validation_path.read_bytes()


def test_split_holds_out_the_fraction(small_jsonl: Path, tmp_path: Path) -> None:
    result = generate_dataset(simple(small_jsonl, tmp_path / "out", validation_split=0.25))
    assert (result.counts["train"], result.counts["validation"]) == (15, 5)


def test_split_never_modifies_the_input(small_jsonl: Path, tmp_path: Path) -> None:
    before = small_jsonl.read_bytes()
    generate_dataset(simple(small_jsonl, tmp_path / "out", validation_split=0.25))
    generate_dataset(simple(small_jsonl, tmp_path / "out", validation_split=0.25))
    assert small_jsonl.read_bytes() == before


def test_rerun_gives_the_same_files(small_jsonl: Path, tmp_path: Path) -> None:
    first = generate_dataset(simple(small_jsonl, tmp_path / "out", validation_split=0.25)).manifest["files"]
    second = generate_dataset(simple(small_jsonl, tmp_path / "out", validation_split=0.25)).manifest["files"]
    assert first == second


def test_source_validation_split_is_used(tmp_path: Path) -> None:
    folder = tmp_path / "hubcopy"
    folder.mkdir()
    (folder / "train.jsonl").write_text("".join(json.dumps({"q": f"q{i}", "a": "a"}) + "\n" for i in range(10)))
    (folder / "validation.jsonl").write_text(json.dumps({"q": "held", "a": "out"}) + "\n")
    result = generate_dataset(simple(folder, tmp_path / "out", validation_split=0.5))
    assert (result.counts["train"], result.counts["validation"]) == (10, 1)
    assert result.manifest["settings"]["validation_from"] == "source split validation"
    assert any("ignored" in note for note in result.notes)


def test_stale_validation_file_is_removed_on_a_run_without_split(small_jsonl: Path, tmp_path: Path) -> None:
    generate_dataset(simple(small_jsonl, tmp_path / "out", validation_split=0.25))
    result = generate_dataset(simple(small_jsonl, tmp_path / "out"))
    assert result.validation_path is None and not (tmp_path / "out" / "validation.jsonl").exists()


def test_nova_2_lite_refuses_a_validation_split(small_jsonl: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="accepts no validation set"):
        generate_dataset(
            simple(small_jsonl, tmp_path / "out", base_model="amazon.nova-2-lite-v1:0", validation_split=0.2)
        )


def test_validation_split_outside_zero_and_one_is_refused(small_jsonl: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="fraction"):
        generate_dataset(simple(small_jsonl, tmp_path / "out", validation_split=1.5))


def test_limit_reads_only_the_first_records(small_jsonl: Path, tmp_path: Path) -> None:
    assert generate_dataset(simple(small_jsonl, tmp_path / "out", limit=5)).counts["train"] == 5


# -- sources ---------------------------------------------------------------------------------------------------------


def test_csv_source_with_relative_image_paths(tmp_path: Path, make_image) -> None:
    make_image("src/pics/a.png")
    make_image("src/pics/b.jpg", fmt="JPEG", color=(1, 2, 3))
    (tmp_path / "src" / "data.csv").write_text("q,a,img\nWhat?,Red.,pics/a.png\nAnd?,Dark.,pics/b.jpg\n")
    result = generate_dataset(with_images(tmp_path / "src" / "data.csv", tmp_path / "out", "img"))
    assert result.counts["images"] == 2
    assert [r["messages"][0]["content"][1]["image"]["format"] for r in lines(result.train_path)] == ["png", "jpeg"]


def test_save_to_disk_source_with_image_feature(tmp_path: Path, make_image) -> None:
    from datasets import Dataset, Image

    png = make_image("a.png")
    Dataset.from_dict({"image": [str(png)], "q": ["What?"], "meta": [{"a": "Red."}]}).cast_column(
        "image", Image()
    ).save_to_disk(str(tmp_path / "saved"))
    result = generate_dataset(with_images(tmp_path / "saved", tmp_path / "out", "image", response_template="{meta.a}"))
    stored = next((tmp_path / "out" / "images").glob("*/*.png"))
    assert stored.read_bytes() == png.read_bytes() and result.counts["converted_images"] == 0


def test_hugging_face_column_typo_is_caught_before_reading(tmp_path: Path) -> None:
    from datasets import Dataset

    Dataset.from_dict({"q": ["a"], "a": ["b"]}).save_to_disk(str(tmp_path / "saved"))
    with pytest.raises(InputError, match="'qq' is not a column"):
        generate_dataset(simple(tmp_path / "saved", tmp_path / "out", prompt_template="{qq}"))


def test_converted_images_are_counted(tmp_path: Path, make_image, write_jsonl) -> None:
    make_image("src/a.bmp", fmt="BMP")
    make_image("src/b.jpg", fmt="JPEG", mode="CMYK", color=(0, 100, 100, 0))
    make_image("src/c.png", color=(9, 9, 9))
    path = write_jsonl("src/data.jsonl", [{"q": "?", "a": "!", "img": n} for n in ("a.bmp", "b.jpg", "c.png")])
    result = generate_dataset(with_images(path, tmp_path / "out", "img"))
    assert (result.counts["images"], result.counts["converted_images"]) == (3, 2)
    assert result.conversions == {"format": 1, "mode": 1}


def test_images_need_a_bucket(small_jsonl: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bucket"):
        generate_dataset(simple(small_jsonl, tmp_path / "out", base_model=NOVA, image_column="img", bucket_owner=OWNER))


def test_images_for_a_text_model_are_refused(small_jsonl: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="takes no images"):
        generate_dataset(simple(small_jsonl, tmp_path / "out", image_column="img", bucket=BUCKET, bucket_owner=OWNER))


def test_bad_bucket_owner_is_refused(small_jsonl: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="12-digit"):
        generate_dataset(
            simple(
                small_jsonl, tmp_path / "out", base_model=NOVA, image_column="img", bucket=BUCKET, bucket_owner="12345"
            )
        )


def test_stale_images_of_an_earlier_run_are_pruned(tmp_path: Path, make_image, write_jsonl) -> None:
    make_image("src/a.png")
    make_image("src/b.png", color=(1, 1, 1))
    one = write_jsonl("src/one.jsonl", [{"q": "?", "a": "!", "img": "a.png"}])
    two = write_jsonl("src/two.jsonl", [{"q": "?", "a": "!", "img": "b.png"}])
    common = {"base_model": NOVA, "image_column": "img", "bucket": BUCKET, "bucket_owner": OWNER}
    generate_dataset(simple(one, tmp_path / "out", **common))
    generate_dataset(simple(two, tmp_path / "out", **common))
    assert len(list((tmp_path / "out" / "images").glob("*/*"))) == 1


# -- bad input -------------------------------------------------------------------------------------------------------


def test_missing_field_names_the_record_and_field(write_jsonl, tmp_path: Path) -> None:
    path = write_jsonl("src/data.jsonl", [{"q": "a", "a": "b"}, {"q": "c"}])
    with pytest.raises(RecordError) as caught:
        generate_dataset(simple(path, tmp_path / "out"))
    assert (caught.value.record, caught.value.field) == ("data.jsonl line 2", "a")


def test_skip_invalid_drops_and_reports_the_record(write_jsonl, tmp_path: Path) -> None:
    path = write_jsonl("src/data.jsonl", [{"q": "a", "a": "b"}, {"q": "c"}, {"q": "d", "a": "e"}])
    result = generate_dataset(simple(path, tmp_path / "out", skip_invalid=True))
    assert result.counts["train"] == 2 and result.counts["skipped"] == 1
    assert (result.skipped[0].record, result.skipped[0].field) == ("data.jsonl line 2", "a")


def test_unknown_template_field_names_record_and_field(small_jsonl: Path, tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"data.jsonl line 1, field 'answer'"):
        generate_dataset(simple(small_jsonl, tmp_path / "out", response_template="{answer}"))


def test_output_files_are_readable_like_any_new_file(small_jsonl: Path, tmp_path: Path) -> None:
    result = generate_dataset(simple(small_jsonl, tmp_path / "out"))
    umask = os.umask(0)
    os.umask(umask)
    for path in (result.train_path, result.manifest_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_unreadable_image_names_record_and_field(tmp_path: Path, write_jsonl) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.png").write_bytes(b"garbage")
    path = write_jsonl("src/data.jsonl", [{"q": "?", "a": "!", "img": "bad.png"}])
    with pytest.raises(RecordError, match=r"data.jsonl line 1, field 'img'.*not a readable image"):
        generate_dataset(with_images(path, tmp_path / "out", "img"))


def test_skip_invalid_drops_an_unreadable_image(tmp_path: Path, write_jsonl, make_image) -> None:
    make_image("src/good.png")
    (tmp_path / "src" / "bad.png").write_bytes(b"garbage")
    path = write_jsonl("src/data.jsonl", [{"q": "?", "a": "!", "img": n} for n in ("good.png", "bad.png")])
    result = generate_dataset(with_images(path, tmp_path / "out", "img", skip_invalid=True))
    assert (result.counts["train"], result.counts["skipped"], result.skipped[0].field) == (1, 1, "img")


def test_skip_invalid_drops_a_record_that_breaks_a_rule(write_jsonl, tmp_path: Path) -> None:
    path = write_jsonl("src/data.jsonl", [{"q": f"q{i}", "a": "fine"} for i in range(8)] + [{"q": "Bot: hi", "a": "x"}])
    result = generate_dataset(simple(path, tmp_path / "out", base_model=NOVA, skip_invalid=True))
    assert result.ok and "reserved-words" in result.skipped[0].reason


def test_without_skip_invalid_a_rule_breach_is_reported_not_dropped(write_jsonl, tmp_path: Path) -> None:
    path = write_jsonl("src/data.jsonl", [{"q": f"q{i}", "a": "fine"} for i in range(8)] + [{"q": "Bot: hi", "a": "x"}])
    result = generate_dataset(simple(path, tmp_path / "out", base_model=NOVA))
    assert not result.ok and result.counts["train"] == 9


def test_all_records_invalid_is_an_error(write_jsonl, tmp_path: Path) -> None:
    path = write_jsonl("src/data.jsonl", [{"q": "a"}])
    with pytest.raises(InputError, match="no training records"):
        generate_dataset(simple(path, tmp_path / "out", skip_invalid=True))


def test_missing_prompt_template_is_a_usage_error(small_jsonl: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="prompt template"):
        generate_dataset(simple(small_jsonl, tmp_path / "out", prompt_template=None))


def test_unknown_model_is_a_usage_error(small_jsonl: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="known families"):
        generate_dataset(simple(small_jsonl, tmp_path / "out", base_model="acme.model-v1"))


def test_format_override_without_a_model(small_jsonl: Path, tmp_path: Path) -> None:
    result = generate_dataset(
        simple(small_jsonl, tmp_path / "out", base_model=None, record_format="bedrock-conversation-2024")
    )
    assert result.ok and result.manifest["family"] is None


# -- interrupted runs ------------------------------------------------------------------------------------------------


def _fail_on_third_record(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    import bedrock_ft.data.generate as generate_module

    real = generate_module.build_record
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(generate_module, "build_record", flaky)


def test_failure_mid_stream_leaves_no_output_folder(
    small_jsonl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_on_third_record(monkeypatch, OSError("disk full"))
    with pytest.raises(OSError):
        generate_dataset(simple(small_jsonl, tmp_path / "out", validation_split=0.2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]  # no OUT, no temporary folder beside it


def test_interrupt_mid_stream_keeps_the_previous_output(
    small_jsonl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_dataset(simple(small_jsonl, tmp_path / "out"))
    before = (tmp_path / "out" / "train.jsonl").read_bytes()
    _fail_on_third_record(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        generate_dataset(simple(small_jsonl, tmp_path / "out", prompt_template="Q: {q}"))
    assert (tmp_path / "out" / "train.jsonl").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["manifest.json", "train.jsonl"]


# -- progress ----------------------------------------------------------------------------------------------------------


def test_no_progress_bar_when_stderr_is_not_a_terminal(
    small_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_dataset(simple(small_jsonl, tmp_path / "out"))
    assert capsys.readouterr().err == ""


def test_progress_bar_when_asked_for(small_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generate_dataset(simple(small_jsonl, tmp_path / "out", show_progress=True))
    assert "generate" in capsys.readouterr().err


def test_validate_finds_the_images_through_the_manifest(accessibility_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate_dataset(vision_settings(accessibility_dir, out))
    report = validate_files([out / "train.jsonl"])
    assert not [p for p in report.problems if p.rule == "image-local"]
