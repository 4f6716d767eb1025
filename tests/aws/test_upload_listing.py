"""upload decides "already there" from one listing where the key proves the content: content-addressed images, and
the manifest of the dataset prefix by its digest. API calls are counted with botocore's before-parameter-build events
(moto in-process)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bedrock_ft.job.upload import UploadConflict, upload_dataset
from helpers.aws_fixtures import Account, write_manifest

IMAGES = [f"picture {i}".encode() for i in range(4)]


def addressed_out(folder: Path, bucket: str, *, plain_image: bool = False) -> Path:
    """A folder as generate writes it: images named by their SHA-256, two JSONL files, the manifest."""
    for data in IMAGES:
        digest = hashlib.sha256(data).hexdigest()
        (folder / "images" / digest[:2]).mkdir(parents=True, exist_ok=True)
        (folder / "images" / digest[:2] / f"{digest}.png").write_bytes(data)
    if plain_image:
        (folder / "images" / "zz").mkdir(parents=True)
        (folder / "images" / "zz" / "plain.png").write_bytes(b"a name that is not a digest")
    (folder / "train.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    (folder / "validation.jsonl").write_text('{"a": 2}\n', encoding="utf-8")
    write_manifest(folder, bucket)
    return folder


def manifest_of(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "manifest.json").read_text()))


def image_key(folder: Path, n: int) -> str:
    digest = hashlib.sha256(IMAGES[n]).hexdigest()
    return str(manifest_of(folder)["files"][f"images/{digest[:2]}/{digest}.png"]["key"])


def counting(s3: Any) -> Counter[str]:
    """Every S3 operation the client sends from now on, counted by name, and by "name images" for image keys."""
    calls: Counter[str] = Counter()

    def count(model: Any, params: Any, **_kwargs: Any) -> None:
        calls[model.name] += 1
        if "/images/" in str(params.get("Key") or ""):
            calls[f"{model.name} images"] += 1

    s3.meta.events.register("before-parameter-build.s3", count)
    return calls


@pytest.fixture
def out(account: Account, tmp_path: Path) -> Path:
    return addressed_out(tmp_path / "out", account.bucket)


def test_an_unchanged_rerun_sends_no_head_and_no_put_for_the_images(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    calls = counting(s3)
    again = upload_dataset(out, s3, bucket=account.bucket)
    assert again.uploaded == [] and len(again.skipped) == len(IMAGES) + 3
    assert calls["HeadObject images"] == 0 and calls["PutObject"] == 0


def test_an_unchanged_rerun_reads_the_listing_the_manifest_and_the_jsonl_checksums(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    calls = counting(s3)
    upload_dataset(out, s3, bucket=account.bucket)
    assert calls["ListObjectsV2"] == 2  # the dataset prefix and the images prefix, one page each
    assert calls["GetObject"] == 1  # the published manifest
    assert calls["HeadObject"] == 2  # train.jsonl and validation.jsonl: a same-size overwrite must not pass


def test_a_jsonl_overwritten_with_other_bytes_of_the_same_size_stops_the_upload(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    train = manifest_of(out)["files"]["train.jsonl"]["key"]
    s3.put_object(Bucket=account.bucket, Key=train, Body=b'{"a": 9}\n')
    with pytest.raises(UploadConflict, match=r"train\.jsonl"):
        upload_dataset(out, s3, bucket=account.bucket)


def test_a_first_upload_asks_about_no_object_on_its_own(account: Account, out: Path) -> None:
    s3 = account.client("s3")
    calls = counting(s3)
    result = upload_dataset(out, s3, bucket=account.bucket)
    assert calls["HeadObject"] == 0 and calls["GetObject"] == 0
    assert calls["PutObject"] == len(result.uploaded) == len(IMAGES) + 3


def test_a_missing_image_is_sent_on_a_rerun_without_asking_about_the_others(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    s3.delete_object(Bucket=account.bucket, Key=image_key(out, 2))
    calls = counting(s3)
    again = upload_dataset(out, s3, bucket=account.bucket)
    assert again.uploaded == [image_key(out, 2)]
    assert calls["HeadObject images"] == 0


def test_a_content_addressed_object_of_another_size_stops_the_upload(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    s3.put_object(Bucket=account.bucket, Key=image_key(out, 1), Body=b"cut")
    with pytest.raises(UploadConflict, match=re.escape(image_key(out, 1))) as raised:
        upload_dataset(out, s3, bucket=account.bucket)
    assert "replace_changed" in str(raised.value)


def test_force_sends_a_content_addressed_object_of_another_size_again(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    s3.put_object(Bucket=account.bucket, Key=image_key(out, 1), Body=b"cut")
    result = upload_dataset(out, s3, bucket=account.bucket, replace_changed=True)
    assert result.replaced == [image_key(out, 1)]
    assert s3.get_object(Bucket=account.bucket, Key=image_key(out, 1))["Body"].read() == IMAGES[1]


def test_a_jsonl_of_another_size_under_the_published_prefix_stops_the_upload(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    train = manifest_of(out)["files"]["train.jsonl"]["key"]
    s3.put_object(Bucket=account.bucket, Key=train, Body=b'{"a": 1, "b": 2}\n')
    with pytest.raises(UploadConflict, match=r"train\.jsonl"):
        upload_dataset(out, s3, bucket=account.bucket)


def test_another_datasets_manifest_at_the_prefix_makes_the_jsonl_files_unproven(account: Account, out: Path) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    key = manifest_of(out)["prefix"] + "/manifest.json"
    s3.put_object(Bucket=account.bucket, Key=key, Body=json.dumps({"digest": "0" * 64}).encode())
    calls = counting(s3)
    with pytest.raises(UploadConflict, match=r"manifest\.json"):
        upload_dataset(out, s3, bucket=account.bucket)
    assert calls["HeadObject"] == 2  # the JSONL files, checked by S3's checksum


def test_an_image_whose_name_is_not_its_digest_is_asked_about(account: Account, tmp_path: Path) -> None:
    folder = addressed_out(tmp_path / "out", account.bucket, plain_image=True)
    upload_dataset(folder, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")
    calls = counting(s3)
    upload_dataset(folder, s3, bucket=account.bucket)
    assert calls["HeadObject images"] == 1


def test_a_listing_over_a_thousand_keys_is_read_page_by_page(account: Account, out: Path) -> None:
    s3 = account.client("s3")
    images_prefix = manifest_of(out)["images_prefix"]
    for n in range(1001):  # other datasets' images under the shared images prefix
        s3.put_object(Bucket=account.bucket, Key=f"{images_prefix}/00/other-{n:04d}.png", Body=b"x")
    upload_dataset(out, s3, bucket=account.bucket)
    calls = counting(s3)
    again = upload_dataset(out, s3, bucket=account.bucket)
    assert calls["ListObjectsV2"] == 3  # two pages of images, one of the dataset prefix
    assert again.uploaded == [] and calls["HeadObject images"] == 0


def test_without_permission_to_list_every_object_is_asked_about_and_a_warning_says_so(
    account: Account, out: Path
) -> None:
    upload_dataset(out, account.client("s3"), bucket=account.bucket)
    s3 = account.client("s3")

    class _Denied:
        def paginate(self, **_kwargs: Any) -> Any:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListObjectsV2")

    real = s3.get_paginator
    s3.get_paginator = lambda name: _Denied() if name == "list_objects_v2" else real(name)
    calls = counting(s3)
    again = upload_dataset(out, s3, bucket=account.bucket)
    assert again.uploaded == [] and calls["HeadObject"] == len(IMAGES) + 3
    assert any("s3:ListBucket" in warning for warning in again.warnings)


def test_listing_timestamps_are_read_as_the_same_utc_instants_as_header_timestamps(account: Account) -> None:
    s3 = account.client("s3")
    s3.put_object(Bucket=account.bucket, Key="data/when.txt", Body=b"x")
    listed = s3.list_objects_v2(Bucket=account.bucket, Prefix="data/when.txt")["Contents"][0]["LastModified"]
    headed = s3.head_object(Bucket=account.bucket, Key="data/when.txt")["LastModified"]  # an RFC 822 header
    assert listed.utcoffset() is not None and headed.utcoffset() is not None
    assert abs((listed - headed).total_seconds()) < 1


def test_a_timestamp_without_a_zone_is_left_to_botocores_parser() -> None:
    from botocore.utils import parse_timestamp

    from bedrock_ft.job.session import _timestamp

    assert _timestamp("2026-12-06T03:25:00") == parse_timestamp("2026-12-06T03:25:00")
    assert _timestamp("2026-12-06T03:25:00.5Z").isoformat() == "2026-12-06T03:25:00.500000+00:00"
    assert _timestamp(1765000000) == parse_timestamp(1765000000)
