"""upload: where objects go, idempotency, resume, SSE-KMS and multipart."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from aws_fixtures import Account

from bedrock_ft.errors import ConfigError, InputError
from bedrock_ft.upload import upload_dataset


def make_out(folder: Path, bucket: str, *, images: int = 3) -> Path:
    (folder / "images" / "ab").mkdir(parents=True)
    for i in range(images):
        (folder / "images" / "ab" / f"{i}.png").write_bytes(f"image {i}".encode())
    (folder / "train.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    (folder / "validation.jsonl").write_text('{"a": 2}\n', encoding="utf-8")
    manifest = {"bucket": bucket, "prefix": "data/sample", "bucket_owner": "123456789012", "files": {}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def keys(account: Account) -> set[str]:
    listing = account.client("s3").list_objects_v2(Bucket=account.bucket, Prefix="data/sample/x")
    return {o["Key"] for o in listing.get("Contents", [])}


@pytest.fixture
def out(account: Account, tmp_path: Path) -> Path:
    # A prefix of its own, so the fixture's objects under data/sample/ do not mix in.
    folder = make_out(tmp_path / "out", account.bucket)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["prefix"] = "data/sample/x"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_every_file_goes_under_the_manifest_prefix(account: Account, out: Path) -> None:
    result = upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert keys(account) == {
        "data/sample/x/images/ab/0.png",
        "data/sample/x/images/ab/1.png",
        "data/sample/x/images/ab/2.png",
        "data/sample/x/train.jsonl",
        "data/sample/x/validation.jsonl",
        "data/sample/x/manifest.json",
    }
    assert result.training_uri == f"s3://{account.bucket}/data/sample/x/train.jsonl"
    assert result.validation_uri == f"s3://{account.bucket}/data/sample/x/validation.jsonl"


def test_objects_carry_their_sha256(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    head = account.client("s3").head_object(Bucket=account.bucket, Key="data/sample/x/train.jsonl")
    assert head["Metadata"]["sha256"] == hashlib.sha256(b'{"a": 1}\n').hexdigest()


def test_a_second_upload_sends_nothing(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    again = upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert again.uploaded == [] and len(again.skipped) == 6


def test_a_rerun_after_an_interruption_sends_only_what_is_missing(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    s3.delete_object(Bucket=account.bucket, Key="data/sample/x/images/ab/1.png")
    s3.delete_object(Bucket=account.bucket, Key="data/sample/x/train.jsonl")
    again = upload_dataset(out, s3, bucket=account.bucket)
    assert again.uploaded == ["data/sample/x/images/ab/1.png", "data/sample/x/train.jsonl"]


def test_a_changed_file_is_sent_again(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    (out / "train.jsonl").write_text('{"a": 3}\n', encoding="utf-8")
    assert upload_dataset(out, account.client("s3"), bucket=account.bucket).uploaded == ["data/sample/x/train.jsonl"]


def test_objects_are_encrypted_with_the_kms_key(account: Account, out: Path) -> None:
    key = account.values["kms_key_arn"]
    upload_dataset(out, account.client("s3"), bucket=account.bucket, kms_key_arn=key)
    head = account.client("s3").head_object(Bucket=account.bucket, Key="data/sample/x/images/ab/0.png")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key


def test_a_large_file_goes_up_in_parts(account: Account, out: Path) -> None:
    (out / "images" / "big.png").write_bytes(b"x" * (11 * 1024 * 1024))
    upload_dataset(out, account.client("s3"), bucket=account.bucket, multipart_threshold=5 * 1024 * 1024)
    head = account.client("s3").head_object(Bucket=account.bucket, Key="data/sample/x/images/big.png")
    assert head["ETag"].strip('"').endswith("-3")  # 11 MB in 5 MB parts
    assert head["ContentLength"] == 11 * 1024 * 1024


def test_a_manifest_naming_another_bucket_is_refused(account: Account, tmp_path: Path) -> None:
    folder = make_out(tmp_path / "other", "some-other-bucket")
    with pytest.raises(ConfigError, match="some-other-bucket"):
        upload_dataset(folder, account.client("s3"), bucket=account.bucket)


def test_a_folder_without_a_manifest_is_refused(account: Account, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"manifest\.json"):
        upload_dataset(tmp_path / "empty", account.client("s3"), bucket=account.bucket)


class _SlowS3:
    """An S3 client stand-in: the first PUT is quick, every later one takes a moment (a busy link)."""

    def __init__(self) -> None:
        self.puts: list[str] = []

    def get_paginator(self, _name: str) -> Any:
        return self

    def paginate(self, **_kwargs: Any) -> list[dict[str, Any]]:
        return [{"Contents": []}]

    def put_object(self, *, Key: str, **_kwargs: Any) -> None:
        self.puts.append(Key)
        if len(self.puts) > 1:
            time.sleep(0.2)


class _CtrlC:
    """A progress bar during whose first update the user presses Ctrl-C (it lands in the main thread)."""

    def advance(self, n: int = 1) -> None:
        raise KeyboardInterrupt


def test_an_interrupted_upload_stops_instead_of_sending_the_rest(tmp_path: Path) -> None:
    folder = make_out(tmp_path / "many", "bucket-1", images=40)
    s3 = _SlowS3()
    with pytest.raises(KeyboardInterrupt):
        upload_dataset(folder, s3, bucket="bucket-1", workers=1, progress=_CtrlC())
    assert len(s3.puts) < 5  # the upload under way finishes; the 38 queued behind it are not sent


def test_a_file_that_cannot_be_read_is_an_input_error_naming_it(
    account: Account, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedrock_ft import upload

    unreadable = out / "images" / "ab" / "1.png"

    def sha256_of(path: Path) -> str:
        if path == unreadable:
            raise PermissionError(13, "Permission denied", str(path))
        return hashlib.sha256(path.read_bytes()).hexdigest()

    monkeypatch.setattr(upload, "sha256_of", sha256_of)
    with pytest.raises(InputError, match=r"cannot read .*1\.png: Permission denied"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)


def test_a_read_error_while_sending_is_an_input_error_naming_the_file(account: Account, out: Path) -> None:
    s3 = account.client("s3")

    def put_object(**kwargs: Any) -> None:
        raise OSError(5, "Input/output error")

    s3.put_object = put_object
    with pytest.raises(InputError, match=r"cannot read .*(\.png|\.jsonl|\.json): Input/output error"):
        upload_dataset(out, s3, bucket=account.bucket)


def _failing_multipart(account: Account, error: Exception) -> Any:
    s3 = account.client("s3")

    def upload_file(filename: str, *args: Any, **kwargs: Any) -> None:
        raise error

    s3.upload_file = upload_file
    return s3


def test_an_upload_failure_without_a_client_error_is_an_aws_error_naming_the_file(account: Account, out: Path) -> None:
    from boto3.exceptions import S3UploadFailedError

    from bedrock_ft.errors import AwsError

    (out / "images" / "big.png").write_bytes(b"x" * 64)
    s3 = _failing_multipart(account, S3UploadFailedError("Failed to upload: connection reset"))
    with pytest.raises(AwsError, match=r"big\.png.*connection reset"):
        upload_dataset(out, s3, bucket=account.bucket, multipart_threshold=32, workers=1)


def test_an_upload_failure_raised_while_handling_a_client_error_names_its_code(account: Account, out: Path) -> None:
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import ClientError

    from bedrock_ft.errors import AwsError

    def as_boto3_raises_it() -> S3UploadFailedError:
        # boto3 raises it inside `except ClientError` without `from`: the ClientError is its __context__ only.
        try:
            try:
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "UploadPart")
            except ClientError as exc:
                raise S3UploadFailedError(f"Failed to upload: {exc}")  # noqa: B904
        except S3UploadFailedError as failed:
            return failed

    (out / "images" / "big.png").write_bytes(b"x" * 64)
    s3 = _failing_multipart(account, as_boto3_raises_it())
    with pytest.raises(AwsError, match=r"big\.png: AccessDenied") as raised:
        upload_dataset(out, s3, bucket=account.bucket, multipart_threshold=32, workers=1)
    assert raised.value.hint and "s3:PutObject" in raised.value.hint
