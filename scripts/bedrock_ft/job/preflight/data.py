"""The data checks: the bucket's region, the data objects, the images they point at, whether the data fits the model."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from bedrock_ft.core.errors import BedrockFtError
from bedrock_ft.core.models import (
    CustomizationType,
    ModelSpec,
    RecordFormat,
    accepts_images,
    accepts_video,
    find_model,
)
from bedrock_ft.core.s3_uris import S3Uri, parse_s3_uri
from bedrock_ft.data.validate import format_for
from bedrock_ft.job.preflight.context import (
    CheckContext,
)
from bedrock_ft.job.preflight.results import CheckResult, failed, passed, skipped


def check_bucket_region(ctx: CheckContext) -> Iterator[CheckResult]:
    name = "bucket-region"
    buckets = sorted({ctx.bucket} | {uri.bucket for _, uri in ctx.data_uris()})
    wrong = []
    for bucket in buckets:
        location = ctx.session.client("s3").get_bucket_location(Bucket=bucket).get("LocationConstraint")
        region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
        if region != ctx.region:
            wrong.append(f"{bucket} is in {region}")
    if wrong:
        yield failed(
            name,
            f"{'; '.join(wrong)}, the job in {ctx.region}",
            "keep the data in a bucket of the job's region (the module's bucket is)",
        )
    else:
        yield passed(name, f"{', '.join(buckets)} in {ctx.region}")


def check_data_objects(ctx: CheckContext) -> Iterator[CheckResult]:
    s3 = ctx.session.client("s3")
    for kind, uri in ctx.data_uris():
        name = f"{kind}-data"
        if uri.bucket != ctx.bucket:
            yield failed(
                name,
                f"{uri} is not in the module's bucket {ctx.bucket}",
                "upload the data with `bedrock-ft upload` so the role and the endpoint policy cover it",
            )
            continue
        try:
            head = s3.head_object(Bucket=uri.bucket, Key=uri.key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound"):
                yield failed(name, f"{uri} does not exist", "run `bedrock-ft upload OUT` first")
                continue
            raise
        if head.get("ContentLength", 1) == 0:
            yield failed(name, f"{uri} is empty", "generate the dataset again and upload it")
        else:
            yield passed(name, f"{uri} exists ({head.get('ContentLength')} bytes)")
    if not ctx.request.validation_data:
        yield skipped("validation-data", "no validation data given")


def _image_locations(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        location = node.get("s3Location")
        if isinstance(location, dict) and "uri" in location:
            yield location
        for value in node.values():
            yield from _image_locations(value)
    elif isinstance(node, list):
        for value in node:
            yield from _image_locations(value)


def check_images(ctx: CheckContext) -> Iterator[CheckResult]:
    name = "images"
    s3 = ctx.session.client("s3")
    dataset_bucket = ctx.bucket
    keys: set[str] = set()
    problems: list[str] = []
    records = 0
    owner_problems = False
    for kind, uri in ctx.data_uris():
        try:
            body = s3.get_object(Bucket=uri.bucket, Key=uri.key)["Body"]
        except ClientError:
            problems.append(f"cannot read the {kind} data {uri}")
            continue
        for line_number, line in enumerate(body.iter_lines(), start=1):
            if not line.strip():
                problems.append(f"{uri} line {line_number} is blank (Bedrock rejects blank lines)")
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                problems.append(f"{uri} line {line_number} is not JSON")
                continue
            records += 1
            for location in _image_locations(record):
                image = location["uri"]
                if not str(image).startswith("s3://"):
                    problems.append(f"{uri} line {line_number}: {image} is not an s3:// URI")
                    continue
                image_uri = parse_s3_uri(image)
                if image_uri.bucket != dataset_bucket:
                    problems.append(f"{uri} line {line_number}: {image} is in another bucket than {dataset_bucket}")
                    continue
                owner = location.get("bucketOwner")
                if owner is None or not str(owner).strip():
                    problems.append(f"{uri} line {line_number}: {image} has no bucketOwner")
                    owner_problems = True
                elif str(owner) != ctx.account_id:
                    problems.append(
                        f"{uri} line {line_number}: bucketOwner {owner} is not the account {ctx.account_id}"
                    )
                    owner_problems = True
                keys.add(image_uri.key)
        if len(problems) > 20:
            break
    missing = sorted(keys - _existing_keys(ctx, keys)) if keys else []
    problems += [f"s3://{dataset_bucket}/{key} does not exist" for key in missing[:10]]
    if len(missing) > 10:
        problems.append(f"... and {len(missing) - 10} more missing images")
    if problems:
        shown = problems[:5] + ([f"... {len(problems) - 5} more"] if len(problems) > 5 else [])
        hint = "run `bedrock-ft generate` with these Terraform outputs, then `bedrock-ft upload OUT`"
        if owner_problems:
            hint = (
                f"generate the records again with bucket owner {ctx.account_id} (or with the Terraform outputs, "
                "whose account_id it takes), then upload them"
            )
        yield failed(name, "; ".join(shown), hint)
    elif not keys:
        yield passed(name, f"{records} records, none points at an image")
    else:
        yield passed(name, f"{len(keys)} images referenced by {records} records exist in {dataset_bucket}")


def _existing_keys(ctx: CheckContext, keys: set[str]) -> set[str]:
    """The keys among ``keys`` that exist: one listing under their common folder instead of a HEAD each."""
    common = _common_folder(keys)
    paginator = ctx.session.client("s3").get_paginator("list_objects_v2")
    found: set[str] = set()
    for page in paginator.paginate(Bucket=ctx.bucket, Prefix=common):
        found.update(obj["Key"] for obj in page.get("Contents", []) if obj["Key"] in keys)
    return found


def _common_folder(keys: set[str]) -> str:
    parts = [k.split("/")[:-1] for k in keys]
    prefix: list[str] = []
    for segment in zip(*parts, strict=False):
        if len(set(segment)) != 1:
            break
        prefix.append(segment[0])
    return "/".join(prefix) + "/" if prefix else ""


# Reading the uploaded data back: how much, at most.
READ_BACK_BYTES = 1024 * 1024  # of the training file, from its start


READ_BACK_RECORDS = 200


MANIFEST_NAME = "manifest.json"


MANIFEST_BYTES = 4 * 1024 * 1024


def record_format_of(record: Any) -> RecordFormat | None:
    """The record format one JSONL record is written in, from its keys and shapes; None when it is none of them."""
    if not isinstance(record, dict):
        return None
    messages = record.get("messages")
    if isinstance(messages, list) and "reference_answer" in record:
        return RecordFormat.RFT
    if isinstance(messages, list):
        blocks = any(isinstance(m, dict) and isinstance(m.get("content"), list) for m in messages)
        if "schemaVersion" in record or blocks or isinstance(record.get("system"), list):
            return RecordFormat.CONVERSATION
        return RecordFormat.CLAUDE_MESSAGES
    if "prompt" in record and "completion" in record:
        return RecordFormat.PROMPT_COMPLETION
    if "input" in record:
        return RecordFormat.PRETRAINING
    return None


def media_of(record: Any) -> set[str]:
    """The kinds of media ("image", "video") a conversation record's content blocks hold."""
    found: set[str] = set()
    messages = record.get("messages") if isinstance(record, dict) else None
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict):
                found.update(kind for kind in ("image", "video") if kind in block)
    return found


def _read_head(s3: Any, bucket: str, key: str, limit: int) -> tuple[bytes, bool]:
    """The first ``limit`` bytes of an object, and whether there is more."""
    response = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{limit - 1}")
    data = response["Body"].read(limit + 1)[:limit]
    total = str(response.get("ContentRange", "")).rpartition("/")[2]
    more = total.isdigit() and int(total) > len(data)
    return data, more


def _first_records(s3: Any, uri: S3Uri) -> list[Any]:
    data, more = _read_head(s3, uri.bucket, uri.key, READ_BACK_BYTES)
    lines = data.split(b"\n")
    if more:
        lines = lines[:-1]  # cut by the byte bound
    records: list[Any] = []
    for line in lines:
        if len(records) >= READ_BACK_RECORDS:
            break
        if not line.strip():
            continue
        try:
            records.append(json.loads(line.decode("utf-8")))
        except (ValueError, RecursionError):
            continue  # the images check names lines that are not JSON
    return records


def _manifest_beside(s3: Any, uri: S3Uri) -> tuple[dict[str, Any] | None, str | None]:
    """(manifest.json beside the training file, or None; a problem reading it, or None)."""
    folder = uri.key.rpartition("/")[0]
    key = f"{folder}/{MANIFEST_NAME}" if folder else MANIFEST_NAME
    try:
        data, more = _read_head(s3, uri.bucket, key, MANIFEST_BYTES)
    except ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound", "InvalidRange"):
            return None, None
        raise
    where = f"s3://{uri.bucket}/{key}"
    if more:
        return None, f"{where} is larger than {MANIFEST_BYTES} bytes"
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None, f"{where} is not JSON"
    if not isinstance(manifest, dict):
        return None, f"{where} is not a JSON object"
    return manifest, None


def check_data_fits_model(ctx: CheckContext) -> Iterator[CheckResult]:
    """The uploaded training data, read back (its first records and the manifest beside it), fits the base model:
    its record format is the one the model takes for this customization type, and it holds no media the model cannot
    take (images for a text-only model, video for a model without video, both kinds in one dataset)."""
    name = "data-fits-model"
    try:
        spec = find_model(ctx.request.base_model)
    except BedrockFtError:
        yield skipped(name, f"{ctx.request.base_model} is not in bedrock-ft's model table")
        return
    kind = ctx.request.customization_type
    if kind not in {t.value for t in CustomizationType}:
        yield skipped(name, f"bedrock-ft's model table has no record format for {kind}")
        return
    customization = CustomizationType(kind)
    if customization not in spec.customization_types:
        yield skipped(name, f"{spec.display_name} does not support {kind} (see base-model)")
        return
    expected = format_for(spec, customization)
    uri = ctx.data_uris()[0][1]
    if uri.bucket != ctx.bucket:
        yield skipped(name, f"{uri} is not in the module's bucket (see training-data)")
        return
    s3 = ctx.session.client("s3")
    try:
        records = _first_records(s3, uri)
    except ClientError:
        yield skipped(name, f"cannot read {uri} back (see training-data)")
        return
    manifest, manifest_problem = _manifest_beside(s3, uri)
    problems: list[str] = []
    if manifest_problem:
        problems.append(manifest_problem)
    media: set[str] = set()
    if manifest is not None:
        problems += _manifest_problems(manifest, spec, expected)
        counts = manifest.get("counts")
        if isinstance(counts, dict) and isinstance(counts.get("images"), int) and counts["images"] > 0:
            media.add("image")
    formats = Counter(record_format_of(r) for r in records)
    wrong = {f: n for f, n in formats.items() if f is not expected}
    if wrong:
        shown = ", ".join(f"{n} in {f.value if f else 'no known format'}" for f, n in wrong.items())
        problems.append(
            f"of the first {len(records)} records of {uri}, {shown}; {spec.display_name} takes "
            f"{expected.value} for {kind}"
        )
    for record in records:
        media |= media_of(record)
    if "image" in media and not accepts_images(spec):
        problems.append(f"the data holds images, and {spec.display_name} takes no images")
    if "video" in media and not accepts_video(spec):
        problems.append(f"the data holds video, and {spec.display_name} takes no video")
    if media == {"image", "video"}:
        problems.append("the data holds both images and video: a dataset holds one kind of media")
    if problems:
        yield failed(
            name,
            "; ".join(problems),
            f"generate the dataset for base model {ctx.request.base_model}, upload it, and submit that; or submit "
            "with the base model the data was generated for",
        )
        return
    described = f"{len(records)} records read back in {expected.value}"
    yield passed(
        name,
        described
        + (f" with {', '.join(sorted(media))}" if media else ", no media")
        + f"; {spec.display_name} takes them"
        + ("; manifest agrees" if manifest is not None else ""),
    )


def _manifest_problems(manifest: dict[str, Any], spec: ModelSpec, expected: RecordFormat) -> list[str]:
    problems = []
    generated_for = manifest.get("base_model")
    if isinstance(generated_for, str) and generated_for:
        try:
            family = find_model(generated_for).family
        except BedrockFtError:
            family = None
        if family != spec.family:
            problems.append(
                f"the manifest says the data was generated for {generated_for}, not a {spec.display_name} model"
            )
    record_format = manifest.get("record_format")
    if isinstance(record_format, str) and record_format and record_format != expected.value:
        problems.append(
            f"the manifest says the records are {record_format}; {spec.display_name} takes {expected.value}"
        )
    return problems
