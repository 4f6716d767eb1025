"""Helpers of the lifecycle tests: answers shaped like the real service's, and a mocked account where moto holds
the custom models and jobs and the sandbox emulator serves deployments, provisioned throughput and Converse."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bedrock_ft import CREATED_BY_TAG_KEY, CREATED_BY_TAG_VALUE
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.lifecycle.waiting import Backoff

REGION = "us-east-1"
ACCOUNT = "123456789012"
BASE_ARN = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-lite-v1:0:300k"
MODEL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/amazon.nova-lite-v1:0:300k/abcdef123456"
DEPLOYMENT_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model-deployment/a1b2c3d4e5f6"
PROVISIONED_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:provisioned-model/f6e5d4c3b2a1"
JOB_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/amazon.nova-lite-v1:0:300k/job123456789"
CREATED = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
TOOL_TAGS = [{"key": CREATED_BY_TAG_KEY, "value": CREATED_BY_TAG_VALUE}]
FAST = Backoff(initial=1.0, maximum=4.0)


def no_sleep(_seconds: float) -> None:
    return None


def custom_model(
    *, arn: str = MODEL_ARN, base: str = BASE_ARN, status: str = "Active", created: datetime = CREATED
) -> dict[str, Any]:
    """A GetCustomModel answer."""
    return {
        "modelArn": arn,
        "modelName": "bedrock-ft-nova-lite-model-0123",
        "jobArn": JOB_ARN,
        "baseModelArn": base,
        "creationTime": created,
        "modelStatus": status,
    }


def deployment(status: str, *, arn: str = DEPLOYMENT_ARN, model_arn: str = MODEL_ARN) -> dict[str, Any]:
    """A GetCustomModelDeployment answer."""
    return {
        "customModelDeploymentArn": arn,
        "modelDeploymentName": "bedrock-ft-nova-lite-model-0123-od-1",
        "modelArn": model_arn,
        "createdAt": CREATED,
        "status": status,
    }


def provisioned(
    status: str, *, units: int = 1, commitment: str | None = None, ends: datetime | None = None
) -> dict[str, Any]:
    """A GetProvisionedModelThroughput answer."""
    answer: dict[str, Any] = {
        "modelUnits": units,
        "desiredModelUnits": units,
        "provisionedModelName": "bedrock-ft-nova-lite-model-0123-pt-1",
        "provisionedModelArn": PROVISIONED_ARN,
        "modelArn": MODEL_ARN,
        "desiredModelArn": MODEL_ARN,
        "foundationModelArn": BASE_ARN,
        "status": status,
        "creationTime": CREATED,
        "lastModifiedTime": CREATED,
    }
    if commitment:
        answer["commitmentDuration"] = commitment
        answer["commitmentExpirationTime"] = ends
    return answer


@dataclass
class EmulatedAccount:
    """moto (in-process) with the module's infrastructure, a completed job of this tool and the emulator."""

    session: AwsSession
    values: dict[str, Any]
    job_arn: str
    model_arn: str
    emulator: Any

    @property
    def bucket(self) -> str:
        return str(self.values["bucket_name"])


def conversation(question: str, answer: str, system: str = "You review web pages.") -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": system}],
        "messages": [
            {"role": "user", "content": [{"text": question}]},
            {"role": "assistant", "content": [{"text": answer}]},
        ],
    }


TRAINING = [
    conversation(f"Review page {n} of the {topic} site: {detail}", f"{label}: fail")
    for n, (topic, detail, label) in enumerate(
        [
            ("bank", "grey text on white", "1.4.3 Contrast (Minimum)"),
            ("shop", "icon buttons without names", "4.1.2 Name, Role, Value"),
            ("library", "images without alt text", "1.1.1 Non-text Content"),
            ("travel", "grey text on white", "1.4.3 Contrast (Minimum)"),
            ("news", "icon buttons without names", "4.1.2 Name, Role, Value"),
            ("clinic", "images without alt text", "1.1.1 Non-text Content"),
        ]
        * 3
    )
]


def emulated_account(*, creating_polls: int = 1, tag: bool = True) -> EmulatedAccount:
    """Call inside mock_aws(): the account, a job this tool submitted (tagged), completed by the emulator."""
    from bedrock_ft.sandbox.emulated import install_emulation
    from bedrock_ft.sandbox.infrastructure import create_infrastructure

    session = make_session(REGION)
    values = create_infrastructure(session, flow_logs=False)
    bucket = values["bucket_name"]
    body = "".join(json.dumps(r) + "\n" for r in TRAINING).encode()
    session.s3().put_object(Bucket=bucket, Key="data/sample/d1/train.jsonl", Body=body)
    tags = TOOL_TAGS if tag else []
    job = session.bedrock().create_model_customization_job(
        jobName="bedrock-ft-nova-lite-0123",
        customModelName="bedrock-ft-nova-lite-model-0123",
        roleArn=values["role_arn"],
        baseModelIdentifier="amazon.nova-lite-v1:0:300k",
        trainingDataConfig={"s3Uri": f"s3://{bucket}/data/sample/d1/train.jsonl"},
        outputDataConfig={"s3Uri": f"s3://{bucket}/output/bedrock-ft-nova-lite-0123/"},
        hyperParameters={"epochCount": "1"},
        jobTags=tags,
        customModelTags=tags,
    )
    emulator = install_emulation(session, creating_polls=creating_polls)
    model_arn = emulator.complete_job(job["jobArn"])
    return EmulatedAccount(session, values, job["jobArn"], model_arn, emulator)


def cli_on(account: EmulatedAccount, monkeypatch: Any, state_dir: Any) -> None:
    """Make the lifecycle commands use ``account``'s session (with the emulator) and a private ledger."""
    import bedrock_ft.cli.lifecycle_commands as commands

    monkeypatch.setattr(commands, "_session_for", lambda *_args: account.session)
    monkeypatch.setenv("BEDROCK_FT_STATE_DIR", str(state_dir))


def cli(*args: str) -> tuple[int, str, str]:
    """Run ``bedrock-ft ARGS`` through ``main`` (exit codes mapped as for a user): (code, stdout, stderr)."""
    import contextlib
    import io

    from bedrock_ft.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()
