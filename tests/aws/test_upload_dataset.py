"""upload: exactly the manifest's files, checked by hash; S3's checksums decide what is there; nothing replaced
silently; multipart (composite checksums, stale uploads aborted), SSE-KMS, failures as messages."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bedrock_ft.core.errors import AwsError, ConfigError, InputError
from bedrock_ft.job.upload import UploadConflict, upload_dataset
from helpers.aws_fixtures import Account, write_manifest

KB = 1024


def make_out(folder: Path, bucket: str, *, images: int = 3, **manifest_options: Any) -> Path:
    (folder / "images" / "ab").mkdir(parents=True)
    for i in range(images):
        (folder / "images" / "ab" / f"{i}.png").write_bytes(f"image {i}".encode())
    (folder / "train.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    (folder / "validation.jsonl").write_text('{"a": 2}\n', encoding="utf-8")
    write_manifest(folder, bucket, **manifest_options)
    return folder


def manifest_of(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "manifest.json").read_text()))


def listed_keys(folder: Path) -> set[str]:
    manifest = manifest_of(folder)
    return {facts["key"] for facts in manifest["files"].values()} | {manifest["prefix"] + "/manifest.json"}


def keys(account: Account) -> set[str]:
    listing = account.client("s3").list_objects_v2(Bucket=account.bucket, Prefix="data/sample/x/")
    return {o["Key"] for o in listing.get("Contents", [])}


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture
def out(account: Account, tmp_path: Path) -> Path:
    return make_out(tmp_path / "out", account.bucket)


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> int:
    """Let moto (in-process) accept parts of 1 KB, so multipart tests stay small."""
    import moto.s3.models

    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", KB)
    return KB


# -- what is sent, and where -----------------------------------------------------------------------------------------


def test_every_listed_file_goes_to_its_key_and_the_manifest_beside_the_jsonl(account: Account, out: Path) -> None:
    prefix = manifest_of(out)["prefix"]
    result = upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert keys(account) == {
        "data/sample/x/images/ab/0.png",
        "data/sample/x/images/ab/1.png",
        "data/sample/x/images/ab/2.png",
        f"{prefix}/train.jsonl",
        f"{prefix}/validation.jsonl",
        f"{prefix}/manifest.json",
    }
    assert result.training_uri == f"s3://{account.bucket}/{prefix}/train.jsonl"
    assert result.validation_uri == f"s3://{account.bucket}/{prefix}/validation.jsonl"


def test_a_stray_file_in_out_is_not_sent(account: Account, out: Path) -> None:
    (out / "images" / "ab" / "left-over.png").write_bytes(b"from an earlier run")
    (out / "notes.txt").write_text("mine")
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert keys(account) == listed_keys(out)


def test_a_listed_file_that_is_a_symlink_is_refused_and_nothing_is_sent(
    account: Account, out: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"image 1")  # the same bytes, so only the link itself is wrong
    (out / "images" / "ab" / "1.png").unlink()
    (out / "images" / "ab" / "1.png").symlink_to(secret)
    with pytest.raises(InputError, match="symbolic link"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert keys(account) == set()


def test_a_symlinked_folder_on_the_way_is_refused(account: Account, out: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (out / "images" / "ab").rename(elsewhere)
    (out / "images" / "ab").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(InputError, match="symbolic link"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert keys(account) == set()


def test_a_fifo_in_place_of_a_listed_file_is_refused(account: Account, out: Path) -> None:
    (out / "images" / "ab" / "2.png").unlink()
    os.mkfifo(out / "images" / "ab" / "2.png")
    with pytest.raises(InputError, match="not a regular file"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert keys(account) == set()


def test_a_file_changed_after_generate_is_refused_with_regenerate(account: Account, out: Path) -> None:
    (out / "images" / "ab" / "0.png").write_bytes(b"image X")  # same size, other bytes
    with pytest.raises(InputError, match="does not match its SHA-256") as raised:
        upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert "generate again" in str(raised.value)
    assert keys(account) == set()


def test_a_file_of_another_size_than_listed_is_refused(account: Account, out: Path) -> None:
    (out / "train.jsonl").write_text('{"a": 100}\n', encoding="utf-8")
    with pytest.raises(InputError, match="the manifest says 9"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)


def test_a_listed_file_that_is_missing_is_refused(account: Account, out: Path) -> None:
    (out / "validation.jsonl").unlink()
    with pytest.raises(InputError, match="missing"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)


# -- the manifest ----------------------------------------------------------------------------------------------------


def _rewrite_manifest(folder: Path, change: Any) -> None:
    manifest = manifest_of(folder)
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_a_manifest_path_leaving_out_is_refused(account: Account, out: Path) -> None:
    def escape(manifest: dict[str, Any]) -> None:
        manifest["files"]["../outside.png"] = dict(manifest["files"]["images/ab/0.png"])

    _rewrite_manifest(out, escape)
    with pytest.raises(InputError, match=r"'\.\./outside\.png' is not a plain relative path"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)


def test_a_manifest_key_outside_the_dataset_prefixes_is_refused(account: Account, out: Path) -> None:
    _rewrite_manifest(out, lambda m: m["files"]["train.jsonl"].update(key="other/train.jsonl"))
    with pytest.raises(InputError, match="not under the dataset's prefixes"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)


def test_a_manifest_without_digest_is_refused_as_older(account: Account, out: Path) -> None:
    _rewrite_manifest(out, lambda m: m.pop("digest"))
    with pytest.raises(InputError, match="older bedrock-ft"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)


def test_a_deeply_nested_manifest_is_an_input_error(account: Account, out: Path) -> None:
    (out / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="cannot read"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)


def test_a_manifest_naming_another_bucket_is_refused(account: Account, tmp_path: Path) -> None:
    folder = make_out(tmp_path / "other", "some-other-bucket")
    with pytest.raises(ConfigError, match="some-other-bucket"):
        upload_dataset(folder, account.client("s3"), bucket=account.bucket)


def test_a_folder_without_a_manifest_is_refused(account: Account, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"manifest\.json"):
        upload_dataset(tmp_path / "empty", account.client("s3"), bucket=account.bucket)


# -- what is there already -------------------------------------------------------------------------------------------


def test_objects_carry_s3_sha256_checksums_and_the_hash_in_metadata(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    key = manifest_of(out)["files"]["train.jsonl"]["key"]
    head = account.client("s3").head_object(Bucket=account.bucket, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == b64sha(b'{"a": 1}\n')
    assert head["Metadata"]["sha256"] == hashlib.sha256(b'{"a": 1}\n').hexdigest()


def test_a_second_upload_sends_nothing(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    again = upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert again.uploaded == [] and len(again.skipped) == 6


def test_a_rerun_after_an_interruption_sends_only_what_is_missing(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    train = manifest_of(out)["files"]["train.jsonl"]["key"]
    s3.delete_object(Bucket=account.bucket, Key="data/sample/x/images/ab/1.png")
    s3.delete_object(Bucket=account.bucket, Key=train)
    again = upload_dataset(out, s3, bucket=account.bucket)
    assert again.uploaded == sorted(["data/sample/x/images/ab/1.png", train])


def _overwrite_keeping_metadata(account: Account, key: str, body: bytes) -> None:
    s3 = account.client("s3")
    metadata = s3.head_object(Bucket=account.bucket, Key=key)["Metadata"]
    s3.put_object(Bucket=account.bucket, Key=key, Body=body, Metadata=metadata, ChecksumAlgorithm="SHA256")


def test_an_object_overwritten_with_other_bytes_but_the_same_metadata_stops_the_upload(
    account: Account, out: Path
) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    _overwrite_keeping_metadata(account, "data/sample/x/images/ab/0.png", b"image Z")
    with pytest.raises(UploadConflict, match=r"images/ab/0\.png") as raised:
        upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert "replace it with this dataset" in str(raised.value)
    assert raised.value.settings == ("replace_changed",)


def test_a_conflict_sends_nothing_at_all(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    _overwrite_keeping_metadata(account, "data/sample/x/images/ab/0.png", b"image Z")
    s3.delete_object(Bucket=account.bucket, Key="data/sample/x/images/ab/1.png")
    with pytest.raises(UploadConflict):
        upload_dataset(out, s3, bucket=account.bucket)
    assert "data/sample/x/images/ab/1.png" not in keys(account)


def test_replace_changed_repairs_an_object_with_other_content(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    _overwrite_keeping_metadata(account, "data/sample/x/images/ab/0.png", b"image Z")
    result = upload_dataset(out, account.client("s3"), bucket=account.bucket, replace_changed=True)
    assert result.replaced == ["data/sample/x/images/ab/0.png"]
    body = account.client("s3").get_object(Bucket=account.bucket, Key="data/sample/x/images/ab/0.png")["Body"].read()
    assert body == b"image 0"


def test_an_object_without_a_checksum_but_the_same_bytes_counts_as_there(account: Account, out: Path) -> None:
    account.client("s3").put_object(Bucket=account.bucket, Key="data/sample/x/images/ab/0.png", Body=b"image 0")
    result = upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert "data/sample/x/images/ab/0.png" in result.skipped


def test_the_same_dataset_generated_again_keeps_the_published_manifest(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    _rewrite_manifest(out, lambda m: m.update(created="a later run"))  # same digest, another creation time
    again = upload_dataset(out, account.client("s3"), bucket=account.bucket)
    assert again.uploaded == []


def test_another_manifest_at_the_dataset_key_is_a_conflict(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    key = manifest_of(out)["prefix"] + "/manifest.json"
    account.client("s3").put_object(Bucket=account.bucket, Key=key, Body=json.dumps({"digest": "0" * 64}).encode())
    with pytest.raises(UploadConflict, match=r"manifest\.json"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket)


def test_two_datasets_from_one_folder_never_share_a_data_key(account: Account, tmp_path: Path) -> None:
    nova = make_out(tmp_path / "nova", account.bucket, base_model="amazon.nova-lite-v1:0:300k")
    llama = make_out(tmp_path / "llama", account.bucket, base_model="meta.llama3-2-11b-instruct-v1:0")
    first = upload_dataset(nova, account.client("s3"), bucket=account.bucket)
    second = upload_dataset(llama, account.client("s3"), bucket=account.bucket)
    assert first.training_uri != second.training_uri
    assert set(first.uploaded) & set(second.uploaded) == set()
    assert all(key.startswith("data/sample/x/images/") for key in second.skipped)


# -- encryption and multipart ----------------------------------------------------------------------------------------


def test_objects_are_encrypted_with_the_kms_key(account: Account, out: Path) -> None:
    key = account.values["kms_key_arn"]
    upload_dataset(out, account.client("s3"), bucket=account.bucket, kms_key_arn=key)
    head = account.client("s3").head_object(Bucket=account.bucket, Key="data/sample/x/images/ab/0.png")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key


def _big(out: Path, bucket: str, size: int = 11 * KB) -> bytes:
    data = os.urandom(size)
    (out / "images" / "ab" / "big.png").write_bytes(data)
    write_manifest(out, bucket)
    return data


def test_a_large_file_goes_up_in_parts_with_a_composite_checksum(account: Account, out: Path, small_parts: int) -> None:
    data = _big(out, account.bucket)
    upload_dataset(out, account.client("s3"), bucket=account.bucket, multipart_threshold=4 * KB, part_size=5 * KB)
    s3 = account.client("s3")
    head = s3.head_object(Bucket=account.bucket, Key="data/sample/x/images/ab/big.png", ChecksumMode="ENABLED")
    assert head["ETag"].strip('"').endswith("-3")  # 11 KB in 5 KB parts
    parts = [data[i : i + 5 * KB] for i in range(0, len(data), 5 * KB)]
    composite = base64.b64encode(hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest())
    assert head["ChecksumSHA256"].split("-")[0] == composite.decode()
    assert s3.get_object(Bucket=account.bucket, Key="data/sample/x/images/ab/big.png")["Body"].read() == data


def test_a_multipart_object_sent_with_another_part_size_counts_as_there(
    account: Account, out: Path, small_parts: int
) -> None:
    _big(out, account.bucket)
    upload_dataset(out, account.client("s3"), bucket=account.bucket, multipart_threshold=4 * KB, part_size=5 * KB)
    again = upload_dataset(
        out, account.client("s3"), bucket=account.bucket, multipart_threshold=4 * KB, part_size=3 * KB
    )
    assert again.uploaded == []


def test_a_multipart_object_with_other_content_is_a_conflict(account: Account, out: Path, small_parts: int) -> None:
    _big(out, account.bucket)
    upload_dataset(out, account.client("s3"), bucket=account.bucket, multipart_threshold=4 * KB, part_size=5 * KB)
    _big(out, account.bucket)  # regenerated: other bytes, the same key (as a hash collision would)
    with pytest.raises(UploadConflict, match=r"big\.png"):
        upload_dataset(out, account.client("s3"), bucket=account.bucket, multipart_threshold=4 * KB, part_size=5 * KB)


def test_an_earlier_runs_incomplete_multipart_upload_is_aborted(account: Account, out: Path) -> None:
    s3 = account.client("s3")
    ours = s3.create_multipart_upload(Bucket=account.bucket, Key="data/sample/x/images/ab/0.png")
    result = upload_dataset(out, s3, bucket=account.bucket)
    assert result.aborted_multipart_uploads == ["data/sample/x/images/ab/0.png"]
    uploads = s3.list_multipart_uploads(Bucket=account.bucket).get("Uploads", [])
    assert ours["UploadId"] not in {u["UploadId"] for u in uploads}


def test_an_incomplete_multipart_upload_of_another_key_is_left_alone(account: Account, out: Path) -> None:
    s3 = account.client("s3")
    other = s3.create_multipart_upload(Bucket=account.bucket, Key="data/sample/x/images/ab/someone-else.png")
    upload_dataset(out, s3, bucket=account.bucket)
    uploads = s3.list_multipart_uploads(Bucket=account.bucket).get("Uploads", [])
    assert [u["UploadId"] for u in uploads] == [other["UploadId"]]


def test_a_failed_part_aborts_its_multipart_upload_and_names_the_object(
    account: Account, out: Path, small_parts: int
) -> None:
    _big(out, account.bucket)
    s3 = account.client("s3")

    def upload_part(**kwargs: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "UploadPart")

    s3.upload_part = upload_part
    with pytest.raises(AwsError, match=r"big\.png: AccessDenied") as raised:
        upload_dataset(out, s3, bucket=account.bucket, multipart_threshold=4 * KB, part_size=5 * KB, workers=1)
    assert raised.value.hint and "s3:PutObject" in raised.value.hint
    assert s3.list_multipart_uploads(Bucket=account.bucket).get("Uploads", []) == []


# -- interruptions and read errors -----------------------------------------------------------------------------------


class _SlowS3:
    """An S3 client stand-in with an empty bucket: the first PUT is quick, every later one takes a moment."""

    def __init__(self) -> None:
        self.puts: list[str] = []

    def get_paginator(self, _name: str) -> Any:
        return self

    def paginate(self, **_kwargs: Any) -> list[dict[str, Any]]:
        return [{}]

    def head_object(self, **_kwargs: Any) -> None:
        raise ClientError({"Error": {"Code": "404", "Message": "Not Found"}}, "HeadObject")

    def put_object(self, *, Key: str, **_kwargs: Any) -> dict[str, Any]:
        self.puts.append(Key)
        if len(self.puts) > 1:
            time.sleep(0.2)
        return {}


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
    from bedrock_ft.job import upload

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


def test_a_connection_that_fails_on_every_attempt_is_an_aws_error_naming_the_object(
    account: Account, out: Path, no_backoff: None
) -> None:
    from botocore.exceptions import ConnectionClosedError

    s3 = account.client("s3")

    def put_object(**kwargs: Any) -> None:
        raise ConnectionClosedError(endpoint_url="https://s3.amazonaws.com")

    s3.put_object = put_object
    with pytest.raises(AwsError, match=r"data/sample/x/.*Connection was closed") as raised:
        upload_dataset(out, s3, bucket=account.bucket)
    assert raised.value.hint and "run the upload again" in raised.value.hint


def test_a_large_file_changed_between_the_check_and_the_send_is_not_completed(
    account: Account, out: Path, small_parts: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedrock_ft.job import upload

    _big(out, account.bucket)
    compare = upload._Sender.compare

    def compare_then_change(self: Any, item: Any) -> Any:
        state = compare(self, item)
        if item.relative.endswith("big.png"):
            item.path.write_bytes(os.urandom(item.size))  # rewritten after it was checked
        return state

    monkeypatch.setattr(upload._Sender, "compare", compare_then_change)
    s3 = account.client("s3")
    with pytest.raises(InputError, match=r"big\.png changed while it was being sent"):
        upload_dataset(out, s3, bucket=account.bucket, multipart_threshold=4 * KB, part_size=5 * KB, workers=1)
    assert "data/sample/x/images/ab/big.png" not in keys(account)
    assert s3.list_multipart_uploads(Bucket=account.bucket).get("Uploads", []) == []


# -- retrying a call botocore gave up on -----------------------------------------------------------------------------


def _failing(codes: list[str], *, retry_attempts: int = 0) -> Any:
    """A call that fails with each of ``codes`` in turn, then answers "done"; it counts its calls."""

    def call() -> str:
        call.calls += 1  # type: ignore[attr-defined]
        if codes:
            code = codes.pop(0)
            status = int(code) if code.isdigit() else 400
            response = {
                "Error": {"Code": code, "Message": "x"},
                "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": retry_attempts},
            }
            raise ClientError(response, "PutObject")
        return "done"

    call.calls = 0  # type: ignore[attr-defined]
    return call


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from bedrock_ft.job import upload

    monkeypatch.setattr(upload.random, "uniform", lambda _low, _high: 0.0)


def test_a_transient_failure_botocore_gave_up_on_early_is_tried_again(no_backoff: None) -> None:
    from bedrock_ft.job.upload import _with_retries

    call = _failing(["503", "500", "SlowDown"])
    assert _with_retries(call) == "done" and call.calls == 4


def test_a_permanent_failure_is_not_tried_again(no_backoff: None) -> None:
    from bedrock_ft.job.upload import _with_retries

    call = _failing(["AccessDenied"])
    with pytest.raises(ClientError):
        _with_retries(call)
    assert call.calls == 1


def test_a_failure_botocore_already_retried_in_full_is_not_tried_again(no_backoff: None) -> None:
    from bedrock_ft.job.session import S3_MAX_ATTEMPTS
    from bedrock_ft.job.upload import _with_retries

    call = _failing(["503"], retry_attempts=S3_MAX_ATTEMPTS)
    with pytest.raises(ClientError):
        _with_retries(call)
    assert call.calls == 1


def test_retrying_a_call_stops_after_its_attempts(no_backoff: None) -> None:
    from bedrock_ft.job.upload import CALL_ATTEMPTS, _with_retries

    call = _failing(["503"] * (CALL_ATTEMPTS + 5))
    with pytest.raises(ClientError):
        _with_retries(call)
    assert call.calls == CALL_ATTEMPTS


def test_no_permission_to_list_multipart_uploads_is_a_warning_not_a_failure(account: Account, out: Path) -> None:
    s3 = account.client("s3")

    class _Denied:
        def paginate(self, **_kwargs: Any) -> Any:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListMultipartUploads")

    real = s3.get_paginator
    s3.get_paginator = lambda name: _Denied() if name == "list_multipart_uploads" else real(name)
    result = upload_dataset(out, s3, bucket=account.bucket)
    assert keys(account) == listed_keys(out)
    assert result.warnings and "s3:ListBucketMultipartUploads" in result.warnings[0]
