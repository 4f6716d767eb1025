"""Local scores of model answers against reference answers: pure functions, no AWS, no I/O.

Three tasks:

- ``classification``: the label of an answer (a regular expression says where it lies, else the whole answer,
  normalised) against the reference's label: accuracy, macro-F1 over the labels seen in references and predictions,
  per-class precision / recall / F1 and a confusion matrix.
- ``extraction``: the JSON in an answer (a dotted path says which part) against the reference's: exact match, JSON
  validity and per-field F1 over the leaves of the two documents.
- ``generation``: free text: ROUGE-L (F-measure of the longest common token subsequence), token F1 (bag of tokens)
  and exact match after normalisation.

Each task also gives one score per record (``per_record``), the unit of the paired bootstrap that puts a confidence
interval on the tuned-minus-base difference.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bedrock_ft.core.errors import UsageError

TASKS = ("classification", "extraction", "generation")
HEADLINE = {"classification": "accuracy", "extraction": "field_f1", "generation": "rouge_l"}
METRICS = {
    "classification": ("accuracy", "macro_f1"),
    "extraction": ("exact_match", "json_validity", "field_f1"),
    "generation": ("rouge_l", "token_f1", "exact_match"),
}
NO_LABEL = "<none>"  # the label of an answer the pattern finds nothing in
MAX_PATTERN_LENGTH = 1000
_TOKEN = re.compile(r"\w+", re.UNICODE)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def check_task(task: str) -> str:
    if task not in TASKS:
        raise UsageError(f"unknown task {task!r}", hint="choose one of " + ", ".join(TASKS))
    return task


def compile_label_pattern(pattern: str | None) -> re.Pattern[str] | None:
    """The label pattern compiled; a UsageError for one that does not compile or has more than one group."""
    if pattern is None:
        return None
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UsageError(f"the label pattern is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"the label pattern {pattern!r} is not a regular expression: {exc}") from None
    if compiled.groups > 1 and "label" not in compiled.groupindex:
        raise UsageError(
            f"the label pattern {pattern!r} has {compiled.groups} groups",
            hint="use one group around the label, or name it (?P<label>...)",
        )
    return compiled


def normalise_text(text: str) -> str:
    """Lower case, surrounding blanks, quotes and final punctuation removed, inner blanks collapsed."""
    text = " ".join(text.split()).casefold()
    return text.strip(" \"'`").rstrip(".!?;:,").strip(" \"'`")


def extract_label(text: str, pattern: re.Pattern[str] | None) -> str:
    """The label in ``text``: the pattern's label group, its only group or its whole match; NO_LABEL if none."""
    if pattern is None:
        return normalise_text(text) or NO_LABEL
    match = pattern.search(text)
    if match is None:
        return NO_LABEL
    if "label" in pattern.groupindex:
        value = match.group("label")
    elif pattern.groups == 1:
        value = match.group(1)
    else:
        value = match.group(0)
    return normalise_text(value or "") or NO_LABEL


@dataclass(frozen=True)
class ClassScores:
    label: str
    precision: float
    recall: float
    f1: float
    support: int  # references with this label

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
        }


@dataclass(frozen=True)
class ClassificationScores:
    accuracy: float
    macro_f1: float
    labels: tuple[str, ...]
    per_class: tuple[ClassScores, ...]
    confusion: tuple[tuple[int, ...], ...]  # confusion[i][j]: reference labels[i] predicted as labels[j]

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "labels": list(self.labels),
            "per_class": [c.to_dict() for c in self.per_class],
            "confusion_matrix": [list(row) for row in self.confusion],
        }


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def classification_scores(references: Sequence[str], predictions: Sequence[str]) -> ClassificationScores:
    """Accuracy, macro-F1 (over every label among references and predictions), per-class scores, confusion."""
    if len(references) != len(predictions):
        raise ValueError("references and predictions differ in length")
    labels = tuple(sorted(set(references) | set(predictions), key=lambda label: (label == NO_LABEL, label)))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for reference, prediction in zip(references, predictions, strict=True):
        matrix[index[reference]][index[prediction]] += 1
    per_class: list[ClassScores] = []
    for i, label in enumerate(labels):
        true_positive = matrix[i][i]
        predicted = sum(row[i] for row in matrix)
        actual = sum(matrix[i])
        precision = _ratio(true_positive, predicted)
        recall = _ratio(true_positive, actual)
        per_class.append(ClassScores(label, precision, recall, _f1(precision, recall), actual))
    correct = sum(matrix[i][i] for i in range(len(labels)))
    return ClassificationScores(
        accuracy=_ratio(correct, len(references)),
        macro_f1=_ratio(sum(c.f1 for c in per_class), len(per_class)),
        labels=labels,
        per_class=tuple(per_class),
        confusion=tuple(tuple(row) for row in matrix),
    )


# ---------------------------------------------------------------------------------------------------------- JSON


class _NotFound:
    pass


NOT_FOUND: Any = _NotFound()


def parse_json_answer(text: str, json_path: str | None = None) -> Any:
    """The JSON an answer holds (whole, in a fenced block, or the outermost {...} / [...]) at ``json_path``.

    NOT_FOUND when there is no JSON or the path does not lead anywhere.
    """
    candidates = [text.strip()]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(text)]
    for opening, closing in (("{", "}"), ("[", "]")):
        start, end = text.find(opening), text.rfind(closing)
        if 0 <= start < end:
            candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            document = json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        return follow_json_path(document, json_path)
    return NOT_FOUND


def follow_json_path(document: Any, json_path: str | None) -> Any:
    """``document`` at a dotted path (``a.b.0.c``; a leading ``$.`` is allowed); NOT_FOUND where it breaks."""
    if not json_path or json_path in ("$", "."):
        return document
    path = json_path.removeprefix("$").lstrip(".")
    current = document
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.lstrip("-").isdigit() and -len(current) <= int(part) < len(current):
            current = current[int(part)]
        else:
            return NOT_FOUND
    return current


def flatten_json(document: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of a JSON document by dotted path; scalar strings normalised so case and blanks do not count."""
    if isinstance(document, dict) and document:
        leaves: dict[str, Any] = {}
        for key, value in document.items():
            leaves.update(flatten_json(value, f"{prefix}.{key}" if prefix else str(key)))
        return leaves
    if isinstance(document, list) and document:
        leaves = {}
        for i, value in enumerate(document):
            leaves.update(flatten_json(value, f"{prefix}.{i}" if prefix else str(i)))
        return leaves
    value = normalise_text(document) if isinstance(document, str) else document
    return {prefix or "$": json.dumps(value, sort_keys=True)}


@dataclass(frozen=True)
class FieldScores:
    field: str
    precision: float
    recall: float
    f1: float
    support: int  # references with this field

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
        }


@dataclass(frozen=True)
class ExtractionScores:
    exact_match: float
    json_validity: float
    field_f1: float  # micro F1 over every (record, field) pair
    per_field: tuple[FieldScores, ...]
    per_record: tuple[float, ...]  # each record's own field F1

    def to_dict(self) -> dict[str, Any]:
        return {
            "exact_match": self.exact_match,
            "json_validity": self.json_validity,
            "field_f1": self.field_f1,
            "per_field": [f.to_dict() for f in self.per_field],
        }


def _field_counts(reference: dict[str, Any], predicted: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    """Fields right, predicted wrongly or needlessly (false positives), and missed or wrong (false negatives)."""
    right = {k for k, v in predicted.items() if k in reference and reference[k] == v}
    return right, set(predicted) - right, set(reference) - right


def extraction_scores(references: Sequence[Any], answers: Sequence[str], json_path: str | None) -> ExtractionScores:
    """Scores of answers against reference JSON documents (already parsed and at the path)."""
    if len(references) != len(answers):
        raise ValueError("references and answers differ in length")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    support: Counter[str] = Counter()
    exact = valid = 0
    per_record: list[float] = []
    for reference, answer in zip(references, answers, strict=True):
        predicted_doc = parse_json_answer(answer, json_path)
        reference_leaves = flatten_json(reference) if reference is not NOT_FOUND else {}
        support.update(reference_leaves.keys())
        if predicted_doc is NOT_FOUND:
            predicted_leaves: dict[str, Any] = {}
        else:
            valid += 1
            predicted_leaves = flatten_json(predicted_doc)
            exact += int(reference is not NOT_FOUND and predicted_leaves == reference_leaves)
        right, false_pos, false_neg = _field_counts(reference_leaves, predicted_leaves)
        tp.update(right)
        fp.update(false_pos)
        fn.update(false_neg)
        denominator = 2 * len(right) + len(false_pos) + len(false_neg)
        per_record.append(_ratio(2 * len(right), denominator) if denominator else 1.0)
    fields = sorted(set(tp) | set(fp) | set(fn))
    per_field = []
    for name in fields:
        precision = _ratio(tp[name], tp[name] + fp[name])
        recall = _ratio(tp[name], tp[name] + fn[name])
        per_field.append(FieldScores(name, precision, recall, _f1(precision, recall), support[name]))
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    count = len(references)
    return ExtractionScores(
        exact_match=_ratio(exact, count),
        json_validity=_ratio(valid, count),
        field_f1=_ratio(2 * total_tp, 2 * total_tp + total_fp + total_fn),
        per_field=tuple(per_field),
        per_record=tuple(per_record),
    )


# ------------------------------------------------------------------------------------------------------ free text


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (dynamic programming, one row at a time)."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(reference: str, candidate: str) -> float:
    """ROUGE-L F1 over word tokens: 2PR/(P+R) with P = LCS/|candidate|, R = LCS/|reference|; 1.0 for two empties."""
    ref, cand = tokens(reference), tokens(candidate)
    if not ref and not cand:
        return 1.0
    common = lcs_length(ref, cand)
    return _f1(_ratio(common, len(cand)), _ratio(common, len(ref)))


def token_f1(reference: str, candidate: str) -> float:
    """F1 of the bags of word tokens (SQuAD style); 1.0 for two empties."""
    ref, cand = Counter(tokens(reference)), Counter(tokens(candidate))
    if not ref and not cand:
        return 1.0
    overlap = sum((ref & cand).values())
    return _f1(_ratio(overlap, sum(cand.values())), _ratio(overlap, sum(ref.values())))


@dataclass(frozen=True)
class GenerationScores:
    rouge_l: float
    token_f1: float
    exact_match: float
    per_record: tuple[float, ...]  # ROUGE-L of each record

    def to_dict(self) -> dict[str, Any]:
        return {"rouge_l": self.rouge_l, "token_f1": self.token_f1, "exact_match": self.exact_match}


def generation_scores(references: Sequence[str], answers: Sequence[str]) -> GenerationScores:
    if len(references) != len(answers):
        raise ValueError("references and answers differ in length")
    rouge = [rouge_l(r, a) for r, a in zip(references, answers, strict=True)]
    f1 = [token_f1(r, a) for r, a in zip(references, answers, strict=True)]
    exact = [float(normalise_text(r) == normalise_text(a)) for r, a in zip(references, answers, strict=True)]
    count = len(references)
    return GenerationScores(
        rouge_l=_ratio(sum(rouge), count),
        token_f1=_ratio(sum(f1), count),
        exact_match=_ratio(sum(exact), count),
        per_record=tuple(rouge),
    )


# ------------------------------------------------------------------------------------------------------ bootstrap


@dataclass(frozen=True)
class Difference:
    metric: str
    tuned_minus_base: float
    ci_low: float
    ci_high: float
    confidence: float
    samples: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "tuned_minus_base": self.tuned_minus_base,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "confidence": self.confidence,
            "samples": self.samples,
            "seed": self.seed,
        }


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    position = fraction * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def bootstrap_difference(
    metric: str,
    tuned: Sequence[float],
    base: Sequence[float],
    *,
    samples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Difference:
    """Mean of tuned - base per record and its paired percentile bootstrap interval (seeded: same inputs, same CI)."""
    if len(tuned) != len(base):
        raise ValueError("tuned and base scores differ in length")
    if not tuned:
        raise ValueError("no records to compare")
    if samples < 1:
        raise UsageError("the bootstrap needs at least one sample")
    import numpy

    differences = numpy.asarray([t - b for t, b in zip(tuned, base, strict=True)], dtype=float)
    count = len(differences)
    rng = numpy.random.default_rng(seed)
    # Resample in blocks so 20,000 records x 1,000 resamples never hold more than ~8 MB of indexes at once.
    block = max(1, 1_000_000 // count)
    blocks = []
    for start in range(0, samples, block):
        indexes = rng.integers(0, count, size=(min(block, samples - start), count))
        blocks.append(differences[indexes].mean(axis=1))
    means = sorted(float(m) for m in numpy.concatenate(blocks))
    tail = (1 - confidence) / 2
    return Difference(
        metric=metric,
        tuned_minus_base=float(differences.mean()),
        ci_low=_percentile(means, tail),
        ci_high=_percentile(means, 1 - tail),
        confidence=confidence,
        samples=samples,
        seed=seed,
    )


# ---------------------------------------------------------------------------------------------------- one entry


@dataclass(frozen=True)
class TaskScores:
    """Scores of one model on one task: the metric values, the details and each record's own score."""

    task: str
    values: dict[str, float]
    per_record: tuple[float, ...]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def headline(self) -> float:
        return self.values[HEADLINE[self.task]]


def score(
    task: str,
    references: Sequence[str],
    answers: Sequence[str],
    *,
    label_pattern: re.Pattern[str] | None = None,
    json_path: str | None = None,
) -> TaskScores:
    """Score ``answers`` against ``references`` (both raw texts) for ``task``."""
    check_task(task)
    if task == "classification":
        wanted = [extract_label(r, label_pattern) for r in references]
        got = [extract_label(a, label_pattern) for a in answers]
        result = classification_scores(wanted, got)
        return TaskScores(
            task,
            {"accuracy": result.accuracy, "macro_f1": result.macro_f1},
            tuple(float(w == g) for w, g in zip(wanted, got, strict=True)),
            {**result.to_dict(), "predictions": got, "references": wanted},
        )
    if task == "extraction":
        reference_docs = [parse_json_answer(r, json_path) for r in references]
        extraction = extraction_scores(reference_docs, answers, json_path)
        values = {k: v for k, v in extraction.to_dict().items() if isinstance(v, float)}
        return TaskScores(
            task,
            values,
            extraction.per_record,
            {
                "per_field": [f.to_dict() for f in extraction.per_field],
                "invalid_references": sum(1 for d in reference_docs if d is NOT_FOUND),
            },
        )
    generation = generation_scores(references, answers)
    return TaskScores(task, generation.to_dict(), generation.per_record)
