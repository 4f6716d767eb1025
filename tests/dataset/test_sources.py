"""Sources: JSONL, CSV, image folders, save_to_disk folders and the load_dataset path, all read lazily."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bedrock_ft.core.errors import InputError
from bedrock_ft.data.sources import open_source, slugify


def test_jsonl_records_stream_with_labels(write_jsonl) -> None:
    path = write_jsonl("qa.jsonl", [{"q": "a"}, {"q": "b"}])
    source = open_source(str(path))
    records = list(source.records(source.train_split))
    assert [r.fields for r in records] == [{"q": "a"}, {"q": "b"}]
    assert records[1].label == "qa.jsonl line 2"
    assert records[0].base_dir == path.parent


def test_jsonl_counts_records_without_blank_lines(write_jsonl) -> None:
    path = write_jsonl("qa.jsonl", [], raw_lines=['{"q": 1}', "", '{"q": 2}'])
    assert open_source(str(path)).count("train") == 2


def test_jsonl_bad_line_becomes_a_record_error(write_jsonl) -> None:
    path = write_jsonl("qa.jsonl", [], raw_lines=['{"q": 1}', "{oops"])
    record = list(open_source(str(path)).records("train"))[1]
    assert record.fields is None
    assert record.error is not None and "line 2" in str(record.error)


def test_jsonl_line_that_is_not_utf8_becomes_a_record_error(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_bytes(b'{"q": 1}\n{"q": "\xff"}\n')
    records = list(open_source(str(path)).records("train"))
    assert records[0].fields == {"q": 1}
    assert records[1].error is not None and "qa.jsonl line 2: not UTF-8" in str(records[1].error)


def test_jsonl_lines_end_only_at_line_feeds(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"q": 1,\r "a": 2}\r\n{"q": 3}\n')
    records = list(open_source(str(path)).records("train"))
    assert [(r.label, r.fields) for r in records] == [
        ("qa.jsonl line 1", {"q": 1, "a": 2}),
        ("qa.jsonl line 2", {"q": 3}),
    ]


def test_csv_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"q,a\n" + b"x,y\n" * 5000 + b"caf\xe9,z\n")
    source = open_source(str(path))
    with pytest.raises(InputError, match=r"data.csv line 5002: not UTF-8"):
        source.count("train")


def test_jsonl_records_are_read_lazily(write_jsonl) -> None:
    path = write_jsonl("qa.jsonl", [{"q": n} for n in range(3)])
    iterator = open_source(str(path)).records("train")
    assert next(iterator).fields == {"q": 0}


def test_csv_rows_become_records(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('question,answer,image\n"Hi, there",Hello,img/a.png\n')
    source = open_source(str(path))
    record = next(source.records("train"))
    assert source.kind == "csv"
    assert record.fields == {"question": "Hi, there", "answer": "Hello", "image": "img/a.png"}
    assert record.base_dir == tmp_path
    assert source.columns == ["question", "answer", "image"]


def test_image_folder_exposes_file_name_as_image(tmp_path: Path) -> None:
    (tmp_path / "metadata.jsonl").write_text(json.dumps({"file_name": "a.png", "html": "<p>"}) + "\n")
    source = open_source(str(tmp_path))
    assert source.kind == "imagefolder"
    assert next(source.records("train")).fields == {"image": "a.png", "html": "<p>"}


def test_image_folder_with_split_folders_reports_validation(tmp_path: Path) -> None:
    for split in ("train", "validation"):
        (tmp_path / split).mkdir()
        (tmp_path / split / "metadata.jsonl").write_text(json.dumps({"file_name": "a.png"}) + "\n")
    source = open_source(str(tmp_path))
    assert (source.train_split, source.validation_split) == ("train", "validation")


def test_save_to_disk_dataset_dict(tmp_path: Path) -> None:
    from datasets import Dataset, DatasetDict

    DatasetDict(
        {"train": Dataset.from_dict({"q": ["a", "b"]}), "validation": Dataset.from_dict({"q": ["c"]})}
    ).save_to_disk(str(tmp_path / "saved"))
    source = open_source(str(tmp_path / "saved"))
    assert (source.kind, source.train_split, source.validation_split) == ("disk", "train", "validation")
    assert [r.fields["q"] for r in source.records("validation")] == ["c"]


def test_save_to_disk_single_dataset(tmp_path: Path) -> None:
    from datasets import Dataset

    Dataset.from_dict({"q": ["a"]}).save_to_disk(str(tmp_path / "saved"))
    source = open_source(str(tmp_path / "saved"))
    assert (source.train_split, source.validation_split, source.count("train")) == ("train", None, 1)


def test_hugging_face_image_column_keeps_original_bytes(tmp_path: Path, make_image) -> None:
    from datasets import Dataset, Image

    png = make_image("a.png")
    Dataset.from_dict({"image": [str(png)]}).cast_column("image", Image()).save_to_disk(str(tmp_path / "saved"))
    value = next(open_source(str(tmp_path / "saved")).records("train")).fields["image"]
    assert value["bytes"] == png.read_bytes()


def test_load_dataset_path_reads_a_local_dataset_folder(tmp_path: Path) -> None:
    folder = tmp_path / "hubcopy"
    folder.mkdir()
    (folder / "train.jsonl").write_text('{"q": "a"}\n{"q": "b"}\n')
    (folder / "validation.jsonl").write_text('{"q": "v"}\n')
    source = open_source(str(folder))
    assert (source.kind, source.validation_split, source.count("train")) == ("hub", "validation", 2)


def test_load_dataset_draws_no_progress_bar_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import datasets

    folder = tmp_path / "hubcopy"
    folder.mkdir()
    (folder / "train.jsonl").write_text('{"q": "a"}\n')
    bars_were_off = datasets.are_progress_bars_disabled()
    assert open_source(str(folder)).count("train") == 1
    assert capsys.readouterr().err == ""
    assert datasets.are_progress_bars_disabled() == bars_were_off


def test_load_dataset_path_with_split(tmp_path: Path) -> None:
    folder = tmp_path / "hubcopy"
    folder.mkdir()
    (folder / "train.jsonl").write_text('{"q": "a"}\n')
    (folder / "test.jsonl").write_text('{"q": "t"}\n')
    source = open_source(str(folder), split="test")
    assert [r.fields for r in source.records("test")] == [{"q": "t"}]


def test_hub_name_offline_is_a_clear_input_error() -> None:
    with pytest.raises(InputError, match="cannot load dataset 'someone/missing'"):
        open_source("someone/missing")


def test_unknown_split_is_an_error(tmp_path: Path) -> None:
    from datasets import Dataset, DatasetDict

    DatasetDict({"train": Dataset.from_dict({"q": ["a"]})}).save_to_disk(str(tmp_path / "saved"))
    with pytest.raises(InputError, match="no split 'dev'"):
        open_source(str(tmp_path / "saved"), split="dev")


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        open_source(str(tmp_path / "missing.jsonl"))


def test_unsupported_file_type_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("x")
    with pytest.raises(InputError, match=r"only .jsonl and .csv"):
        open_source(str(path))


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("doodoo77/For_VLM_accessibility", "doodoo77-for-vlm-accessibility"),
        ("squad", "squad"),
        ("My Data!!", "my-data"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_hub_name_goes_through_load_dataset_with_subset(monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    calls: list[tuple] = []

    def fake_load_dataset(name, subset=None, split=None):
        calls.append((name, subset, split))
        return datasets.DatasetDict(
            {"train": datasets.Dataset.from_dict({"q": ["a"]}), "validation": datasets.Dataset.from_dict({"q": ["v"]})}
        )

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    source = open_source("owner/name", subset="en")
    assert calls == [("owner/name", "en", None)]
    assert (source.kind, source.validation_split) == ("hub", "validation")


def test_hub_name_with_split_loads_that_split_and_finds_validation_and_test(monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    calls: list[tuple] = []

    def fake_load_dataset(name, subset=None, split=None):
        calls.append((name, subset, split))
        return datasets.Dataset.from_dict({"q": [split]})

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    monkeypatch.setattr(datasets, "get_dataset_split_names", lambda name, subset: ["train", "validation", "test"])
    source = open_source("owner/name", split="train")
    assert calls == [("owner/name", None, "train"), ("owner/name", None, "validation"), ("owner/name", None, "test")]
    assert [r.fields["q"] for r in source.records("validation")] == ["validation"]
    assert source.test_split == "test" and [r.fields["q"] for r in source.records("test")] == ["test"]
