"""Helpers of the AWS units (the fixtures that use them are in conftest.py)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bedrock_ft.core.tf_outputs import TerraformOutputs, parse_outputs, to_terraform_json
from bedrock_ft.job.session import AwsSession

REGION = "us-east-1"
MODEL = "amazon.nova-lite-v1:0:300k"


@dataclass
class Account:
    """One mocked account with the module's infrastructure and a small uploaded vision dataset."""

    session: AwsSession
    values: dict[str, Any]

    @property
    def outputs(self) -> TerraformOutputs:
        return parse_outputs(to_terraform_json(self.values), "test outputs")

    def with_outputs(self, **changes: Any) -> TerraformOutputs:
        return parse_outputs(to_terraform_json({**self.values, **changes}), "test outputs")

    @property
    def bucket(self) -> str:
        return str(self.values["bucket_name"])

    @property
    def training_uri(self) -> str:
        return f"s3://{self.bucket}/data/sample/train.jsonl"

    @property
    def validation_uri(self) -> str:
        return f"s3://{self.bucket}/data/sample/validation.jsonl"

    def client(self, service: str) -> Any:
        return self.session.client(service)

    def put_records(self, key: str, records: list[dict[str, Any]]) -> None:
        body = "".join(json.dumps(r) + "\n" for r in records).encode()
        self.client("s3").put_object(Bucket=self.bucket, Key=key, Body=body)


def set_status(job: str, status: str, message: str = "boom") -> None:
    """Set a job's status (and failure message) in moto's backend: moto never moves a job on by itself."""
    from moto.bedrock.models import bedrock_backends

    from bedrock_ft.job.jobs import job_name_from

    stored = bedrock_backends["123456789012"][REGION].model_customization_jobs[job_name_from(job)]
    stored.status = status
    stored.failure_message = message


def vision_record(image_uri: str, owner: str = "123456789012") -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You review web pages."}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": "Review this page."},
                    {"image": {"format": "png", "source": {"s3Location": {"uri": image_uri, "bucketOwner": owner}}}},
                ],
            },
            {"role": "assistant", "content": [{"text": "The button has no label."}]},
        ],
    }


def write_manifest(
    folder: Path,
    bucket: str,
    *,
    base: str = "data/sample/x",
    data_prefix: str = "data/sample/x",
    base_model: str | None = MODEL,
) -> dict[str, Any]:
    """Write OUT/manifest.json for the files in ``folder`` as generate would: keys, sizes, hashes and the digest."""
    from bedrock_ft.core.s3_uris import join_key
    from bedrock_ft.data.generate import dataset_digest, dataset_prefix, images_prefix

    files: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"):
        relative = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        files[relative] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        if relative.endswith(".jsonl"):
            files[relative]["records"] = data.count(b"\n")
    kind = {"base_model": base_model, "record_format": "bedrock-conversation-2024", "customization_type": "FINE_TUNING"}
    digest = dataset_digest(files, **kind)
    prefix = dataset_prefix(base, digest)
    for relative, facts in files.items():
        facts["key"] = join_key(data_prefix if relative.startswith("images/") else prefix, relative)
    manifest = {
        "tool": "bedrock-ft",
        "created": datetime.now(UTC).isoformat(),
        **kind,
        "digest": digest,
        "bucket": bucket,
        "prefix": prefix,
        "images_prefix": images_prefix(data_prefix),
        "bucket_owner": "123456789012",
        "counts": {"train": 1, "validation": 1, "images": sum(k.startswith("images/") for k in files)},
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest
