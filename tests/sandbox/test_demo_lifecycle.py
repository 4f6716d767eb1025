"""The demo after submit, end to end against a moto server: the emulated job completes, then metrics, deploy,
invoke, evaluate and cleanup run, and the report shows the tuned model ahead of the base model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bedrock_ft.sandbox.demo import DemoResult, run_demo

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, list[str], Path]:
    work = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    result = run_demo(lines.append, work_dir=work, records=24)
    return result, lines, work


def test_the_job_completes_and_its_loss_curves_are_read(demo: tuple[DemoResult, list[str], Path]) -> None:
    result, lines, work = demo
    text = "\n".join(lines)
    assert result.job_status == "Completed"
    assert "EMULATED" in text and ": Completed training loss" in text
    assert "training loss   " in text and (work / "loss_curves.png").stat().st_size > 1000


def test_deploy_prints_the_model_id_and_a_repeat_creates_nothing(demo: tuple[DemoResult, list[str], Path]) -> None:
    result, lines, _work = demo
    assert f"  modelId: {result.deployment_arn}" in lines
    assert "deploy again: the same deployment, none created" in lines


def test_invoke_labels_both_answers_as_emulated(demo: tuple[DemoResult, list[str], Path]) -> None:
    _result, lines, _work = demo
    assert sum(line.endswith("[emulated]") for line in lines) == 2


def test_the_evaluation_report_shows_the_tuned_model_ahead(demo: tuple[DemoResult, list[str], Path]) -> None:
    result, _lines, _work = demo
    assert result.report_dir is not None
    report = json.loads((result.report_dir / "report.json").read_text())
    tuned, base = report["models"]["tuned"]["scores"], report["models"]["base"]["scores"]
    assert tuned["accuracy"] > base["accuracy"]
    assert (result.report_dir / "report.md").is_file()


def test_cleanup_leaves_nothing_that_bills(demo: tuple[DemoResult, list[str], Path]) -> None:
    result, lines, _work = demo
    assert result.cleaned
    after = lines[lines.index(next(line for line in lines if line.startswith("after:"))) :]
    assert not any("custom_model" in line or "deployment" in line for line in after[1:] if line.startswith("  "))
    assert "moto server stopped" in lines


def test_the_emulated_judge_scores_both_models(demo: tuple[DemoResult, list[str], Path]) -> None:
    _result, lines, _work = demo
    judged = [line for line in lines if "EMULATED evaluation job" in line]
    assert len(judged) == 2 and all("Builtin.Correctness" in line for line in judged)
