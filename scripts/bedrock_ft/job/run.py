"""generate -> upload -> preflight -> submit (-> wait) in one go, resumable.

Each finished step is recorded in WORK/run-state.json with what it produced. Running again with the same inputs
continues after the last finished step instead of redoing the earlier ones; different inputs in the same work
folder are refused (start over with ``restart=True`` or use another folder). Upload and submit are idempotent on
their own as well: a rerun after a crash inside them sends only the missing objects and never starts a second job.

``dataset`` (a folder ``generate`` already wrote, or its manifest) skips the generate step. The job is identified by
the content digests the manifest gives its data (see submit.py): the same data is the same job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bedrock_ft.core.atomic_files import write_text_atomically
from bedrock_ft.core.bounded_json import JsonInputError, read_json_document
from bedrock_ft.core.confined_files import FileRefused
from bedrock_ft.core.errors import ChecksFailed, InputError, UsageError
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.data.module_bucket import settings_in_module_bucket
from bedrock_ft.job.jobs import JobNotCompleted, JobStatus, wait_for_job
from bedrock_ft.job.preflight import CheckResult, PreflightFailed, run_preflight
from bedrock_ft.job.requests import (
    DEFAULT_CUSTOMIZATION_TYPE,
    RunRequest,
    SubmitRequest,
    UploadRequest,
)
from bedrock_ft.job.session import AwsSession
from bedrock_ft.job.submit import read_dataset, submit_job
from bedrock_ft.job.upload import upload

if TYPE_CHECKING:
    from bedrock_ft.data.generate import GenerateSettings

STATE_NAME = "run-state.json"
DATA_FOLDER = "data"
STEPS = ("generate", "upload", "preflight", "submit")


@dataclass
class RunResult:
    work_dir: Path
    steps: dict[str, dict[str, Any]]
    ran: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    job: JobStatus | None = None

    @property
    def job_arn(self) -> str | None:
        return self.steps.get("submit", {}).get("job_arn")

    def to_dict(self) -> dict[str, Any]:
        return {
            "work_dir": str(self.work_dir),
            "ran": self.ran,
            "resumed": self.resumed,
            "steps": self.steps,
            "job": self.job.to_dict() if self.job else None,
        }


class RunJobNotCompleted(JobNotCompleted):
    """The job the run waited for ended Failed or Stopped, or the wait timed out; ``result`` is the run so far,
    with ``result.job`` the job's last status, so that a caller can still report it."""

    def __init__(self, cause: JobNotCompleted, result: RunResult) -> None:
        super().__init__(cause.message, job=cause.job, hint=cause.hint, settings=cause.settings)
        self.result = result


Event = Callable[[str, str], None]  # (step, message)


def _fingerprint(
    request: RunRequest,
    outputs: TerraformOutputs,
    settings: GenerateSettings | None,
    dataset_digest: str | None,
    base_model: str,
) -> str:
    """What makes a run this run: the same document as earlier releases wrote, so their work folders resume."""
    document = {
        "settings": {k: str(v) for k, v in sorted(asdict(settings).items()) if k not in ("show_progress", "out_dir")}
        if settings is not None
        else {"dataset": dataset_digest, "base_model": base_model},
        "job": request.job_settings(),
        "outputs": {k: outputs.get(k) for k in ("region", "bucket_name", "role_arn", "subnet_ids", "kms_key_arn")},
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


# What each finished step must have recorded, and of which type, for the steps after it to use.
_STATE_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "generate": {"out_dir": (str,)},
    "upload": {"training_data": (str,), "validation_data": (str, type(None))},
    "submit": {"job_arn": (str,)},
}


def _load_state(path: Path) -> dict[str, Any] | None:
    """The run state in ``path`` (None when there is none), or an InputError when it is not a run state.

    A run state is {"fingerprint": str, "steps": {step: {"done": bool, ...}}}, and each finished step holds what
    the later steps read from it (``_STATE_FIELDS``).
    """
    hint = "delete it, or restart the run"
    try:
        state = read_json_document(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", hint=hint, setting="restart") from None
    except (FileRefused, JsonInputError) as exc:
        raise InputError(f"cannot read {path}: {exc.reason}", hint=hint, setting="restart") from None
    problem = _state_problem(state)
    if problem:
        raise InputError(f"{path} is not a run state: {problem}", hint=hint, setting="restart")
    return dict(state)


def _state_problem(state: Any) -> str | None:
    if not isinstance(state, dict):
        return "it is not a JSON object"
    if not isinstance(state.get("fingerprint"), str):
        return "its fingerprint is not a string"
    steps = state.get("steps")
    if not isinstance(steps, dict):
        return "its steps are not an object"
    for step, record in steps.items():
        if not isinstance(record, dict):
            return f"step {step!r} is not an object"
        if not isinstance(record.get("done", False), bool):
            return f"step {step!r}: done is not true or false"
        if not record.get("done"):
            continue
        for name, kinds in _STATE_FIELDS.get(step, {}).items():
            if not isinstance(record.get(name), kinds):
                return f"step {step!r}: {name} is missing or not a string"
    return None


def _save_state(path: Path, state: dict[str, Any]) -> None:
    write_text_atomically(path, json.dumps(state, indent=2, default=str) + "\n")


def run_pipeline(
    session: AwsSession,
    outputs: TerraformOutputs,
    request: RunRequest,
    *,
    on_event: Event | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
    on_poll: Callable[[JobStatus], None] | None = None,
) -> RunResult:
    """Run (or continue) the pipeline in ``request.work_dir``. Generate's settings get their bucket fields from the
    Terraform outputs (``settings_in_module_bucket``); a given dataset is uploaded as it is."""
    from bedrock_ft.data.generate import generate_dataset

    say = on_event or (lambda _step, _message: None)
    work = Path(request.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    state_path = work / STATE_NAME
    given = read_dataset(request.dataset) if request.dataset is not None else None
    settings: GenerateSettings | None = None
    base_model = request.base_model
    if request.generate is not None:
        settings = replace(
            settings_in_module_bucket(request.generate, outputs),
            out_dir=work / DATA_FOLDER,
            base_model=request.base_model or request.generate.base_model,
            customization_type=request.generate.customization_type or request.customization_type,
        )
        base_model = settings.base_model
    if given is not None:
        base_model = base_model or given.base_model
    if not base_model:
        where = given.manifest_path if given else "the generate settings"
        raise UsageError(f"{where} names no base model", hint="name the base model", setting="base_model")
    fingerprint = _fingerprint(request, outputs, settings, given.digest if given else None, base_model)
    state = None if request.restart else _load_state(state_path)
    if state is not None and state.get("fingerprint") != fingerprint:
        raise UsageError(
            f"{work} holds a run with other inputs",
            hint="restart the run there, or choose another work folder",
            settings=("restart", "work_dir"),
        )
    if state is None:
        state = {"fingerprint": fingerprint, "steps": {}}
    steps: dict[str, dict[str, Any]] = state["steps"]
    result = RunResult(work_dir=work, steps=steps)

    def finish(step: str, produced: dict[str, Any]) -> None:
        steps[step] = {"done": True, **produced}
        _save_state(state_path, state)
        result.ran.append(step)

    def already(step: str) -> bool:
        if steps.get(step, {}).get("done"):
            result.resumed.append(step)
            say(step, "already done in an earlier run: skipped")
            return True
        return False

    if given is not None and not already("generate"):
        say("generate", f"using the dataset {given.manifest_path.parent} (digest {given.digest[:16]})")
        finish("generate", {"out_dir": str(given.manifest_path.parent), "given": True, "digest": given.digest})
    if settings is not None and not already("generate"):
        say("generate", f"writing training data to {settings.out_dir}")
        generated = generate_dataset(settings)
        if not generated.ok:
            raise ChecksFailed(
                f"the generated data has {generated.validation.errors} validation error(s)",
                hint=f"validate {generated.out_dir}/train.jsonl to see them",
            )
        counts = generated.manifest.get("counts", {})
        finish(
            "generate",
            {"out_dir": str(generated.out_dir), "counts": counts, "digest": generated.manifest.get("digest")},
        )
        say("generate", f"{counts.get('train')} training and {counts.get('validation')} validation records")

    if not already("upload"):
        say("upload", f"to s3://{outputs.bucket_name}")
        uploaded = upload(
            session, outputs, UploadRequest(out_dir=Path(steps["generate"]["out_dir"]), workers=request.workers)
        )
        data = read_dataset(steps["generate"]["out_dir"])
        finish(
            "upload",
            {
                "training_data": uploaded.training_uri,
                "validation_data": uploaded.validation_uri,
                "training_digest": data.training_digest,
                "validation_digest": data.validation_digest if uploaded.validation_uri else None,
                "uploaded": len(uploaded.uploaded),
                "skipped": len(uploaded.skipped),
            },
        )
        say("upload", f"sent {len(uploaded.uploaded)} objects, {len(uploaded.skipped)} already there")

    spec = SubmitRequest(
        base_model=base_model,
        training_data=str(steps["upload"]["training_data"]),
        validation_data=steps["upload"].get("validation_data"),
        job_name=request.job_name,
        model_name=request.model_name,
        customization_type=request.customization_type
        or (given.customization_type if given else settings.customization_type if settings else None)
        or DEFAULT_CUSTOMIZATION_TYPE,
        hyperparameters=request.hyperparameters,
        teacher=request.teacher,
        max_response_length=request.max_response_length,
        grader=request.grader,
        training_digest=steps["upload"].get("training_digest"),
        validation_digest=steps["upload"].get("validation_digest"),
        skip_preflight=True,  # the run's own preflight step, just below, is the one that counts
    )
    if request.skip_preflight:
        say("preflight", "skipped (skip_preflight): the job may fail after it starts")
    elif not already("preflight"):
        report = run_preflight(session, outputs, spec.preflight_request(), on_result=on_check)
        if not report.ok:
            raise PreflightFailed(report)
        finish("preflight", {"counts": report.counts()})

    if not already("submit"):
        submitted = submit_job(session, outputs, spec)
        finish(
            "submit",
            {
                "job_arn": submitted.job_arn,
                "job_name": submitted.job_name,
                "already_submitted": submitted.already_submitted,
            },
        )
        say("submit", f"{submitted.job_arn}" + (" (already submitted)" if submitted.already_submitted else ""))

    if request.wait:
        try:
            result.job = wait_for_job(
                session.bedrock(),
                str(steps["submit"]["job_arn"]),
                timeout=request.timeout,
                initial_delay=request.poll_interval,
                on_poll=on_poll,
            )
        except JobNotCompleted as exc:
            result.job = exc.job
            raise RunJobNotCompleted(exc, result) from exc
    return result
