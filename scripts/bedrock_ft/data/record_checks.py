"""The rules one training record must meet: one function per rule, each yielding (field, message[, severity]).

Rules (their ids appear in every problem):

- ``required-keys``, ``key-types``, ``unknown-keys``: the format's top-level schema (``record_formats.SCHEMAS``)
- ``schema-version``: bedrock-conversation-2024 records say so
- ``system-shape``, ``message-shape``: system blocks and messages have the format's shape
- ``roles``: user and assistant only; ``first-user``; ``last-assistant``; ``alternating``
- ``empty-text``: a turn or field with no text (warning)
- ``media-in-user``: images and videos only in user turns
- ``image-block``: an image block's format, s3Location.uri and bucketOwner are there
- ``bucket-owner``: a 12-digit account id
- ``s3-uri``: an S3 URI whose bucket and object key Bedrock accepts
- ``same-bucket``: media in the same bucket as the dataset
- ``image-format``, ``image-count``, ``image-bytes``, ``image-pixels``: the model's image rules (bytes and pixels when
  the image is local); ``image-local``: a local copy was expected and is missing (warning)
- ``video``: videos are not supported by the model
- ``reserved-words``: Nova's reserved strings
- ``token-limit``, ``input-tokens``, ``output-tokens``: estimated tokens (characters / 6, plus the Llama image
  tokens) against the model's limits
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bedrock_ft.core.confined_files import FileRefused
from bedrock_ft.core.models import CHARS_PER_TOKEN, ModelSpec, RecordFormat
from bedrock_ft.core.s3_uris import ACCOUNT_ID, bucket_problem, key_problem, split_s3_uri
from bedrock_ft.data.images import ImageRefused, inspect_file
from bedrock_ft.data.record_formats import CONVERSATION_SCHEMA_VERSION, SCHEMAS
from bedrock_ft.data.validation_report import ERROR, WARNING

VIDEO_FORMATS = frozenset({"mov", "mkv", "mp4", "webm"})
PROBE_CACHE_SIZE = 1024  # local image facts remembered, for images many records share
LLAMA_TILE_TOKENS = 1601  # one tile; used for an image whose size is unknown

Finding = tuple[str | None, str] | tuple[str | None, str, str]


@dataclass
class ImageInfo:
    path: str
    format: str | None
    width: int
    height: int
    size_bytes: int


@dataclass
class CheckContext:
    """What the rules need beside the record. ``locate`` maps an S3 URI to a local file (or None).

    Local images are fully decoded (a truncated file is an error), unless ``decode_images`` is false: ``generate``
    decoded every image it wrote already.
    """

    record_format: RecordFormat
    spec: ModelSpec | None = None
    locate: Callable[[str], str | os.PathLike[str] | None] | None = None
    dataset_bucket: str | None = None
    decode_images: bool = True
    _probed: dict[str, ImageInfo | str | None] = field(default_factory=dict)
    images_checked: int = 0

    def image(self, uri: str) -> ImageInfo | str | None:
        """Local facts about the image at ``uri``: ImageInfo, an error text when unreadable, None when not local."""
        if uri in self._probed:
            return self._probed[uri]
        info: ImageInfo | str | None = None
        path = self.locate(uri) if self.locate else None
        if path is not None:
            try:
                fmt, width, height, size = inspect_file(path, decode_fully=self.decode_images)
                info = ImageInfo(os.fspath(path), fmt, width, height, size)
                self.images_checked += 1
            except (FileRefused, ImageRefused) as exc:
                info = f"local copy {os.path.basename(os.fspath(path))} {_refusal(exc)}"
            except OSError as exc:
                info = f"local copy {os.path.basename(os.fspath(path))} cannot be read ({exc.strerror or exc})"
        if len(self._probed) >= PROBE_CACHE_SIZE:  # bounded, so memory stays flat on big datasets
            self._probed.pop(next(iter(self._probed)))
        self._probed[uri] = info
        return info


def _refusal(exc: FileRefused | ImageRefused) -> str:
    if isinstance(exc, ImageRefused):
        return exc.reason
    return f"is not read: {exc.reason}"


# -- helpers over a record -----------------------------------------------------------------------------------------


def _messages(record: dict[str, Any]) -> list[Any]:
    messages = record.get("messages")
    return messages if isinstance(messages, list) else []


def _blocks(message: Any) -> list[Any]:
    if isinstance(message, dict) and isinstance(message.get("content"), list):
        content: list[Any] = message["content"]
        return content
    return []


def _media(record: dict[str, Any]) -> Iterator[tuple[str, str, Any, Any]]:
    """(field path, kind, block value, role) of every image or video block in a conversation record."""
    for i, message in enumerate(_messages(record)):
        role = message.get("role") if isinstance(message, dict) else None
        for j, block in enumerate(_blocks(message)):
            if isinstance(block, dict):
                for kind in ("image", "video"):
                    if kind in block:
                        yield f"messages[{i}].content[{j}].{kind}", kind, block[kind], role


def _uri(media: Any) -> Any:
    if isinstance(media, dict):
        source = media.get("source")
        if isinstance(source, dict) and isinstance(source.get("s3Location"), dict):
            return source["s3Location"].get("uri")
    return None


def texts(record: dict[str, Any], record_format: RecordFormat) -> Iterator[tuple[str, str, str]]:
    """(field path, part, text) of every text in a record; part is system | input | output."""
    if record_format is RecordFormat.CONVERSATION:
        system = record.get("system")
        if isinstance(system, list):
            for k, block in enumerate(system):
                if isinstance(block, dict) and isinstance(block.get("text"), str):
                    yield f"system[{k}].text", "system", block["text"]
        for i, message in enumerate(_messages(record)):
            part = "output" if isinstance(message, dict) and message.get("role") == "assistant" else "input"
            for j, block in enumerate(_blocks(message)):
                if isinstance(block, dict) and isinstance(block.get("text"), str):
                    yield f"messages[{i}].content[{j}].text", part, block["text"]
    elif record_format is RecordFormat.CLAUDE_MESSAGES:
        if isinstance(record.get("system"), str):
            yield "system", "system", record["system"]
        for i, message in enumerate(_messages(record)):
            if isinstance(message, dict) and isinstance(message.get("content"), str):
                part = "output" if message.get("role") == "assistant" else "input"
                yield f"messages[{i}].content", part, message["content"]
    else:
        for key in SCHEMAS[record_format].text_fields:
            if isinstance(record.get(key), str):
                yield key, "output" if key == "completion" else "input", record[key]


# -- the rules -----------------------------------------------------------------------------------------------------


def required_keys(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for key in SCHEMAS[ctx.record_format].required:
        if key not in record:
            yield key, f"missing: a {ctx.record_format} record needs {key!r}"


def key_types(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    schema = SCHEMAS[ctx.record_format]
    for key, kind in {**schema.required, **schema.optional}.items():
        if key in record and not isinstance(record[key], kind):
            yield key, f"must be a JSON {_json_type(kind)}, not {_json_type(type(record[key]))}"


def unknown_keys(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for key in sorted(set(record) - SCHEMAS[ctx.record_format].allowed):
        yield key, f"not a key of the {ctx.record_format} format", WARNING


def schema_version(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    version = record.get("schemaVersion", CONVERSATION_SCHEMA_VERSION)
    if ctx.record_format is RecordFormat.CONVERSATION and version != CONVERSATION_SCHEMA_VERSION:
        yield "schemaVersion", f"is {record['schemaVersion']!r}, must be {CONVERSATION_SCHEMA_VERSION!r}"


def system_shape(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    if ctx.record_format is not RecordFormat.CONVERSATION or not isinstance(record.get("system"), list):
        return
    for k, block in enumerate(record["system"]):
        if not isinstance(block, dict) or not isinstance(block.get("text"), str):
            yield f"system[{k}]", 'must be {"text": "..."}'


def message_shape(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    if ctx.record_format not in (RecordFormat.CONVERSATION, RecordFormat.CLAUDE_MESSAGES):
        return
    messages = record.get("messages")
    if isinstance(messages, list) and not messages:
        yield "messages", "is empty"
    for i, message in enumerate(_messages(record)):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            yield where, "must be an object with role and content"
            continue
        for key in ("role", "content"):
            if key not in message:
                yield f"{where}.{key}", "missing"
        content = message.get("content")
        if ctx.record_format is RecordFormat.CLAUDE_MESSAGES:
            if "content" in message and not isinstance(content, str):
                yield f"{where}.content", "must be a string in the Claude 3 Haiku format"
            continue
        if "content" in message and not isinstance(content, list):
            yield f"{where}.content", "must be a list of content blocks"
            continue
        if isinstance(content, list) and not content:
            yield f"{where}.content", "is empty"
        for j, block in enumerate(_blocks(message)):
            kinds = [
                k for k in ("text", "image", "video", "reasoningContent") if isinstance(block, dict) and k in block
            ]
            if len(kinds) != 1:
                yield f"{where}.content[{j}]", "must hold exactly one of text, image, video"
            elif kinds[0] == "text" and not isinstance(block["text"], str):
                yield f"{where}.content[{j}].text", "must be a string"


def roles(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for i, message in enumerate(_messages(record)):
        if isinstance(message, dict) and "role" in message and message["role"] not in ("user", "assistant"):
            yield f"messages[{i}].role", f"is {message['role']!r}: only user and assistant (system goes in 'system')"


def first_user(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    messages = _messages(record)
    if messages and isinstance(messages[0], dict) and messages[0].get("role") != "user":
        yield "messages[0].role", f"the first turn must be user, not {messages[0].get('role')!r}"


def last_assistant(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    messages = _messages(record)
    if messages and isinstance(messages[-1], dict) and messages[-1].get("role") != "assistant":
        yield (
            f"messages[{len(messages) - 1}].role",
            f"the last turn must be assistant, not {messages[-1].get('role')!r}",
        )


def alternating(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    messages = _messages(record)
    for i in range(1, len(messages)):
        before, now = messages[i - 1], messages[i]
        if isinstance(before, dict) and isinstance(now, dict) and before.get("role") == now.get("role"):
            yield f"messages[{i}].role", f"two {now.get('role')} turns in a row: user and assistant must alternate"


def empty_text(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for path, _, text in texts(record, ctx.record_format):
        if not text.strip():
            yield path, "is empty", WARNING


def media_in_user(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for path, kind, _, role in _media(record):
        if role != "user":
            yield path, f"{kind} in a {role} turn: media belong in user turns only"


def image_block(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for path, _, media, _ in _media(record):
        if not isinstance(media, dict):
            yield path, "must be an object with format and source"
            continue
        if not isinstance(media.get("format"), str):
            yield f"{path}.format", "missing"
        source = media.get("source")
        location = source.get("s3Location") if isinstance(source, dict) else None
        if not isinstance(location, dict):
            yield f"{path}.source.s3Location", "missing: media must come from S3 ({uri, bucketOwner})"
            continue
        if not isinstance(location.get("uri"), str):
            yield f"{path}.source.s3Location.uri", "missing"
        if "bucketOwner" not in location:
            yield f"{path}.source.s3Location.bucketOwner", "missing: the 12-digit account that owns the bucket"


def bucket_owner(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for path, _, media, _ in _media(record):
        source = media.get("source") if isinstance(media, dict) else None
        location = source.get("s3Location") if isinstance(source, dict) else None
        if isinstance(location, dict) and "bucketOwner" in location:
            owner = location["bucketOwner"]
            if not isinstance(owner, str) or not ACCOUNT_ID.match(owner):
                yield f"{path}.source.s3Location.bucketOwner", f"{owner!r} is not a 12-digit AWS account id"


def s3_uri(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for path, _, media, _ in _media(record):
        uri = _uri(media)
        if not isinstance(uri, str):
            continue
        where = f"{path}.source.s3Location.uri"
        parsed = split_s3_uri(uri)
        if parsed is None:
            yield where, f"{uri!r} is not an s3://bucket/key URI"
            continue
        why = bucket_problem(parsed.bucket) or key_problem(parsed.key)
        if why:
            yield where, why


def same_bucket(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for path, _, media, _ in _media(record):
        parsed = split_s3_uri(_uri(media))
        if parsed is None:
            continue
        if ctx.dataset_bucket is None:
            ctx.dataset_bucket = parsed.bucket
        elif parsed.bucket != ctx.dataset_bucket:
            yield (
                f"{path}.source.s3Location.uri",
                (
                    f"media in bucket {parsed.bucket!r}, the dataset in {ctx.dataset_bucket!r}: "
                    "Bedrock reads media only from the dataset's bucket"
                ),
            )


def image_format(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    rules = ctx.spec.images if ctx.spec else None
    for path, kind, media, _ in _media(record):
        if kind != "image" or not isinstance(media, dict):
            continue
        if ctx.spec is not None and rules is None:
            yield path, f"{ctx.spec.display_name} takes no images"
            continue
        fmt = media.get("format")
        if rules is not None and isinstance(fmt, str) and fmt not in rules.formats:
            yield f"{path}.format", f"{fmt!r} is not one of {', '.join(sorted(rules.formats))}"
        info = ctx.image(_uri(media)) if isinstance(_uri(media), str) else None
        if isinstance(info, ImageInfo) and info.format != fmt:
            yield (
                f"{path}.format",
                f"says {fmt!r} but the file {os.path.basename(info.path)} is {info.format or 'another format'}",
            )


def image_count(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    rules = ctx.spec.images if ctx.spec else None
    if ctx.spec is None or rules is None:
        return
    total = sum(1 for _, kind, _, _ in _media(record) if kind == "image")
    if total > rules.max_per_record:
        yield "messages", f"{total} images in the record: {ctx.spec.display_name} takes at most {rules.max_per_record}"


def _local_images(record: dict[str, Any], ctx: CheckContext) -> Iterator[tuple[str, ImageInfo | str | None, str]]:
    for path, kind, media, _ in _media(record):
        uri = _uri(media)
        if kind == "image" and isinstance(uri, str) and ctx.locate is not None:
            yield path, ctx.image(uri), uri


def image_local(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for path, info, uri in _local_images(record, ctx):
        if info is None:
            yield f"{path}.source.s3Location.uri", f"no local copy of {uri}: its size was not checked", WARNING
        elif isinstance(info, str):
            yield f"{path}.source.s3Location.uri", info


def image_bytes(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    rules = ctx.spec.images if ctx.spec else None
    if rules is None:
        return
    for path, info, _ in _local_images(record, ctx):
        if isinstance(info, ImageInfo) and info.size_bytes > rules.max_bytes:
            yield path, f"{os.path.basename(info.path)} is {info.size_bytes} bytes: at most {rules.max_bytes}"


def image_pixels(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    rules = ctx.spec.images if ctx.spec else None
    if rules is None:
        return
    for path, info, _ in _local_images(record, ctx):
        if not isinstance(info, ImageInfo):
            continue
        if rules.max_side and max(info.width, info.height) > rules.max_side:
            yield path, f"{info.width}x{info.height} px: at most {rules.max_side} px a side"
        if rules.min_side and min(info.width, info.height) < rules.min_side:
            yield path, f"{info.width}x{info.height} px: at least {rules.min_side} px a side"


def video(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    for path, kind, media, _ in _media(record):
        if kind != "video":
            continue
        if ctx.spec is not None and not ctx.spec.family.startswith(("nova-lite", "nova-pro")):
            yield path, f"{ctx.spec.display_name} takes no video"
        elif isinstance(media, dict) and _not_a_video_format(media.get("format")):
            yield f"{path}.format", f"{_short(media.get('format'))} is not one of {', '.join(sorted(VIDEO_FORMATS))}"
    kinds = {kind for _, kind, _, _ in _media(record)}
    if len(kinds) > 1:
        yield "messages", "images and a video in one record: a dataset holds one kind of media"


def reserved_words(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    words = ctx.spec.reserved_words if ctx.spec else ()
    if not words or ctx.spec is None:
        return
    for path, _, text in texts(record, ctx.record_format):
        found = [w for w in words if w in text]
        if found:
            yield path, f"contains {', '.join(repr(w) for w in found)}: {ctx.spec.display_name} rejects these strings"


def estimate_tokens(record: dict[str, Any], ctx: CheckContext) -> dict[str, int]:
    """Estimated tokens of a record by part: input (system and user turns, images), output (assistant turns)."""
    chars = {"input": 0, "output": 0}
    for _, part, text in texts(record, ctx.record_format):
        chars["output" if part == "output" else "input"] += len(text)
    tokens = {part: -(-n // CHARS_PER_TOKEN) for part, n in chars.items()}
    rules = ctx.spec.images if ctx.spec else None
    if rules is not None and rules.token_formula:
        for _, kind, media, _ in _media(record):
            if kind != "image":
                continue
            info = ctx.image(_uri(media)) if isinstance(_uri(media), str) and ctx.locate else None
            tokens["input"] += (
                rules.tokens(info.width, info.height) if isinstance(info, ImageInfo) else LLAMA_TILE_TOKENS
            )
    return tokens


def token_limit(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    if ctx.spec is None or ctx.spec.max_tokens is None:
        return
    tokens = estimate_tokens(record, ctx)
    total = tokens["input"] + tokens["output"]
    if total > ctx.spec.max_tokens:
        yield (
            None,
            (
                f"about {total} tokens (input {tokens['input']} + output {tokens['output']}): "
                f"{ctx.spec.display_name} takes at most {ctx.spec.max_tokens} per record"
            ),
        )


def input_tokens(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    yield from _part_tokens(record, ctx, "input", ctx.spec.max_input_tokens if ctx.spec else None, "prompt")


def output_tokens(record: dict[str, Any], ctx: CheckContext) -> Iterator[Finding]:
    yield from _part_tokens(record, ctx, "output", ctx.spec.max_output_tokens if ctx.spec else None, "completion")


def _part_tokens(
    record: dict[str, Any], ctx: CheckContext, part: str, limit: int | None, prompt_completion_field: str
) -> Iterator[Finding]:
    """The input or output part of a record against its own limit; the field is named in prompt/completion."""
    if ctx.spec is None or limit is None:
        return
    tokens = estimate_tokens(record, ctx)[part]
    if tokens > limit:
        field_name = prompt_completion_field if ctx.record_format is RecordFormat.PROMPT_COMPLETION else None
        yield field_name, f"about {tokens} {part} tokens: {ctx.spec.display_name} takes at most {limit}"


RECORD_RULES: tuple[tuple[str, Callable[[dict[str, Any], CheckContext], Iterator[Finding]]], ...] = (
    ("required-keys", required_keys),
    ("key-types", key_types),
    ("unknown-keys", unknown_keys),
    ("schema-version", schema_version),
    ("system-shape", system_shape),
    ("message-shape", message_shape),
    ("roles", roles),
    ("first-user", first_user),
    ("last-assistant", last_assistant),
    ("alternating", alternating),
    ("empty-text", empty_text),
    ("media-in-user", media_in_user),
    ("image-block", image_block),
    ("bucket-owner", bucket_owner),
    ("s3-uri", s3_uri),
    ("same-bucket", same_bucket),
    ("image-format", image_format),
    ("image-count", image_count),
    ("image-local", image_local),
    ("image-bytes", image_bytes),
    ("image-pixels", image_pixels),
    ("video", video),
    ("reserved-words", reserved_words),
    ("token-limit", token_limit),
    ("input-tokens", input_tokens),
    ("output-tokens", output_tokens),
)


def check_record(record: Any, ctx: CheckContext) -> Iterator[tuple[str, str, str | None, str]]:
    """(rule, severity, field, message) for every problem of one parsed record."""
    if not isinstance(record, dict):
        yield "json-object", ERROR, None, f"a record must be a JSON object, not {_json_type(type(record))}"
        return
    for rule, check in RECORD_RULES:
        for finding in check(record, ctx):
            severity = finding[2] if len(finding) == 3 else ERROR
            yield rule, severity, finding[0], finding[1]


def _not_a_video_format(value: Any) -> bool:
    return not (isinstance(value, str) and value in VIDEO_FORMATS)


def _short(value: Any) -> str:
    """A value for a message: its repr, cut when long (a hostile record can put anything anywhere)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _json_type(kind: type) -> str:
    return {
        str: "string",
        list: "array",
        dict: "object",
        int: "number",
        float: "number",
        bool: "boolean",
        type(None): "null",
    }.get(kind, kind.__name__)
