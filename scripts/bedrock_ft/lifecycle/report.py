"""The report folder of an evaluation: report.json, report.md and PNG figures, each written whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bedrock_ft.core.atomic_files import write_text_atomically
from bedrock_ft.lifecycle import plots
from bedrock_ft.lifecycle.evaluation import BASE, TUNED, EvaluationReport

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
MAX_EXAMPLE_CHARS = 600
MAX_FIGURE_CATEGORIES = 30


def write_report(report: EvaluationReport) -> list[str]:
    """Figures first (their names go into the documents), then report.md, then report.json last."""
    folder = report.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    figures = write_figures(report)
    report.files = [str(folder / REPORT_JSON), str(folder / REPORT_MD), *(str(p) for p in figures)]
    write_text_atomically(folder / REPORT_MD, render_markdown(report, [p.name for p in figures]))
    write_text_atomically(folder / REPORT_JSON, json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return report.files


def write_figures(report: EvaluationReport) -> list[Path]:
    folder = report.report_dir
    written: list[Path] = []
    models = {TUNED: report.tuned, **({BASE: report.base} if report.base else {})}
    metrics = list(report.tuned.scores.values)
    written.append(
        plots.write_grouped_bars(
            metrics,
            {role: [result.scores.values[m] for m in metrics] for role, result in models.items()},
            f"{report.task}: tuned vs base ({report.records} records)",
            "score",
            folder / "scores.png",
        )
    )
    if report.task == "classification":
        for role, result in models.items():
            details = result.scores.details
            written.append(
                plots.write_confusion_matrix(
                    details["labels"],
                    details["confusion_matrix"],
                    f"{role} model: confusion matrix",
                    folder / f"confusion_{role}.png",
                )
            )
        # The most frequent classes only: a figure of hundreds of bars is unreadable (and too wide to draw).
        by_support = sorted(report.tuned.scores.details["per_class"], key=lambda c: (-c["support"], c["label"]))
        labels = [c["label"] for c in by_support[:MAX_FIGURE_CATEGORIES]]
        series: dict[str, list[float]] = {}
        for role, result in models.items():
            f1 = {c["label"]: c["f1"] for c in result.scores.details["per_class"]}
            series[role] = [f1.get(label, 0.0) for label in labels]
        written.append(plots.write_grouped_bars(labels, series, "F1 per class", "F1", folder / "per_class.png"))
    if report.task == "extraction":
        fields = [f["field"] for f in report.tuned.scores.details["per_field"]][:MAX_FIGURE_CATEGORIES]
        if fields:
            per_field: dict[str, list[float]] = {}
            for role, result in models.items():
                f1 = {f["field"]: f["f1"] for f in result.scores.details["per_field"]}
                per_field[role] = [f1.get(name, 0.0) for name in fields]
            written.append(plots.write_grouped_bars(fields, per_field, "F1 per field", "F1", folder / "per_field.png"))
    if report.metrics is not None and report.metrics.has_points:
        written.append(plots.write_loss_plot(report.metrics, folder / "loss_curves.png"))
    return written


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _cell(text: str | None) -> str:
    if text is None:
        return "-"
    text = text if len(text) <= MAX_EXAMPLE_CHARS else text[: MAX_EXAMPLE_CHARS - 1] + "…"
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def render_markdown(report: EvaluationReport, figures: list[str]) -> str:
    lines = [
        f"# Evaluation: {report.task}",
        "",
        f"- records: {report.records} from `{report.records_file}`",
        f"- tuned model: `{report.tuned.model_id}`",
        f"- base model: `{report.base.model_id}`" if report.base else "- base model: none",
        "",
        "## Scores",
        "",
        "| metric | tuned | base | tuned - base |",
        "|---|---|---|---|",
    ]
    for metric, value in report.tuned.scores.values.items():
        base_value = report.base.scores.values[metric] if report.base else None
        delta = value - base_value if base_value is not None else None
        lines.append(f"| {metric} | {_number(value)} | {_number(base_value)} | {_number(delta)} |")
    if report.difference:
        d = report.difference
        lines += [
            "",
            f"Tuned - base on {d.metric}: **{d.tuned_minus_base:+.3f}**, {d.confidence:.0%} bootstrap interval "
            f"[{d.ci_low:+.3f}, {d.ci_high:+.3f}] ({d.samples} resamples, seed {d.seed}).",
        ]
    if report.gates:
        lines += ["", "## Gates", "", "| metric | minimum | tuned | state |", "|---|---|---|---|"]
        lines += [f"| {g.metric} | {g.minimum:g} | {_number(g.value)} | {g.state} |" for g in report.gates]
    lines += _task_tables(report)
    if report.judge:
        lines += ["", "## LLM-as-a-judge", "", f"Evaluator: `{report.judge.get('evaluator_model')}`", ""]
        lines += ["| model | metric | score |", "|---|---|---|"]
        for role, job in (report.judge.get("jobs") or {}).items():
            for entry in job.get("scores") or []:
                lines.append(f"| {role} | {entry['metric']} | {_number(entry['score'])} |")
    if report.metrics is not None:
        m = report.metrics
        lines += ["", "## Training", "", f"Job `{m.job_name}` ({m.status}): {len(m.training)} training points, "]
        lines[-1] += f"{len(m.validation)} validation points."
        if m.training:
            lines[-1] += f" Training loss {m.training[0].loss:.3f} -> {m.training[-1].loss:.3f}."
    if report.worst:
        lines += ["", "## Worst examples", "", "| line | prompt | reference | tuned | base |", "|---|---|---|---|---|"]
        for e in report.worst:
            tuned = f"{_cell(e.tuned)} ({e.tuned_score:.2f})"
            base = f"{_cell(e.base)} ({e.base_score:.2f})" if e.base is not None and e.base_score is not None else "-"
            lines.append(f"| {e.line} | {_cell(e.prompt)} | {_cell(e.reference)} | {tuned} | {base} |")
    if figures:
        lines += ["", "## Figures", ""] + [f"![{name}]({name})" for name in figures]
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report.notes]
    return "\n".join(lines) + "\n"


def _task_tables(report: EvaluationReport) -> list[str]:
    lines: list[str] = []
    models: dict[str, Any] = {TUNED: report.tuned, **({BASE: report.base} if report.base else {})}
    if report.task == "classification":
        lines += [
            "",
            "## Per class",
            "",
            "| label | model | precision | recall | F1 | support |",
            "|---|---|---|---|---|---|",
        ]
        for role, result in models.items():
            for c in result.scores.details["per_class"]:
                lines.append(
                    f"| {_cell(c['label'])} | {role} | {_number(c['precision'])} | {_number(c['recall'])} "
                    f"| {_number(c['f1'])} | {c['support']} |"
                )
        for role, result in models.items():
            labels = result.scores.details["labels"]
            lines += ["", f"Confusion matrix, {role} model (rows: reference, columns: predicted):", ""]
            lines.append("| | " + " | ".join(_cell(label) for label in labels) + " |")
            lines.append("|---" * (len(labels) + 1) + "|")
            for label, row in zip(labels, result.scores.details["confusion_matrix"], strict=True):
                lines.append(f"| {_cell(label)} | " + " | ".join(str(n) for n in row) + " |")
    if report.task == "extraction":
        lines += [
            "",
            "## Per field",
            "",
            "| field | model | precision | recall | F1 | support |",
            "|---|---|---|---|---|---|",
        ]
        for role, result in models.items():
            for f in result.scores.details["per_field"]:
                lines.append(
                    f"| {_cell(f['field'])} | {role} | {_number(f['precision'])} | {_number(f['recall'])} "
                    f"| {_number(f['f1'])} | {f['support']} |"
                )
    return lines
