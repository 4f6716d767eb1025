"""Helpers of the AWS units (the fixtures that use them are in conftest.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bedrock_ft.aws_session import AwsSession
from bedrock_ft.tf_outputs import TerraformOutputs, parse_outputs, to_terraform_json

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

    from bedrock_ft.jobs import job_name_from

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
