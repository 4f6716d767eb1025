"""Hostile datasets through generate: every file a dataset names stays inside it, bounded, decoded, or is refused.

Each case asserts the clear error (naming the record and the field), that no file outside the dataset was opened
and the secret there not copied into OUT, and that nothing is left behind: no OUT, no temporary folder beside it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from bedrock_ft.cli import main
from bedrock_ft.core import confined_files
from bedrock_ft.core.confined_files import MediaRoots
from bedrock_ft.core.errors import UsageError
from bedrock_ft.core.models import find_model
from bedrock_ft.data.generate import generate_dataset
from bedrock_ft.data.images import ImageStore
from bedrock_ft.data.templates import RecordError
from helpers.hostile_helpers import OWNER, Scene, bomb_png, jpeg_bytes, opened_files, png_bytes

HOSTILE_LINE = "data.jsonl line 10, field 'image'"


def refused(scene: Scene, source: Path, match: str, **changes) -> RecordError:
    """generate fails with ``match``, opened no file outside the dataset, copied nothing of it, left nothing."""
    with opened_files() as opened, pytest.raises(RecordError, match=match) as caught:
        generate_dataset(scene.settings(source, **changes))
    outside = os.path.realpath(scene.outside)
    assert not [path for path in opened if path.startswith(outside + os.sep)]
    scene.assert_secret_not_in(scene.root / "out")
    scene.assert_nothing_left()
    return caught.value


# -- paths that leave the dataset ----------------------------------------------------------------------------------


def test_parent_relative_path_is_refused(scene: Scene) -> None:
    error = refused(scene, scene.jsonl(["../outside/secret.png"]), "outside the dataset folder")
    assert str(error).startswith(HOSTILE_LINE)


def test_deep_parent_relative_path_is_refused(scene: Scene) -> None:
    depth = len(scene.dataset.parts)
    refused(scene, scene.jsonl(["../" * depth + str(scene.secret).lstrip("/")]), "outside the dataset folder")


def test_absolute_path_outside_is_refused(scene: Scene) -> None:
    refused(scene, scene.jsonl([str(scene.secret)]), r"'/.*secret\.png' is outside the dataset folder")


def test_absolute_path_inside_the_dataset_is_read(scene: Scene) -> None:
    result = generate_dataset(scene.settings(scene.jsonl([str(scene.image("inside.png"))])))
    assert result.counts["train"] + result.counts["validation"] == 10


def test_home_path_outside_is_refused(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(scene.outside))
    refused(scene, scene.jsonl(["~/secret.png"]), r"'~/secret\.png' is outside the dataset folder")


def test_symlinked_file_to_outside_is_refused(scene: Scene) -> None:
    (scene.dataset / "link.png").symlink_to(scene.secret)
    refused(scene, scene.jsonl(["link.png"]), r"'link\.png' is outside the dataset folder .* \(it resolves to")


def test_symlinked_folder_to_outside_is_refused(scene: Scene) -> None:
    (scene.dataset / "pics").symlink_to(scene.outside, target_is_directory=True)
    refused(scene, scene.jsonl(["pics/secret.png"]), "outside the dataset folder")


def test_symlink_inside_the_dataset_is_followed(scene: Scene) -> None:
    (scene.dataset / "alias.png").symlink_to(scene.image("real.png"))
    result = generate_dataset(scene.settings(scene.jsonl(["alias.png"])))
    assert result.counts["images"] == 1  # ok.png and real.png hold the same pixels: one stored image


def test_image_folder_file_name_outside_is_refused(scene: Scene) -> None:
    scene.image("ok.png")
    rows = [{"file_name": "ok.png", "q": f"Q{i}", "a": f"A{i}"} for i in range(9)]
    rows.append({"file_name": "../outside/secret.png", "q": "Q", "a": "A"})
    (scene.dataset / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    error = refused(scene, scene.dataset, "outside the dataset folder")
    assert str(error).startswith("metadata.jsonl line 10, field 'image'")


def test_image_folder_split_cannot_reach_beside_the_dataset(scene: Scene) -> None:
    """A train/ split's relative paths may climb to the dataset folder, not above it."""
    scene.image("shared.png")
    train = scene.dataset / "train"
    train.mkdir()
    rows = [{"file_name": "../shared.png", "q": f"Q{i}", "a": f"A{i}"} for i in range(9)]
    rows.append({"file_name": "../../outside/secret.png", "q": "Q", "a": "A"})
    (train / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    refused(scene, scene.dataset, "outside the dataset folder")


def test_csv_path_outside_is_refused(scene: Scene) -> None:
    scene.image("ok.png")
    lines = ["q,a,image"] + [f"Q{i},A{i},ok.png" for i in range(9)] + [f"Q,A,{scene.secret}"]
    source = scene.dataset / "data.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = refused(scene, source, "outside the dataset folder")
    assert str(error).startswith("data.csv line 11, field 'image'")


def test_saved_dataset_absolute_path_is_refused(scene: Scene, saved_dataset_with_path) -> None:
    saved = saved_dataset_with_path(scene.dataset / "saved", str(scene.secret))
    error = refused(scene, saved, "outside the dataset folder")
    assert str(error).startswith("split train row 9, field 'image'")


def test_folder_of_data_files_path_outside_is_refused(scene: Scene) -> None:
    """A folder read with datasets.load_dataset (here train.jsonl): relative paths resolve inside that folder."""
    scene.image("ok.png")
    rows = [{"q": f"Q{i}", "a": f"A{i}", "image": "ok.png"} for i in range(9)]
    rows.append({"q": "Q", "a": "A", "image": "../outside/secret.png"})
    (scene.dataset / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    error = refused(scene, scene.dataset, "outside the dataset folder")
    assert str(error).startswith("split train row 9, field 'image'")


def test_media_root_admits_a_named_folder(scene: Scene) -> None:
    result = generate_dataset(scene.settings(scene.jsonl([str(scene.secret)]), media_root=scene.outside))
    assert result.counts["images"] == 2
    assert any(scene.secret.read_bytes() == p.read_bytes() for p in (scene.out / "images").rglob("*.png"))


def test_media_root_that_does_not_exist_is_a_usage_error(scene: Scene) -> None:
    with pytest.raises(UsageError, match="media root"):
        generate_dataset(scene.settings(scene.jsonl([]), media_root=scene.root / "nowhere"))
    scene.assert_nothing_left()


def test_skip_invalid_drops_the_hostile_record_and_copies_nothing_of_it(scene: Scene) -> None:
    result = generate_dataset(scene.settings(scene.jsonl(["../outside/secret.png"]), skip_invalid=True))
    assert [(s.record, s.field) for s in result.skipped] == [("data.jsonl line 10", "image")]
    assert "outside the dataset folder" in result.skipped[0].reason
    scene.assert_secret_not_in(scene.out)


# -- files that are not regular, or too large ------------------------------------------------------------------------


def test_dev_zero_is_refused_as_outside(scene: Scene) -> None:
    refused(scene, scene.jsonl(["/dev/zero"]), r"'/dev/zero' is outside the dataset folder")


def test_dev_zero_under_a_media_root_is_refused_as_a_device(scene: Scene) -> None:
    refused(scene, scene.jsonl(["/dev/zero"]), "is a device, not a regular file", media_root="/dev")


def test_symlink_to_dev_zero_is_refused(scene: Scene) -> None:
    (scene.dataset / "zero.png").symlink_to("/dev/zero")
    refused(scene, scene.jsonl(["zero.png"]), "outside the dataset folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_inside_the_dataset_is_refused_without_blocking(scene: Scene) -> None:
    os.mkfifo(scene.dataset / "pipe.png")
    refused(scene, scene.jsonl(["pipe.png"]), "is a FIFO, not a regular file")


def test_folder_named_as_an_image_is_refused(scene: Scene) -> None:
    (scene.dataset / "folder.png").mkdir()
    refused(scene, scene.jsonl(["folder.png"]), "is a folder, not a regular file")


def test_image_over_the_read_limit_is_refused_before_reading(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    scene.image("big.png", png_bytes((300, 300)))
    monkeypatch.setattr(confined_files, "MAX_SOURCE_IMAGE_BYTES", 100)  # the default limit, made small for the test
    with pytest.raises(RecordError, match=r"big\.png' is \d+ bytes: the limit is 100"):
        generate_dataset(scene.settings(scene.jsonl(["big.png"], good=0)))
    scene.assert_nothing_left()


# -- malformed values ----------------------------------------------------------------------------------------------


def test_nul_in_a_path_is_refused(scene: Scene) -> None:
    refused(scene, scene.jsonl(["ok.png\u0000../../outside/secret.png"]), "holds a NUL byte")


def test_lone_surrogate_in_a_record_is_refused_with_its_line(scene: Scene) -> None:
    error = refused(scene, scene.jsonl(["\ud800.png"]), "lone surrogate")
    assert str(error).startswith("data.jsonl line 10")


def test_lone_surrogate_in_a_path_given_by_a_program_is_refused(scene: Scene) -> None:
    store = ImageStore(
        scene.out, find_model(OWNER and "amazon.nova-lite-v1:0").images, roots=MediaRoots.of([scene.dataset])
    )
    with pytest.raises(RecordError, match="not valid Unicode"):
        store.add("\udc80.png", base_dir=scene.dataset, record="rec 1", field_name="image")


def test_string_where_bytes_belong_is_refused(scene: Scene) -> None:
    refused(scene, scene.jsonl([{"bytes": "iVBORw0KGgo=", "path": "x.png"}]), "the image's bytes are str, not bytes")


def test_number_as_a_path_is_refused(scene: Scene) -> None:
    refused(scene, scene.jsonl([{"bytes": None, "path": 5}]), "a path must be text, not int")


def test_deeply_nested_record_is_a_record_error(scene: Scene) -> None:
    source = scene.jsonl([])
    with source.open("a", encoding="utf-8") as handle:
        handle.write('{"q": ' + "[" * 50_000 + "]" * 50_000 + "}\n")
    error = refused(scene, source, "nested deeper than")
    assert str(error).startswith("data.jsonl line 10")


# -- images that do not decode -------------------------------------------------------------------------------------


def test_truncated_jpeg_is_refused(scene: Scene) -> None:
    data = jpeg_bytes()
    scene.image("cut.jpg", data[: len(data) // 2])
    refused(scene, scene.jsonl(["cut.jpg"]), "damaged or truncated")


def test_decompression_bomb_is_refused(scene: Scene) -> None:
    scene.image("bomb.png", bomb_png(14_000, 14_000))  # twice Pillow's limit: DecompressionBombError
    refused(scene, scene.jsonl(["bomb.png"]), "decompression bomb")


def test_image_over_the_pixel_limit_is_refused_not_only_warned(scene: Scene) -> None:
    scene.image("large.png", bomb_png(10_000, 10_000))  # over the limit, under twice it: a warning in Pillow
    refused(scene, scene.jsonl(["large.png"]), "decompression bomb")


# -- the output folder ---------------------------------------------------------------------------------------------


def _fail_on_record(monkeypatch: pytest.MonkeyPatch, n: int, error: BaseException) -> None:
    import bedrock_ft.data.generate as generate_module

    real = generate_module.build_record
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(generate_module, "build_record", failing)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_failure_midway_leaves_the_previous_output_exactly(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    source = scene.jsonl([])
    generate_dataset(scene.settings(source))
    before = _snapshot(scene.out)
    scene.image("other.png", png_bytes(color=(0, 0, 255)))
    source = scene.jsonl(["other.png"])
    _fail_on_record(monkeypatch, 10, OSError("disk full"))
    with pytest.raises(OSError, match="disk full"):
        generate_dataset(scene.settings(source))
    assert _snapshot(scene.out) == before
    assert sorted(p.name for p in scene.root.iterdir()) == ["dataset", "out", "outside"]


def test_interrupt_midway_leaves_no_output(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_on_record(monkeypatch, 5, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        generate_dataset(scene.settings(scene.jsonl([])))
    scene.assert_nothing_left()


def test_failure_removes_the_parent_folders_it_created(scene: Scene) -> None:
    with pytest.raises(RecordError):
        generate_dataset(scene.settings(scene.jsonl(["../outside/secret.png"]), out_dir=scene.root / "a" / "b" / "out"))
    scene.assert_nothing_left()


def test_output_folder_with_other_files_is_refused_and_kept(scene: Scene) -> None:
    scene.out.mkdir()
    (scene.out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match=r"holds files generate did not write \(notes\.txt\)"):
        generate_dataset(scene.settings(scene.jsonl([])))
    assert (scene.out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_output_folder_holding_the_source_is_refused(scene: Scene) -> None:
    source = scene.jsonl([])
    with pytest.raises(UsageError, match="holds the source"):
        generate_dataset(scene.settings(source, out_dir=scene.dataset))
    assert source.is_file()


def test_rerun_replaces_an_earlier_output_whole(scene: Scene) -> None:
    generate_dataset(scene.settings(scene.jsonl([])))
    (scene.out / "images" / "stray.png").write_bytes(png_bytes())
    generate_dataset(scene.settings(scene.jsonl([])))
    assert not (scene.out / "images" / "stray.png").exists()
    assert sorted(p.name for p in scene.root.iterdir()) == ["dataset", "out", "outside"]


def test_written_files_and_folders_get_ordinary_permissions(scene: Scene) -> None:
    previous = os.umask(0o022)
    try:
        generate_dataset(scene.settings(scene.jsonl([])))
    finally:
        os.umask(previous)
    modes = {p.relative_to(scene.out).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in scene.out.rglob("*")}
    assert stat.S_IMODE(scene.out.stat().st_mode) == 0o755
    assert {m for p, m in modes.items() if (scene.out / p).is_file()} == {0o644}
    assert {m for p, m in modes.items() if (scene.out / p).is_dir()} == {0o755}


# -- through the command line: an exit code and one line, never a traceback -------------------------------------------


def test_command_line_reports_a_hostile_path_in_one_line(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    source = scene.jsonl(["../outside/secret.png"])
    code = main(
        [
            "generate",
            "--source",
            str(source),
            "--base-model",
            "amazon.nova-lite-v1:0:300k",
            "--prompt-template",
            "{q}",
            "--response-template",
            "{a}",
            "--image-column",
            "image",
            "--bucket",
            "test-bucket",
            "--bucket-owner",
            OWNER,
            "--out",
            str(scene.out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 3
    assert "Traceback" not in err and err.startswith(f"Error: {HOSTILE_LINE}: the path '../outside/secret.png'")
    scene.assert_nothing_left()
