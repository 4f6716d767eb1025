"""Figures: a unicode sparkline for the terminal, PNG images with matplotlib (imported only when drawing, Agg).

Every PNG is written to a temporary name beside its target and renamed, so a failure leaves no half-written image.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bedrock_ft.core.atomic_files import replacing_binary
from bedrock_ft.core.errors import ConfigError

if TYPE_CHECKING:
    from bedrock_ft.lifecycle.metrics import JobMetrics

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int = 60) -> str:
    """``values`` as one line of block characters, resampled to at most ``width`` (mean of each bucket)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    if len(finite) > width:
        size = len(finite) / width
        finite = [
            sum(chunk) / len(chunk)
            for i in range(width)
            if (chunk := finite[int(i * size) : max(int((i + 1) * size), int(i * size) + 1)])
        ]
    low, high = min(finite), max(finite)
    if high == low:
        return BARS[len(BARS) // 2] * len(finite)
    scale = (len(BARS) - 1) / (high - low)
    return "".join(BARS[round((v - low) * scale)] for v in finite)


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ConfigError(
            "drawing figures needs matplotlib, which is not installed", hint="pip install matplotlib"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with replacing_binary(path) as out:
            figure.savefig(out, format="png", dpi=110, bbox_inches="tight")
    finally:
        _pyplot().close(figure)
    return path


def write_loss_plot(metrics: JobMetrics, path: Path) -> Path:
    """Training and validation loss against the step (epochs on a second axis when the CSVs give them)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4))
    if metrics.training:
        axes.plot([p.step for p in metrics.training], [p.loss for p in metrics.training], label="training loss")
    if metrics.validation:
        axes.plot(
            [p.step for p in metrics.validation],
            [p.loss for p in metrics.validation],
            marker="o",
            label="validation loss",
        )
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_title(f"{metrics.job_name} ({metrics.status})")
    epochs = [(p.step, p.epoch) for p in metrics.training if p.epoch is not None]
    if epochs:
        boundaries: list[int] = []
        last_epoch: float | None = None
        for step, epoch in epochs:
            if last_epoch is not None and int(epoch) != int(last_epoch):
                boundaries.append(step)
            last_epoch = epoch
        for step in boundaries:
            axes.axvline(step, color="grey", linestyle=":", linewidth=0.8)
    if metrics.has_points:
        axes.legend()
    else:
        axes.text(0.5, 0.5, "no metrics yet", ha="center", va="center", transform=axes.transAxes)
    axes.grid(True, alpha=0.3)
    return _save(figure, path)


def write_confusion_matrix(
    labels: Sequence[str], matrix: Sequence[Sequence[int]], title: str, path: Path, *, max_labels: int = 30
) -> Path:
    """A confusion matrix (rows: reference, columns: prediction) with its counts written in the cells."""
    plt = _pyplot()
    shown = list(labels)[:max_labels]
    cells = [list(row[: len(shown)]) for row in list(matrix)[: len(shown)]]
    size = max(4.0, 0.5 * len(shown) + 2)
    figure, axes = plt.subplots(figsize=(size, size))
    image = axes.imshow(cells, cmap="Blues")
    axes.set_xticks(range(len(shown)), [_short(label) for label in shown], rotation=45, ha="right")
    axes.set_yticks(range(len(shown)), [_short(label) for label in shown])
    axes.set_xlabel("predicted")
    axes.set_ylabel("reference")
    axes.set_title(title + (f" (first {max_labels} labels)" if len(labels) > max_labels else ""))
    peak = max((max(row) for row in cells if row), default=0)
    for i, row in enumerate(cells):
        for j, count in enumerate(row):
            colour = "white" if peak and count > peak / 2 else "black"
            axes.text(j, i, str(count), ha="center", va="center", color=colour)
    figure.colorbar(image, ax=axes, shrink=0.8)
    return _save(figure, path)


def write_grouped_bars(
    categories: Sequence[str], series: Mapping[str, Sequence[float]], title: str, ylabel: str, path: Path
) -> Path:
    """Bars per category, one colour per series (tuned, base): per-class F1, headline scores."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(max(5.0, 0.6 * len(categories) * max(1, len(series)) + 2), 4))
    width = 0.8 / max(1, len(series))
    for n, (name, values) in enumerate(series.items()):
        positions = [i + (n - (len(series) - 1) / 2) * width for i in range(len(categories))]
        axes.bar(positions, list(values), width=width, label=name)
    axes.set_xticks(range(len(categories)), [_short(c) for c in categories], rotation=30, ha="right")
    axes.set_ylim(0, 1.05)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.legend()
    axes.grid(True, axis="y", alpha=0.3)
    return _save(figure, path)


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
