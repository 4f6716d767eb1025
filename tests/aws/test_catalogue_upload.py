"""upload of a plain folder or file of JSONL (the user's own data, not generate's output): validated before anything
is sent, images with local copies sent to the keys the records name, the JSONL under the dataset's digest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from bedrock_ft.core.errors import InputError, UsageError
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.job.upload import UploadConflict
from bedrock_ft.job.upload_plain import PlainDataInvalid, plain_files, upload_plain
from helpers.dataset_helpers import image_bytes

REGION = "us-east-1"
BUCKET = "plain-bucket"
OWNER = "123456789012"
NOVA_LITE = "amazon.nova-lite-v1:0:300k"
NOVA_2_LITE = "amazon.nova-2-lite-v1:0:256k"


@pytest.fixture
def session() -> Iterator[AwsSession]:
    with mock_aws():
        aws = make_session(REGION)
        aws.client("s3").create_bucket(Bucket=BUCKET)
        yield aws


def keys(session: AwsSession) -> list[str]:
    listed = session.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return sorted(entry["Key"] for entry in listed)


def record(text: str, image_key: str | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"text": text}]
    if image_key:
        location = {"uri": f"s3://{BUCKET}/{image_key}", "bucketOwner": OWNER}
        content.append({"image": {"format": "png", "source": {"s3Location": location}}})
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [{"role": "user", "content": content}, {"role": "assistant", "content": [{"text": "ok"}]}],
    }


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_plain_jsonl_file_is_validated_and_uploaded_under_its_digest(session: AwsSession, tmp_path: Path) -> None:
    path = write(tmp_path / "mine.jsonl", [record(f"Question {i}") for i in range(8)])
    result = upload_plain(path, session.client("s3"), bucket=BUCKET, base_model=NOVA_LITE)
    assert result.training_uri is not None and result.training_uri.endswith("/train.jsonl")
    assert result.training_uri.startswith(f"s3://{BUCKET}/data/mine/")
    body = session.client("s3").get_object(Bucket=BUCKET, Key=result.training_uri.split("/", 3)[3])["Body"].read()
    assert body == path.read_bytes()
    assert [k.rsplit("/", 1)[-1] for k in keys(session)] == ["manifest.json", "train.jsonl"]


def test_the_uploaded_manifest_says_what_the_data_is_for(session: AwsSession, tmp_path: Path) -> None:
    path = write(tmp_path / "mine.jsonl", [record(f"Question {i}") for i in range(8)])
    result = upload_plain(path, session.client("s3"), bucket=BUCKET, base_model=NOVA_LITE)
    manifest_key = result.training_uri.split("/", 3)[3].replace("train.jsonl", "manifest.json")  # type: ignore[union-attr]
    manifest = json.loads(session.client("s3").get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read())
    assert (manifest["tool"], manifest["base_model"], manifest["record_format"], manifest["counts"]["train"]) == (
        "bedrock-ft",
        NOVA_LITE,
        "bedrock-conversation-2024",
        8,
    )


def test_data_that_does_not_validate_sends_nothing(session: AwsSession, tmp_path: Path) -> None:
    broken = record("Question")
    broken["messages"] = broken["messages"][:1]
    path = write(tmp_path / "mine.jsonl", [record(f"Question {i}") for i in range(8)] + [broken])
    with pytest.raises(PlainDataInvalid, match="last-assistant") as caught:
        upload_plain(path, session.client("s3"), bucket=BUCKET, base_model=NOVA_LITE)
    assert "mine.jsonl line 9" in str(caught.value)
    assert keys(session) == []


def test_a_folder_sends_the_images_its_records_name_to_those_keys(session: AwsSession, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    (folder / "pics").mkdir(parents=True)
    (folder / "pics" / "cat.png").write_bytes(image_bytes("PNG", (40, 30), "RGB", (1, 2, 3)))
    write(folder / "train.jsonl", [record(f"Q{i}", "pics/cat.png") for i in range(8)])
    write(folder / "validation.jsonl", [record("V", "pics/cat.png")])
    result = upload_plain(folder, session.client("s3"), bucket=BUCKET, base_model=NOVA_LITE, bucket_owner=OWNER)
    assert "pics/cat.png" in keys(session)
    assert result.validation_uri is not None and result.validation_uri.endswith("/validation.jsonl")
    assert result.warnings == []


def test_an_image_with_no_local_copy_is_expected_in_the_bucket_and_said_so(session: AwsSession, tmp_path: Path) -> None:
    path = write(tmp_path / "mine" / "train.jsonl", [record(f"Q{i}", "pics/elsewhere.png") for i in range(8)])
    result = upload_plain(path.parent, session.client("s3"), bucket=BUCKET, base_model=NOVA_LITE)
    assert "pics/elsewhere.png" not in keys(session)
    assert any("no local copy" in w for w in result.warnings)


def test_uploading_the_same_data_again_sends_nothing(session: AwsSession, tmp_path: Path) -> None:
    path = write(tmp_path / "mine.jsonl", [record(f"Question {i}") for i in range(8)])
    upload_plain(path, session.client("s3"), bucket=BUCKET, base_model=NOVA_LITE)
    again = upload_plain(path, session.client("s3"), bucket=BUCKET, base_model=NOVA_LITE)
    assert again.uploaded == [] and len(again.skipped) == 2


def test_an_image_key_holding_other_content_is_not_replaced_silently(session: AwsSession, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    (folder / "pics").mkdir(parents=True)
    (folder / "pics" / "cat.png").write_bytes(image_bytes("PNG", (40, 30), "RGB", (1, 2, 3)))
    write(folder / "train.jsonl", [record(f"Q{i}", "pics/cat.png") for i in range(8)])
    session.client("s3").put_object(Bucket=BUCKET, Key="pics/cat.png", Body=b"someone else's cat")
    with pytest.raises(UploadConflict, match=r"pics/cat\.png"):
        upload_plain(folder, session.client("s3"), bucket=BUCKET, base_model=NOVA_LITE)
    assert keys(session) == ["pics/cat.png"]


def test_rft_records_validate_as_rft_before_upload(session: AwsSession, tmp_path: Path) -> None:
    rft = [{"messages": [{"role": "user", "content": f"{i} + 1?"}], "reference_answer": str(i + 1)} for i in range(5)]
    path = write(tmp_path / "rft.jsonl", rft)
    result = upload_plain(
        path,
        session.client("s3"),
        bucket=BUCKET,
        base_model=NOVA_2_LITE,
        customization_type="REINFORCEMENT_FINE_TUNING",
    )
    assert result.training_uri is not None


def test_a_folder_without_jsonl_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no \.jsonl file"):
        plain_files(tmp_path / "empty")


def test_a_folder_with_two_training_files_and_no_train_jsonl_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a.jsonl", [record("x")])
    write(tmp_path / "b.jsonl", [record("y")])
    with pytest.raises(UsageError, match="several train files"):
        plain_files(tmp_path)


def test_train_jsonl_is_chosen_among_several_training_files(tmp_path: Path) -> None:
    write(tmp_path / "notes.jsonl", [record("x")])
    write(tmp_path / "train.jsonl", [record("y")])
    write(tmp_path / "dev.jsonl", [record("z")])
    assert {role: p.name for role, p in plain_files(tmp_path).items()} == {
        "train": "train.jsonl",
        "validation": "dev.jsonl",
    }


def test_a_symlinked_jsonl_in_the_folder_is_not_taken(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside.jsonl", [record("x")])
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "train.jsonl").symlink_to(outside)
    with pytest.raises(InputError, match=r"no \.jsonl file"):
        plain_files(tmp_path / "mine")
