"""Fixtures for the AWS units: moto in-process, with the module's infrastructure created by the sandbox code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from bedrock_ft.core.tf_outputs import to_terraform_json
from bedrock_ft.job.session import make_session
from bedrock_ft.sandbox.infrastructure import create_infrastructure
from helpers.aws_fixtures import REGION, Account, vision_record


@pytest.fixture
def account() -> Iterator[Account]:
    with mock_aws():
        session = make_session(REGION)
        values = create_infrastructure(session, flow_logs=False)
        acct = Account(session=session, values=values)
        s3 = session.client("s3")
        for i in range(3):
            s3.put_object(Bucket=acct.bucket, Key=f"data/sample/images/{i}.png", Body=b"png")
        acct.put_records(
            "data/sample/train.jsonl",
            [vision_record(f"s3://{acct.bucket}/data/sample/images/{i}.png") for i in range(3)],
        )
        acct.put_records(
            "data/sample/validation.jsonl", [vision_record(f"s3://{acct.bucket}/data/sample/images/0.png")]
        )
        yield acct


@pytest.fixture
def outputs_file(account: Account, tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(to_terraform_json(account.values)), encoding="utf-8")
    return path
