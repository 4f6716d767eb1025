"""Continue a finished ``run`` with the steps after training: deploy the model, then evaluate it against its base.

``job/run.py`` records each step of a run in ``WORK/run-state.json`` ({"fingerprint", "steps": {step: {"done",
...}}}) and must not import this layer; this module reads that state, runs the steps it is asked for that are not
done yet, and records them the same way (``deploy``: the deployment; ``evaluate``: the report), so a rerun skips
them. Evaluation itself resumes from its answer cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bedrock_ft.core.atomic_files import write_text_atomically
from bedrock_ft.core.bounded_json import JsonInputError, read_json_document
from bedrock_ft.core.confined_files import FileRefused
from bedrock_ft.core.errors import InputError, UsageError
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.session import AwsSession
from bedrock_ft.lifecycle.deploy import DeployRequest, deploy
from bedrock_ft.lifecycle.ledger import Ledger
from bedrock_ft.lifecycle.resolve import resolve_custom_model
from bedrock_ft.lifecycle.waiting import Backoff

STATE_NAME = "run-state.json"  # job/run.py's STATE_NAME


@dataclass(frozen=True)
class ContinueRequest:
    work_dir: Path
    deploy: DeployRequest | None = None  # its ``model`` is ignored: the run's job names the model
    evaluate: dict[str, Any] | None = None  # EvaluateRequest fields beyond the models, records and report folder


@dataclass
class ContinueResult:
    work_dir: Path
    done: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> what it recorded
    skipped: list[str] = field(default_factory=list)  # steps done by an earlier run

    def to_dict(self) -> dict[str, Any]:
        return {"work_dir": str(self.work_dir), "steps": self.done, "skipped": list(self.skipped)}


def _load(path: Path) -> dict[str, Any]:
    try:
        state = read_json_document(path)
    except FileNotFoundError:
        raise InputError(f"{path} does not exist: the run has not submitted a job here yet") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (FileRefused, JsonInputError) as exc:
        raise InputError(f"cannot read {path}: {exc.reason}") from None
    if not isinstance(state, dict) or not isinstance(state.get("steps"), dict):
        raise InputError(f"{path} is not a run state")
    return state


def _save(path: Path, state: dict[str, Any]) -> None:
    write_text_atomically(path, json.dumps(state, indent=2, default=str) + "\n")


def _done(steps: dict[str, Any], name: str) -> bool:
    record = steps.get(name)
    return isinstance(record, dict) and record.get("done") is True


def continue_run(
    session: AwsSession,
    outputs: TerraformOutputs | None,
    request: ContinueRequest,
    *,
    ledger: Ledger | None = None,
    on_progress: Callable[[str], None] | None = None,
    backoff: Backoff = Backoff(),  # noqa: B008 - frozen
) -> ContinueResult:
    """Deploy and/or evaluate the model of the run in ``request.work_dir``; see the module's docstring."""
    path = Path(request.work_dir) / STATE_NAME
    state = _load(path)
    steps: dict[str, Any] = state["steps"]
    submitted = steps.get("submit") if _done(steps, "submit") else None
    job_arn = submitted.get("job_arn") if isinstance(submitted, dict) else None
    if not isinstance(job_arn, str) or not job_arn:
        raise UsageError(f"the run in {request.work_dir} has not submitted a job yet: nothing to deploy or evaluate")
    result = ContinueResult(work_dir=Path(request.work_dir))

    def finish(name: str, produced: dict[str, Any]) -> None:
        steps[name] = {"done": True, **produced}
        _save(path, state)
        result.done[name] = produced

    if request.deploy is not None:
        if _done(steps, "deploy"):
            result.skipped.append("deploy")
        else:
            from dataclasses import replace

            served = deploy(
                session,
                replace(request.deploy, model=job_arn),
                ledger=ledger,
                on_progress=on_progress,
                backoff=backoff,
            )
            finish("deploy", {"deployment_arn": served.arn, "kind": served.kind, "model_arn": served.model_arn})
    if request.evaluate is not None:
        if _done(steps, "evaluate"):
            result.skipped.append("evaluate")
        else:
            if not _done(steps, "deploy"):
                raise UsageError("evaluation needs the deployed model: deploy in the same run first")
            finish("evaluate", _evaluate(session, outputs, request, steps, job_arn))
    return result


def _evaluate(
    session: AwsSession,
    outputs: TerraformOutputs | None,
    request: ContinueRequest,
    steps: dict[str, Any],
    job_arn: str,
) -> dict[str, Any]:
    from bedrock_ft.lifecycle.evaluation import EvaluateRequest, run_evaluation

    generated = steps.get("generate") if isinstance(steps.get("generate"), dict) else {}
    out_dir = generated.get("out_dir") if isinstance(generated, dict) else None
    settings = dict(request.evaluate or {})
    records = settings.pop("records", None) or (Path(out_dir) / "validation.jsonl" if out_dir else None)
    if records is None or not Path(records).is_file():
        raise InputError(
            "the run has no held-out records to evaluate on (no validation split)",
            hint="give a test file in the training format",
        )
    model = resolve_custom_model(session.bedrock(), job_arn)
    report_dir = settings.pop("report_dir", None) or Path(request.work_dir) / "evaluation"
    report = run_evaluation(
        session,
        outputs,
        EvaluateRequest(
            tuned_model=str(steps["deploy"]["deployment_arn"]),
            base_model=model.base_model_id,
            records=Path(records),
            report_dir=Path(report_dir),
            **settings,
        ),
    )
    return {"report_dir": str(report.report_dir), "ok": report.ok, "headline_metric": report.headline_metric}
