"""Evaluate a tuned model against its base model on held-out records, and score the answers locally.

    records (training format) -> Converse requests -> answers (cached, resumable) -> scores -> report folder

The records are a JSONL file in the format the model was trained on (``generate``'s ``validation.jsonl`` or a test
file): each record's last assistant turn is the reference, the turns before it are the request. Both models get the
same request; the base model is called through its inference profile (``us.amazon.nova-lite-v1:0``).

Calls run concurrently with a bound, and adapt to throttling: a throttled call halves the number of calls allowed in
flight and waits (exponential backoff), successes raise it again one by one. Every answer is appended to
``answers.jsonl`` in the report folder, keyed by a hash of its request, as soon as it arrives: an interrupted run
continues where it stopped and a rerun with the same inputs makes no calls.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from bedrock_ft.core.bounded_json import JsonInputError, parse_json
from bedrock_ft.core.confined_files import MB, FileRefused, MediaRoots, read_regular_file
from bedrock_ft.core.errors import AwsError, InputError, Interrupted, UsageError
from bedrock_ft.core.models import model_id_from
from bedrock_ft.core.tf_outputs import TerraformOutputs
from bedrock_ft.job.session import AwsSession
from bedrock_ft.lifecycle import scoring
from bedrock_ft.lifecycle.metrics import JobMetrics

CACHE_FILE = "answers.jsonl"
VALIDATION_FILE = "validation.jsonl"  # the validation split generate writes (data.generate.VALIDATION_FILE)
MAX_RECORDS_BYTES = 256 * MB
MAX_CACHE_BYTES = 1024 * MB
TUNED, BASE = "tuned", "base"
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalServerException",
        "ModelNotReadyException",
        "ModelTimeoutException",
    }
)
THROTTLING_CODES = frozenset({"ThrottlingException", "TooManyRequestsException"})
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
CONTENT_KINDS = frozenset({"text", "image", "video", "document"})
# Geographic prefixes of cross-region inference profiles, by the first part of the region name.
PROFILE_GEOGRAPHY = {"us": "us", "eu": "eu", "ap": "apac", "ca": "ca", "sa": "sa"}
PROFILE_PREFIXES = ("us.", "eu.", "apac.", "us-gov.", "ca.", "sa.", "jp.", "au.", "global.")

Progress = Callable[[str, int, int], None]


class EvaluationInterrupted(Interrupted):
    """Ctrl-C during the calls: the answers so far are cached and the same request continues from them."""


@dataclass(frozen=True)
class EvaluateRequest:
    tuned_model: str
    base_model: str | None
    records: Path
    report_dir: Path
    task: str = "generation"
    label_pattern: str | None = None
    json_path: str | None = None
    concurrency: int = 4
    max_records: int | None = None
    max_tokens: int = 512
    temperature: float = 0.0
    top_p: float | None = None
    fail_under: tuple[tuple[str, float], ...] = ()
    bootstrap_samples: int = 1000
    seed: int = 0
    worst_examples: int = 5
    dataset_dir: Path | None = None
    metrics: JobMetrics | None = None
    judge_model: str | None = None
    batch: bool = False
    timeout: float | None = None


@dataclass(frozen=True)
class EvalRecord:
    line: int  # 1-based line in the records file
    system: tuple[dict[str, Any], ...]
    messages: tuple[dict[str, Any], ...]
    reference: str

    @property
    def prompt_text(self) -> str:
        """The text of the last user turn (for the report and the judge's prompt)."""
        content = self.messages[-1].get("content", []) if self.messages else []
        return "\n".join(str(block["text"]) for block in content if isinstance(block, dict) and "text" in block)


@dataclass
class Answer:
    key: str
    role: str
    model_id: str
    line: int
    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: int | None = None
    stop_reason: str | None = None
    source: str = "converse"  # converse | batch

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "role": self.role,
            "model_id": self.model_id,
            "line": self.line,
            "text": self.text,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "latency_ms": self.latency_ms,
            "stop_reason": self.stop_reason,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Answer:
        return cls(
            key=str(value["key"]),
            role=str(value["role"]),
            model_id=str(value["model_id"]),
            line=int(value["line"]),
            text=str(value["text"]),
            input_tokens=value.get("input_tokens"),
            output_tokens=value.get("output_tokens"),
            latency_ms=value.get("latency_ms"),
            stop_reason=value.get("stop_reason"),
            source=str(value.get("source", "converse")),
        )


@dataclass(frozen=True)
class ModelResult:
    role: str
    model_id: str
    scores: scoring.TaskScores
    calls: int  # answers fetched in this run
    cached: int  # answers taken from the cache
    input_tokens: int
    output_tokens: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "scores": dict(self.scores.values),
            "details": {k: v for k, v in self.scores.details.items() if k not in ("predictions", "references")},
            "calls": self.calls,
            "cached": self.cached,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
        }


@dataclass(frozen=True)
class Gate:
    metric: str
    minimum: float
    value: float

    @property
    def state(self) -> str:
        return "pass" if self.value >= self.minimum else "fail"

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "minimum": self.minimum, "value": self.value, "state": self.state}


@dataclass(frozen=True)
class Example:
    line: int
    prompt: str
    reference: str
    tuned: str
    base: str | None
    tuned_score: float
    base_score: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "prompt": self.prompt,
            "reference": self.reference,
            "tuned_answer": self.tuned,
            "base_answer": self.base,
            "tuned_score": self.tuned_score,
            "base_score": self.base_score,
        }


@dataclass
class EvaluationReport:
    task: str
    records_file: str
    records: int
    headline_metric: str
    tuned: ModelResult
    base: ModelResult | None
    difference: scoring.Difference | None
    gates: tuple[Gate, ...]
    worst: tuple[Example, ...]
    report_dir: Path
    metrics: JobMetrics | None = None
    judge: dict[str, Any] | None = None
    batch: dict[str, Any] | None = None
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(gate.state == "pass" for gate in self.gates)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "records_file": self.records_file,
            "records": self.records,
            "headline_metric": self.headline_metric,
            "models": {TUNED: self.tuned.to_dict(), BASE: self.base.to_dict() if self.base else None},
            "difference": self.difference.to_dict() if self.difference else None,
            "gates": [gate.to_dict() for gate in self.gates],
            "worst_examples": [example.to_dict() for example in self.worst],
            "training_metrics": self.metrics.to_dict() if self.metrics else None,
            "judge": self.judge,
            "batch": self.batch,
            "report_dir": str(self.report_dir),
            "files": list(self.files),
            "notes": list(self.notes),
        }


# ------------------------------------------------------------------------------------------------------- records


def base_inference_profile(model: str, region: str | None) -> str:
    """The id to call a base model with on demand: its cross-region inference profile in the region's geography.

    ``arn:...:foundation-model/amazon.nova-lite-v1:0:300k`` in us-east-1 -> ``us.amazon.nova-lite-v1:0``. An id that
    is already a profile, or any other ARN (a provisioned model, a deployment, a profile ARN), is kept as it is.
    """
    model = model.strip()
    if model.startswith("arn:") and ":foundation-model/" not in model:
        return model
    model_id = model_id_from(model)
    if model_id.startswith(PROFILE_PREFIXES):
        return model_id
    # A customization variant (`:300k`, `:128k`) is not invocable on demand: the profile names the plain version.
    model_id = re.sub(r"^(.*?:\d+):[0-9]+k$", r"\1", model_id)
    geography = PROFILE_GEOGRAPHY.get((region or "").split("-", 1)[0])
    return f"{geography}.{model_id}" if geography else model_id


def _text_blocks(content: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}]
    if not isinstance(content, list):
        raise InputError(f"{where}: content is neither text nor a list of blocks")
    blocks: list[dict[str, Any]] = []
    for block in content:
        if not isinstance(block, dict) or len(block) != 1 or next(iter(block)) not in CONTENT_KINDS:
            raise InputError(f"{where}: a content block is not one of {', '.join(sorted(CONTENT_KINDS))}")
        blocks.append(block)
    return blocks


def _text_of(blocks: Sequence[dict[str, Any]]) -> str:
    return "\n".join(str(b["text"]) for b in blocks if "text" in b)


def record_to_eval(record: Any, line: int, source: str) -> EvalRecord:
    """An EvalRecord from one training record (conversation, Claude messages or prompt/completion)."""
    where = f"{source} line {line}"
    if not isinstance(record, dict):
        raise InputError(f"{where}: a record is a JSON object")
    if "prompt" in record and "completion" in record:
        if not isinstance(record["prompt"], str) or not isinstance(record["completion"], str):
            raise InputError(f"{where}: prompt and completion are strings")
        return EvalRecord(line, (), ({"role": "user", "content": [{"text": record["prompt"]}]},), record["completion"])
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InputError(f"{where}: the record has no messages (nor prompt and completion)")
    turns: list[dict[str, Any]] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise InputError(f"{where}: message {i + 1} has no role user or assistant")
        turns.append({"role": message["role"], "content": _text_blocks(message.get("content"), where)})
    if turns[-1]["role"] != "assistant":
        raise InputError(f"{where}: the last message is not the assistant's answer, so there is no reference")
    if len(turns) < 2 or turns[-2]["role"] != "user":
        raise InputError(f"{where}: the reference answer follows no user turn")
    system_value = record.get("system")
    system: list[dict[str, Any]] = []
    if isinstance(system_value, str):
        system = [{"text": system_value}] if system_value else []
    elif isinstance(system_value, list):
        system = [{"text": str(b["text"])} for b in system_value if isinstance(b, dict) and "text" in b]
    elif system_value is not None:
        raise InputError(f"{where}: system is neither text nor a list of text blocks")
    return EvalRecord(line, tuple(system), tuple(turns[:-1]), _text_of(turns[-1]["content"]))


def load_records(path: Path, max_records: int | None = None) -> list[EvalRecord]:
    """The held-out records of a JSONL file, in order; an InputError naming the line of the first bad one."""
    try:
        data = read_regular_file(path, max_bytes=MAX_RECORDS_BYTES, follow_symlinks=True)
    except FileNotFoundError:
        raise InputError(
            f"no records file {path}", hint="give the validation.jsonl generate wrote, or a test file"
        ) from None
    except FileRefused as exc:
        raise InputError(f"records file refused: {exc}") from None
    records: list[EvalRecord] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = parse_json(raw[3:] if number == 1 and raw.startswith(b"\xef\xbb\xbf") else raw)
        except JsonInputError as exc:
            raise InputError(f"{path} line {number}: {exc.reason}") from None
        records.append(record_to_eval(value, number, str(path)))
        if max_records is not None and len(records) >= max_records:
            break
    if not records:
        raise InputError(f"{path} holds no records")
    return records


def held_out_records(dataset_dir: Path) -> tuple[Path, str | None]:
    """The validation split ``generate`` wrote in ``dataset_dir`` and the base model its manifest names."""
    from bedrock_ft.data.validate import read_manifest

    manifest = read_manifest(dataset_dir)
    if manifest is None:
        raise InputError(f"{dataset_dir} has no manifest.json generate wrote", hint="run generate first")
    path = dataset_dir / VALIDATION_FILE
    if not path.is_file():
        raise InputError(
            f"{dataset_dir} has no {VALIDATION_FILE}: the dataset was generated without a validation split",
            hint="give a test file in the same format instead",
        )
    base = manifest.get("base_model")
    return path, base if isinstance(base, str) and base else None


MAX_IMAGE_BYTES = 10 * MB  # Bedrock's largest image in a record


def local_images(dataset_dir: Path) -> dict[str, str]:
    """S3 URI -> path inside ``dataset_dir`` of every image generate's manifest lists (empty without a manifest)."""
    from bedrock_ft.data.validate import read_manifest

    manifest = read_manifest(dataset_dir)
    files = manifest.get("files") if manifest else None
    bucket = manifest.get("bucket") if manifest else None
    if not isinstance(files, dict) or not isinstance(bucket, str):
        return {}
    found: dict[str, str] = {}
    for relative, facts in files.items():
        if isinstance(relative, str) and isinstance(facts, dict) and isinstance(facts.get("key"), str):
            found[f"s3://{bucket}/{facts['key']}"] = relative
    return found


def inline_images(record: EvalRecord, dataset_dir: Path, images: dict[str, str]) -> EvalRecord:
    """The record with each image the dataset folder holds sent as bytes (Converse takes S3 locations from Nova
    only); paths stay inside the folder, reads are bounded; other images keep their S3 location."""
    if not images:
        return record
    roots = MediaRoots.of([dataset_dir], f"the dataset folder {dataset_dir}")
    messages: list[dict[str, Any]] = []
    for message in record.messages:
        content: list[dict[str, Any]] = []
        for block in message["content"]:
            image = block.get("image") if isinstance(block, dict) else None
            uri = (
                ((image or {}).get("source") or {}).get("s3Location", {}).get("uri")
                if isinstance(image, dict)
                else None
            )
            relative = images.get(uri) if isinstance(uri, str) else None
            if relative is None or not isinstance(image, dict):
                content.append(block)
                continue
            try:
                data = read_regular_file(roots.resolve(relative, dataset_dir), max_bytes=MAX_IMAGE_BYTES)
            except FileRefused as exc:
                raise InputError(f"record line {record.line}: image {uri}: {exc}") from None
            except FileNotFoundError:
                content.append(block)  # not in the folder: Bedrock reads it from S3
                continue
            content.append({"image": {"format": image.get("format"), "source": {"bytes": data}}})
        messages.append({"role": message["role"], "content": content})
    return EvalRecord(record.line, record.system, tuple(messages), record.reference)


def converse_request(record: EvalRecord, model_id: str, request: EvaluateRequest) -> dict[str, Any]:
    inference: dict[str, Any] = {"maxTokens": request.max_tokens, "temperature": request.temperature}
    if request.top_p is not None:
        inference["topP"] = request.top_p
    body: dict[str, Any] = {"modelId": model_id, "messages": [dict(m) for m in record.messages]}
    if record.system:
        body["system"] = [dict(b) for b in record.system]
    body["inferenceConfig"] = inference
    return body


def request_key(body: dict[str, Any]) -> str:
    """The cache key of a request: SHA-256 of its canonical JSON (bytes of images hashed, not inlined)."""

    def canonical(value: Any) -> Any:
        if isinstance(value, bytes | bytearray):
            return {"sha256": hashlib.sha256(value).hexdigest()}
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [canonical(v) for v in value]
        return value

    text = json.dumps(canonical(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------- cache


class AnswerCache:
    """Answers by request key, read from and appended to a JSONL file one flushed line at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.answers: dict[str, Answer] = {}
        self.damaged_lines = 0
        self._lock = threading.Lock()
        self._ends_mid_line = False
        if path.exists():
            try:
                data = read_regular_file(path, max_bytes=MAX_CACHE_BYTES, follow_symlinks=False)
            except FileRefused as exc:
                raise InputError(f"answer cache refused: {exc}", hint="remove it to start afresh") from None
            for raw in data.split(b"\n"):
                if not raw.strip():
                    continue
                try:
                    answer = Answer.from_json(parse_json(raw))
                except (JsonInputError, KeyError, TypeError, ValueError):
                    self.damaged_lines += 1  # the line an interrupted run was writing
                    continue
                self.answers[answer.key] = answer
            self._ends_mid_line = bool(data) and not data.endswith(b"\n")

    def get(self, key: str) -> Answer | None:
        return self.answers.get(key)

    def add(self, answer: Answer) -> None:
        line = json.dumps(answer.to_json(), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                if self._ends_mid_line:
                    handle.write("\n")  # end the half-written line so this one stands alone
                    self._ends_mid_line = False
                handle.write(line)
                handle.flush()
            self.answers[answer.key] = answer


# ------------------------------------------------------------------------------------------------------- calling


class AdaptiveLimit:
    """How many calls may be in flight: halved on throttling (at least 1), raised by one after a run of successes."""

    def __init__(self, maximum: int, recover_after: int = 5) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.in_flight = 0
        self.recover_after = recover_after
        self._successes = 0
        self._condition = threading.Condition()

    def acquire(self) -> None:
        with self._condition:
            while self.in_flight >= self.limit:
                self._condition.wait()
            self.in_flight += 1

    def release(self, *, throttled: bool) -> None:
        with self._condition:
            self.in_flight -= 1
            if throttled:
                self.limit = max(1, self.limit // 2)
                self._successes = 0
            else:
                self._successes += 1
                if self._successes >= self.recover_after and self.limit < self.maximum:
                    self.limit += 1
                    self._successes = 0
            self._condition.notify_all()


def backoff_seconds(attempt: int, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**attempt)]."""
    return rng.uniform(0, min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt))


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def answer_from_response(response: dict[str, Any], key: str, role: str, model_id: str, line: int) -> Answer:
    content = ((response.get("output") or {}).get("message") or {}).get("content") or []
    usage = response.get("usage") or {}
    return Answer(
        key=key,
        role=role,
        model_id=model_id,
        line=line,
        text=_text_of([b for b in content if isinstance(b, dict)]),
        input_tokens=usage.get("inputTokens"),
        output_tokens=usage.get("outputTokens"),
        latency_ms=(response.get("metrics") or {}).get("latencyMs"),
        stop_reason=response.get("stopReason"),
    )


@dataclass(frozen=True)
class Call:
    role: str
    record: EvalRecord
    body: dict[str, Any]
    key: str


def call_converse(
    runtime: Any,
    call: Call,
    limit: AdaptiveLimit,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Answer:
    """One Converse call, retried on throttling and passing faults with backoff; AwsError when it cannot succeed."""
    rng = rng or random.Random()
    for attempt in range(MAX_ATTEMPTS):
        limit.acquire()
        throttled = False
        try:
            response = runtime.converse(**call.body)
        except ClientError as exc:
            code = _error_code(exc)
            throttled = code in THROTTLING_CODES
            if code not in RETRYABLE_CODES:
                message = exc.response.get("Error", {}).get("Message", "")
                raise AwsError(
                    f"Converse with {call.body['modelId']} failed on record line {call.record.line}: {code}: {message}",
                    hint=_converse_hint(code),
                ) from None
            if attempt == MAX_ATTEMPTS - 1:
                raise AwsError(
                    f"Converse with {call.body['modelId']} still answers {code} after {MAX_ATTEMPTS} attempts",
                    hint="lower the concurrency, or ask for a higher quota; answers so far are cached",
                ) from None
        else:
            return answer_from_response(response, call.key, call.role, call.body["modelId"], call.record.line)
        finally:
            limit.release(throttled=throttled)
        sleep(backoff_seconds(attempt, rng))
    raise AssertionError("unreachable")  # pragma: no cover


def _converse_hint(code: str) -> str | None:
    if code == "AccessDeniedException":
        return "the caller needs bedrock:InvokeModel on the model (and on the inference profile for a base model)"
    if code == "ValidationException":
        return (
            "a base model is called through its inference profile (us.amazon...); a customization variant (:300k) "
            "is not invocable: call the deployment or provisioned model ARN"
        )
    if code == "ResourceNotFoundException":
        return "check the model id and the region"
    return None


def collect_answers(
    runtime: Any,
    calls: Sequence[Call],
    cache: AnswerCache,
    *,
    concurrency: int,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Fetch every call the cache lacks, concurrently; the number fetched. Each answer is cached on arrival."""
    missing = [c for c in calls if cache.get(c.key) is None]
    # Two records with the same request share one answer.
    unique: dict[str, Call] = {}
    for call in missing:
        unique.setdefault(call.key, call)
    total, done = len(calls), len(calls) - len(missing)
    if progress:
        progress("answers", done, total)
    if not unique:
        return 0
    waiting = Counter(c.key for c in missing)  # records answered by each unique request
    limit = AdaptiveLimit(concurrency)
    counter_lock = threading.Lock()
    fetched = 0

    stop = threading.Event()  # set by the first failure: calls not yet started are not made

    def run(call: Call) -> None:
        nonlocal fetched, done
        if stop.is_set():
            return
        try:
            answer = call_converse(runtime, call, limit, sleep=sleep)
        except BaseException:
            stop.set()
            raise
        cache.add(answer)
        with counter_lock:
            fetched += 1
            done += waiting[call.key]
            if progress:
                progress("answers", done, total)

    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bft-evaluate")
    futures: list[Future[None]] = [executor.submit(run, call) for call in unique.values()]
    try:
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in finished:
            error = future.exception()
            if error is not None:
                raise error
    except KeyboardInterrupt:
        stop.set()
        executor.shutdown(wait=False, cancel_futures=True)
        raise EvaluationInterrupted(
            f"evaluation interrupted with {len(cache.answers)} answers cached in {cache.path}",
            hint="run the same evaluation again to continue; cached answers are not asked again",
        ) from None
    except BaseException:
        stop.set()
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    return fetched


# ------------------------------------------------------------------------------------------------------- the run


def parse_fail_under(values: Sequence[str], task: str) -> tuple[tuple[str, float], ...]:
    """``METRIC=VALUE`` strings as (metric, minimum); a UsageError for a metric the task does not give."""
    gates: list[tuple[str, float]] = []
    for value in values:
        name, sep, number = value.partition("=")
        name = name.strip()
        try:
            minimum = float(number)
        except ValueError:
            minimum = float("nan")
        if not sep or minimum != minimum:
            raise UsageError(f"fail-under {value!r} is not METRIC=NUMBER", hint="for example accuracy=0.8")
        gates.append((name, minimum))
    check_gates(tuple(gates), task)
    return tuple(gates)


def check_gates(gates: tuple[tuple[str, float], ...], task: str) -> None:
    known = scoring.METRICS[scoring.check_task(task)]
    for name, _ in gates:
        if name not in known:
            raise UsageError(f"the {task} task gives no metric {name!r}", hint="its metrics: " + ", ".join(known))


def check_request(request: EvaluateRequest) -> re.Pattern[str] | None:
    scoring.check_task(request.task)
    check_gates(request.fail_under, request.task)
    if request.concurrency < 1 or request.concurrency > 64:
        raise UsageError(f"concurrency {request.concurrency} is outside 1-64")
    if request.max_records is not None and request.max_records < 1:
        raise UsageError("the number of records to evaluate must be at least 1")
    if request.bootstrap_samples < 1:
        raise UsageError("the bootstrap needs at least one resample")
    if request.worst_examples < 0:
        raise UsageError("the number of worst examples cannot be negative")
    if request.max_tokens < 1:
        raise UsageError("the answer length (max tokens) must be at least 1")
    if not 0 <= request.temperature <= 1:
        raise UsageError(f"temperature {request.temperature} is outside 0-1")
    if request.top_p is not None and not 0 <= request.top_p <= 1:
        raise UsageError(f"top-p {request.top_p} is outside 0-1")
    if request.json_path and request.task != "extraction":
        raise UsageError("a JSON path applies to the extraction task only")
    if not request.tuned_model.strip():
        raise UsageError("no tuned model to evaluate", hint="give the deployment or provisioned model ARN")
    return scoring.compile_label_pattern(request.label_pattern)


def run_evaluation(
    session: AwsSession,
    outputs: TerraformOutputs | None,
    request: EvaluateRequest,
    *,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> EvaluationReport:
    """Answers from both models on every record (cached), their scores, the report folder."""
    pattern = check_request(request)
    if (request.judge_model or request.batch) and outputs is None:
        raise UsageError("the judge and batch inference need the Terraform outputs (bucket, role, network)")
    records = load_records(request.records, request.max_records)
    if request.dataset_dir is not None:
        images = local_images(Path(request.dataset_dir))
        records = [inline_images(record, Path(request.dataset_dir), images) for record in records]
    report_dir = Path(request.report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    cache = AnswerCache(report_dir / CACHE_FILE)
    models = {TUNED: request.tuned_model.strip()}
    if request.base_model:
        models[BASE] = base_inference_profile(request.base_model, session.region)
    calls = [
        Call(role, record, body, request_key(body))
        for role, model_id in models.items()
        for record in records
        for body in [converse_request(record, model_id, request)]
    ]
    before = {c.key for c in calls if cache.get(c.key) is not None}
    batch_summary: dict[str, Any] | None = None
    if request.batch:
        from bedrock_ft.lifecycle.bedrock_jobs import run_batch_inference

        assert outputs is not None
        batch_summary = run_batch_inference(session, outputs, calls, cache, timeout=request.timeout, sleep=sleep)
    collect_answers(
        session.client("bedrock-runtime"),
        calls,
        cache,
        concurrency=request.concurrency,
        progress=progress,
        sleep=sleep,
    )
    results: dict[str, ModelResult] = {}
    texts: dict[str, list[str]] = {}
    for role, model_id in models.items():
        mine = [c for c in calls if c.role == role]
        answers = [cache.answers[c.key] for c in mine]
        texts[role] = [a.text for a in answers]
        task_scores = scoring.score(
            request.task,
            [c.record.reference for c in mine],
            texts[role],
            label_pattern=pattern,
            json_path=request.json_path,
        )
        results[role] = ModelResult(
            role=role,
            model_id=model_id,
            scores=task_scores,
            calls=sum(1 for c in mine if c.key not in before),
            cached=sum(1 for c in mine if c.key in before),
            input_tokens=sum(a.input_tokens or 0 for a in answers),
            output_tokens=sum(a.output_tokens or 0 for a in answers),
        )
    headline = scoring.HEADLINE[request.task]
    tuned, base = results[TUNED], results.get(BASE)
    difference = (
        scoring.bootstrap_difference(
            headline,
            tuned.scores.per_record,
            base.scores.per_record,
            samples=request.bootstrap_samples,
            seed=request.seed,
        )
        if base
        else None
    )
    gates = tuple(Gate(name, minimum, tuned.scores.values[name]) for name, minimum in request.fail_under)
    report = EvaluationReport(
        task=request.task,
        records_file=str(request.records),
        records=len(records),
        headline_metric=headline,
        tuned=tuned,
        base=base,
        difference=difference,
        gates=gates,
        worst=worst_examples(records, texts, tuned, base, request.worst_examples),
        report_dir=report_dir,
        metrics=request.metrics,
        batch=batch_summary,
    )
    if cache.damaged_lines:
        report.notes.append(f"{cache.damaged_lines} damaged lines of the answer cache were ignored and asked again")
    if request.judge_model:
        from bedrock_ft.lifecycle.bedrock_jobs import run_judge

        assert outputs is not None
        report.judge = run_judge(
            session, outputs, request, records, texts, models, timeout=request.timeout, sleep=sleep
        )
    from bedrock_ft.lifecycle.report import write_report

    write_report(report)
    return report


def worst_examples(
    records: Sequence[EvalRecord],
    texts: dict[str, list[str]],
    tuned: ModelResult,
    base: ModelResult | None,
    count: int,
) -> tuple[Example, ...]:
    """The records where the tuned model scored lowest (ties: where it did worst against the base model); only
    records it did not answer perfectly."""
    order = sorted(
        (i for i in range(len(records)) if tuned.scores.per_record[i] < 1.0),
        key=lambda i: (
            tuned.scores.per_record[i],
            tuned.scores.per_record[i] - (base.scores.per_record[i] if base else 0.0),
            records[i].line,
        ),
    )
    return tuple(
        Example(
            line=records[i].line,
            prompt=records[i].prompt_text,
            reference=records[i].reference,
            tuned=texts[TUNED][i],
            base=texts[BASE][i] if base else None,
            tuned_score=tuned.scores.per_record[i],
            base_score=base.scores.per_record[i] if base else None,
        )
        for i in order[: max(0, count)]
    )


__all__ = [
    "CACHE_FILE",
    "AdaptiveLimit",
    "Answer",
    "AnswerCache",
    "EvalRecord",
    "EvaluateRequest",
    "EvaluationInterrupted",
    "EvaluationReport",
    "base_inference_profile",
    "collect_answers",
    "load_records",
    "parse_fail_under",
    "run_evaluation",
]
