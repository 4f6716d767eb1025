"""Talk to a model: Converse (or ConverseStream) to a deployment, a provisioned model or a base model through its
inference profile; replay one training record; compare with the base model.

The target is a deployment or provisioned-model ARN, an inference profile or base model id, or a job / custom model
(name or ARN), which stands for the deployment this tool made of it. Images are read from local files (bounded);
a replayed record's images come from the dataset folder the record file is in, and only from inside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from bedrock_ft.core.bounded_json import JsonInputError, iter_lines, parse_json, read_json_document
from bedrock_ft.core.confined_files import MB, FileRefused, MediaRoots, read_regular_file
from bedrock_ft.core.errors import AwsError, BedrockFtError, InputError, UsageError
from bedrock_ft.core.models import find_model
from bedrock_ft.core.s3_uris import parse_s3_uri
from bedrock_ft.job.session import AwsSession
from bedrock_ft.lifecycle.deploy import DEPLOYMENT, PROVISIONED, find_existing, get_deployment
from bedrock_ft.lifecycle.ledger import Ledger
from bedrock_ft.lifecycle.resolve import arn_kind, inference_profile_id, resolve_custom_model

MAX_IMAGE_BYTES = 10 * MB
MAX_RECORD_LINE_BYTES = 8 * MB
IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


@dataclass(frozen=True)
class InvokeRequest:
    target: str
    prompt: str | None = None
    system: str | None = None
    images: tuple[Path, ...] = ()
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stream: bool = False
    record: str | None = None  # FILE:LINE of a training-data file
    compare_base: bool = False


@dataclass(frozen=True)
class Target:
    model_id: str  # what Converse gets
    base_model_id: str | None  # the base model's on-demand id, for --compare-base; None when the target is one
    described: str


@dataclass(frozen=True)
class Answer:
    role: str  # "target" or "base"
    model_id: str
    text: str
    input_tokens: int | None
    output_tokens: int | None
    latency_seconds: float
    service_latency_ms: int | None
    stop_reason: str | None
    emulated: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "model_id": self.model_id,
            "text": self.text,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "latency_seconds": round(self.latency_seconds, 3),
            # docs/output.md: durations in seconds
            "service_latency_seconds": None if self.service_latency_ms is None else self.service_latency_ms / 1000,
            "stop_reason": self.stop_reason,
            "emulated": self.emulated,
        }


@dataclass(frozen=True)
class InvokeResult:
    target: Target
    answers: list[Answer] = field(default_factory=list)
    reference: str | None = None  # the replayed record's answer
    record: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target.model_id,
            "target_described": self.target.described,
            "base_model_id": self.target.base_model_id,
            "record": self.record,
            "reference": self.reference,
            "answers": [a.to_dict() for a in self.answers],
        }


# -- the target ---------------------------------------------------------------------------------------------------
def _is_base_model_id(identifier: str) -> bool:
    try:
        find_model(identifier.split(".", 1)[1] if identifier.startswith(("us.", "eu.", "apac.")) else identifier)
    except BedrockFtError:
        return False
    return True


def resolve_target(session: AwsSession, target: str, *, ledger: Ledger | None) -> Target:
    """What to send Converse to for ``target``, and the base model to compare with."""
    bedrock = session.bedrock()
    target = target.strip()
    if not target:
        raise UsageError("no target given", hint="pass the ARN `bedrock-ft deploy` printed, or a job or model name")
    kind = arn_kind(target)
    if kind in ("custom-model-deployment", "provisioned-model"):
        found = get_deployment(bedrock, DEPLOYMENT if kind == "custom-model-deployment" else PROVISIONED, target)
        if found is None:
            raise AwsError(f"no {kind} {target} in this region", hint="`bedrock-ft cleanup` lists what is deployed")
        model = resolve_custom_model(bedrock, found.model_arn) if arn_kind(found.model_arn) == "custom-model" else None
        base = inference_profile_id(model.base_model_id, session.region) if model else None
        return Target(target, base, f"{found.mode} {found.name} serving {found.model_arn}")
    if kind in ("foundation-model", "inference-profile", "application-inference-profile") or (
        kind is None and _is_base_model_id(target)
    ):
        model_id = target if kind else inference_profile_id(target, session.region)
        return Target(model_id, None, f"base model {model_id}")
    model = resolve_custom_model(bedrock, target)
    for serving in (DEPLOYMENT, PROVISIONED):
        found = find_existing(bedrock, serving, model, ledger)
        if found is not None:
            if found.status not in ("Active", "InService"):
                raise UsageError(f"{found.name} serving {model.name} is {found.status}, not serving yet")
            base = inference_profile_id(model.base_model_id, session.region)
            return Target(found.arn, base, f"{found.mode} {found.name} serving {model.name}")
    raise UsageError(
        f"custom model {model.name} has no deployment made by this tool",
        hint=f"deploy it first with `bedrock-ft deploy {target}`, or pass a deployment ARN",
    )


# -- the request --------------------------------------------------------------------------------------------------
def image_format(data: bytes, where: str) -> str:
    for magic, name in IMAGE_MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise InputError(f"{where} is not a PNG, JPEG, GIF or WebP image")


def read_image(path: Path, roots: MediaRoots | None = None) -> dict[str, Any]:
    """A Converse image block for a local file (at most 10 MB), confined to ``roots`` when given."""
    try:
        real = roots.resolve(str(path)) if roots is not None else str(path)
        data = read_regular_file(real, max_bytes=MAX_IMAGE_BYTES, follow_symlinks=roots is None)
    except FileRefused as exc:
        raise InputError(f"image not read: {exc.reason}") from None
    except FileNotFoundError:
        raise InputError(f"image {path} does not exist") from None
    return {"image": {"format": image_format(data, str(path)), "source": {"bytes": data}}}


def parse_record_ref(ref: str) -> tuple[Path, int]:
    path, sep, line = ref.rpartition(":")
    if not sep or not path or not line.isdigit() or int(line) < 1:
        raise UsageError(
            f"record {ref!r} is not FILE:LINE", hint="for example out/validation.jsonl:3 (lines count from 1)"
        )
    return Path(path), int(line)


def _read_line(path: Path, number: int) -> Any:
    if not path.exists():
        raise InputError(f"record file {path} does not exist")
    if not path.is_file():  # a FIFO or a device would block or never end
        raise InputError(f"record file {path} is not a regular file")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"record file {path} cannot be read: {exc.strerror or exc}") from None
    with handle:
        for line_number, line in iter_lines(handle, max_line_bytes=MAX_RECORD_LINE_BYTES):
            if line_number < number:
                continue
            if line is None:
                raise InputError(f"{path}:{number}: the line is longer than {MAX_RECORD_LINE_BYTES} bytes")
            try:
                return parse_json(line)
            except JsonInputError as exc:
                raise InputError(f"{path}:{number}: {exc.reason}") from None
    raise InputError(f"{path} has no line {number}")


def _image_paths(folder: Path) -> dict[str, str]:
    """Object key -> relative path, from the dataset folder's manifest (generate writes one)."""
    manifest = folder / "manifest.json"
    try:
        document = read_json_document(manifest)
    except (OSError, FileRefused, JsonInputError):
        return {}
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(f["key"]): rel for rel, f in files.items() if isinstance(f, dict) and isinstance(f.get("key"), str)}


def _local_image(block: dict[str, Any], folder: Path, keys: dict[str, str], roots: MediaRoots) -> dict[str, Any]:
    source = block.get("source") if isinstance(block, dict) else None
    location = source.get("s3Location") if isinstance(source, dict) else None
    uri = location.get("uri") if isinstance(location, dict) else None
    if not isinstance(uri, str):
        raise InputError("an image block of the record has no s3Location uri")
    try:
        key = parse_s3_uri(uri).key
    except BedrockFtError as exc:
        raise InputError(f"the record's image {uri!r}: {exc.message}") from None
    relative = keys.get(key)
    if relative is None:
        marker = key.rfind("images/")
        if marker < 0:
            raise InputError(f"the record's image {uri} is not in the dataset folder {folder} (no manifest entry)")
        relative = key[marker:]
    return read_image(Path(relative), roots)


def record_request(ref: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
    """(system blocks, messages up to the last user turn, reference answer) of one record of a training file."""
    path, number = parse_record_ref(ref)
    record = _read_line(path, number)
    where = f"{path}:{number}"
    if not isinstance(record, dict):
        raise InputError(f"{where} is not a JSON object")
    folder = path.parent
    roots = MediaRoots.of([folder], f"the dataset folder {folder}")
    keys = _image_paths(folder)
    if "prompt" in record and "messages" not in record:  # prompt/completion formats
        completion = record.get("completion")
        return (
            [],
            [{"role": "user", "content": [{"text": str(record["prompt"])}]}],
            (str(completion) if completion is not None else None),
        )
    raw_messages = record.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise InputError(f"{where} has no messages")
    system_value = record.get("system")
    if isinstance(system_value, str):
        system = [{"text": system_value}] if system_value else []
    elif isinstance(system_value, list):
        system = [{"text": str(b["text"])} for b in system_value if isinstance(b, dict) and "text" in b]
    else:
        system = []
    messages: list[dict[str, Any]] = []
    for message in raw_messages:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise InputError(f"{where}: every message needs the role user or assistant")
        content = message.get("content")
        blocks: list[dict[str, Any]] = []
        items: list[Any] = (
            [{"text": content}] if isinstance(content, str) else content if isinstance(content, list) else []
        )
        for block in items:
            if isinstance(block, dict) and "text" in block:
                blocks.append({"text": str(block["text"])})
            elif isinstance(block, dict) and "image" in block:
                blocks.append(_local_image(block["image"], folder, keys, roots))
            elif isinstance(block, dict) and "video" in block:
                raise InputError(f"{where}: replaying records with video is not supported")
        messages.append({"role": message["role"], "content": blocks})
    last_user = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=-1)
    if last_user < 0:
        raise InputError(f"{where} has no user turn")
    after = messages[last_user + 1 :]
    reference = " ".join(b["text"] for m in after for b in m["content"] if "text" in b).strip() or None
    return system, messages[: last_user + 1], reference


def build_request(
    request: InvokeRequest,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any], str | None]:
    """(system, messages, inferenceConfig, reference) for the request."""
    reference = None
    if request.record:
        system, messages, reference = record_request(request.record)
        if request.system is not None:
            system = [{"text": request.system}]
        extra = [read_image(p) for p in request.images]
        if request.prompt or extra:
            messages[-1]["content"] = [*messages[-1]["content"], *extra] + (
                [{"text": request.prompt}] if request.prompt else []
            )
    else:
        if not request.prompt and not request.images:
            raise UsageError("nothing to send", hint="give a prompt, an image, or a record to replay")
        content = [read_image(p) for p in request.images]
        if request.prompt:
            content.append({"text": request.prompt})
        messages = [{"role": "user", "content": content}]
        system = [{"text": request.system}] if request.system else []
    inference: dict[str, Any] = {}
    if request.max_tokens is not None:
        if request.max_tokens < 1:
            raise UsageError("max tokens must be at least 1")
        inference["maxTokens"] = request.max_tokens
    if request.temperature is not None:
        if not 0 <= request.temperature <= 1:
            raise UsageError("temperature must be between 0 and 1")
        inference["temperature"] = request.temperature
    if request.top_p is not None:
        if not 0 <= request.top_p <= 1:
            raise UsageError("top-p must be between 0 and 1")
        inference["topP"] = request.top_p
    return system, messages, inference, reference


# -- the call -----------------------------------------------------------------------------------------------------
def _emulated(fields: Any) -> bool:
    return isinstance(fields, dict) and fields.get("emulated") is True


def converse(
    runtime: Any,
    model_id: str,
    system: list[dict[str, Any]],
    messages: list[dict[str, Any]],
    inference: dict[str, Any],
    *,
    role: str = "target",
    stream: bool = False,
    on_text: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """One Converse (or ConverseStream) call, as an Answer; AwsError when the service refuses it."""
    kwargs: dict[str, Any] = {"modelId": model_id, "messages": messages}
    if system:
        kwargs["system"] = system
    if inference:
        kwargs["inferenceConfig"] = inference
    started = clock()
    try:
        if not stream:
            response = runtime.converse(**kwargs)
            text = "".join(
                str(b.get("text", "")) for b in response.get("output", {}).get("message", {}).get("content", [])
            )
            if on_text is not None:
                on_text(text)
            totals = response.get("usage") or {}
            return Answer(
                role=role,
                model_id=model_id,
                text=text,
                input_tokens=totals.get("inputTokens"),
                output_tokens=totals.get("outputTokens"),
                latency_seconds=clock() - started,
                service_latency_ms=(response.get("metrics") or {}).get("latencyMs"),
                stop_reason=response.get("stopReason"),
                emulated=_emulated(response.get("additionalModelResponseFields")),
            )
        response = runtime.converse_stream(**kwargs)
        parts: list[str] = []
        usage: dict[str, Any] = {}
        metrics: dict[str, Any] = {}
        stop: str | None = None
        emulated = False
        for event in response["stream"]:
            if "contentBlockDelta" in event:
                piece = str(event["contentBlockDelta"].get("delta", {}).get("text", ""))
                parts.append(piece)
                if on_text is not None and piece:
                    on_text(piece)
            elif "messageStop" in event:
                stop = event["messageStop"].get("stopReason")
                emulated = _emulated(event["messageStop"].get("additionalModelResponseFields"))
            elif "metadata" in event:
                usage = event["metadata"].get("usage") or {}
                metrics = event["metadata"].get("metrics") or {}
            else:
                for problem in (
                    "internalServerException",
                    "modelStreamErrorException",
                    "validationException",
                    "throttlingException",
                    "serviceUnavailableException",
                ):
                    if problem in event:
                        raise AwsError(f"the answer stream from {model_id} broke: {problem}: {event[problem]}")
    except ClientError as exc:
        error = exc.response.get("Error", {})
        hint = None
        if error.get("Code") == "ValidationException" and arn_kind(model_id) is None and "." in model_id:
            hint = "base models are invoked on demand through an inference profile id, e.g. us.amazon.nova-lite-v1:0"
        raise AwsError(
            f"{exc.operation_name} to {model_id} failed: {error.get('Code', 'Error')}: {error.get('Message', '')}",
            hint=hint,
        ) from None
    return Answer(
        role=role,
        model_id=model_id,
        text="".join(parts),
        input_tokens=usage.get("inputTokens"),
        output_tokens=usage.get("outputTokens"),
        latency_seconds=clock() - started,
        service_latency_ms=metrics.get("latencyMs"),
        stop_reason=stop,
        emulated=emulated,
    )


def invoke(
    session: AwsSession,
    request: InvokeRequest,
    *,
    ledger: Ledger | None = None,
    on_text: Callable[[str, str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> InvokeResult:
    """Send the request to the target (and, with ``compare_base``, to its base model); ``on_text(role, piece)``
    hears the answer as it comes (piece by piece when streaming)."""
    system, messages, inference, reference = build_request(request)
    target = resolve_target(session, request.target, ledger=ledger)
    if request.compare_base and target.base_model_id is None:
        raise UsageError(f"{target.described} is a base model: there is no base model to compare it with")
    runtime = session.client("bedrock-runtime")
    answers = []
    roles = [("target", target.model_id)] + ([("base", str(target.base_model_id))] if request.compare_base else [])
    for role, model_id in roles:
        hear = (lambda piece, r=role: on_text(r, piece)) if on_text is not None else None
        answers.append(
            converse(
                runtime,
                model_id,
                system,
                messages,
                inference,
                role=role,
                stream=request.stream,
                on_text=hear,
                clock=clock,
            )
        )
    return InvokeResult(target=target, answers=answers, reference=reference, record=request.record)
