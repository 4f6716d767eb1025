"""The rules one training record must meet, checked on one walk over the record.

``walk_record`` visits the record once and gathers its texts and media blocks with the problems of its shape; the media
rules run over the gathered blocks, the reserved-word and token rules over the gathered text (one regular-expression
search over all of it). ``check_record`` yields (rule, severity, field, message) in the order of the list below.

Rules (their ids appear in every problem):

- ``required-keys``, ``key-types``, ``unknown-keys``: the format's top-level schema (``record_formats.SCHEMAS``)
- ``schema-version``: bedrock-conversation-2024 records say so
- ``system-shape``, ``message-shape``: system blocks and messages have the format's shape
- ``system-blocks``: one system block at most. The Nova data guide describes the system prompt as one optional
  "system turn" (docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html, item 6), and
  every example holds one block; two blocks are an error rather than something Bedrock would silently join
- ``roles``: user and assistant only (RFT records: system, user, assistant); ``first-user``; ``last-assistant`` (not
  for distillation's prompt-only records); ``alternating``
- ``system-position``: an RFT record's system message comes first, once
- ``prompt-turn``: an RFT record holds a user turn and ends with one (a warning when it ends otherwise)
- ``reference-answer``: an RFT record's reference_answer is not null or empty
- ``reasoning-content``: Nova 2 Lite's ``{"reasoningContent": {"reasoningText": {"text": ...}}}`` blocks: in assistant
  turns only, one a turn, before the text, with a non-empty text, and only for a model that takes them
- ``prompt-only-media``: distillation is text only
- ``empty-text``: a text that is empty or only whitespace (warning)
- ``empty-turn``: a user or assistant turn whose texts hold no character at all and that has no media (error). The
  data guide states no rule on empty text; the validator AWS publishes for it (aws-samples/amazon-nova-samples,
  customization/bedrock-finetuning/understanding/dataset_validation, linked from the guide's "Validation tools")
  refuses such a turn ("empty text content") and accepts an empty system text and whitespace, so those stay warnings
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
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bedrock_ft.core.confined_files import FileRefused
from bedrock_ft.core.models import CHARS_PER_TOKEN, CustomizationType, ModelSpec, RecordFormat
from bedrock_ft.core.s3_uris import ACCOUNT_ID, bucket_problem, key_problem
from bedrock_ft.data.record_formats import CONVERSATION_SCHEMA_VERSION, SCHEMAS
from bedrock_ft.data.validation_report import ERROR, WARNING

VIDEO_FORMATS = frozenset({"mov", "mkv", "mp4", "webm"})
# Families whose fine-tuning records may carry reasoningContent in assistant turns (the Nova 2 SFT data guide).
REASONING_FAMILIES = frozenset({"nova-2-lite"})
PROBE_CACHE_SIZE = 1024  # local image facts remembered, for images many records share
LLAMA_TILE_TOKENS = 1601  # one tile; used for an image whose size is unknown


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
    # What is known of an image without opening it (generate: what its image store learned), or None.
    known: Callable[[str], ImageInfo | None] | None = None
    _probed: dict[str, ImageInfo | str | None] = field(default_factory=dict)
    images_checked: int = 0
    media_kinds: set[str] = field(default_factory=set)  # image | video: the kinds of media the records checked hold
    # What the records are for: DISTILLATION makes them prompt-only records (the user turn alone is enough).
    customization_type: CustomizationType | None = None

    @property
    def prompt_only(self) -> bool:
        return self.customization_type is _DISTILLATION

    def image(self, uri: str) -> ImageInfo | str | None:
        """Local facts about the image at ``uri``: ImageInfo, an error text when unreadable, None when not local."""
        if uri in self._probed:
            return self._probed[uri]
        info: ImageInfo | str | None = self.known(uri) if self.known is not None else None
        path = self.locate(uri) if self.locate and info is None else None
        if info is not None:
            self.images_checked += 1
        elif path is not None:
            from bedrock_ft.data.images import ImageRefused, inspect_file  # Pillow, only when an image is local

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


def _refusal(exc: Exception) -> str:
    if isinstance(exc, FileRefused):
        return f"is not read: {exc.reason}"
    return str(getattr(exc, "reason", exc))


# -- one walk over a record ---------------------------------------------------------------------------------------

# Rule ids in the order their problems are reported (the order of the list in the module docstring).
RULE_ORDER: tuple[str, ...] = (
    "required-keys",
    "key-types",
    "unknown-keys",
    "schema-version",
    "system-shape",
    "system-blocks",
    "message-shape",
    "roles",
    "first-user",
    "last-assistant",
    "alternating",
    "system-position",
    "prompt-turn",
    "reference-answer",
    "reasoning-content",
    "empty-text",
    "empty-turn",
    "media-in-user",
    "prompt-only-media",
    "image-block",
    "bucket-owner",
    "s3-uri",
    "same-bucket",
    "image-format",
    "image-count",
    "image-local",
    "image-bytes",
    "image-pixels",
    "video",
    "reserved-words",
    "token-limit",
    "input-tokens",
    "output-tokens",
)
_RANK = {rule: n for n, rule in enumerate(RULE_ORDER)}
_NOT_SEEN = object()
# The formats as module constants: reading an enum member from its class runs Python code on every access.
_CONVERSATION = RecordFormat.CONVERSATION
_CLAUDE_MESSAGES = RecordFormat.CLAUDE_MESSAGES
_RFT = RecordFormat.RFT
_PROMPT_COMPLETION = RecordFormat.PROMPT_COMPLETION
_DISTILLATION = CustomizationType.DISTILLATION
_SYSTEM_TEXT = "system[0].text"  # the one system block's path, not formatted again for every record
# (rule, severity, field, message)
Finding = tuple[str, str, str | None, str]


class RecordWalk:
    """What one pass over a record gathered for every rule: its texts, its media, and the shape problems met.

    A plain class with slots, not a dataclass: one is made per record, and this is the cheaper to make."""

    __slots__ = ("media", "problems", "reasoning", "texts")

    def __init__(self) -> None:
        # (field path, system | input | output, text); a path (i, j) is messages[i].content[j].text (see text_path)
        self.texts: list[tuple[str | tuple[int, int], str, str]] = []
        self.media: list[tuple[str, str, Any, Any]] = []  # (field path, image | video, value, role)
        self.problems: list[Finding] = []
        self.reasoning: list[str] = []  # field paths of reasoningContent blocks


def walk_record(record: dict[str, Any], record_format: RecordFormat, *, prompt_only: bool = False) -> RecordWalk:
    """One pass over ``record``: the texts and media every rule reads, and the problems of its shape (the
    required-keys, key-types, unknown-keys, schema-version, system-shape, system-blocks, message-shape, roles,
    first-user, last-assistant, alternating, empty-text and empty-turn rules)."""
    out = RecordWalk()
    add = out.problems.append
    texts = out.texts
    schema = SCHEMAS[record_format]
    conversation = record_format is _CONVERSATION
    claude = record_format is _CLAUDE_MESSAGES

    for key in schema.required:
        if key not in record:
            add(("required-keys", ERROR, key, f"missing: a {record_format} record needs {key!r}"))
    for key, kind in schema.types.items():
        value = record.get(key, _NOT_SEEN)
        if value is not _NOT_SEEN and not isinstance(value, kind):
            add(("key-types", ERROR, key, f"must be a JSON {_json_type(kind)}, not {_json_type(type(value))}"))
    if not schema.open and not schema.allowed.issuperset(record):
        for key in sorted(set(record) - schema.allowed):
            add(("unknown-keys", WARNING, key, f"not a key of the {record_format} format"))

    system = record.get("system")
    if conversation:
        version = record.get("schemaVersion", CONVERSATION_SCHEMA_VERSION)
        if version != CONVERSATION_SCHEMA_VERSION:
            add(("schema-version", ERROR, "schemaVersion", f"is {version!r}, must be {CONVERSATION_SCHEMA_VERSION!r}"))
        if isinstance(system, list):
            for k, block in enumerate(system):
                text = block.get("text") if isinstance(block, dict) else None
                if isinstance(text, str):
                    texts.append((_SYSTEM_TEXT if k == 0 else f"system[{k}].text", "system", text))
                else:
                    add(("system-shape", ERROR, f"system[{k}]", 'must be {"text": "..."}'))
            if len(system) > 1:
                add(
                    (
                        "system-blocks",
                        ERROR,
                        "system",
                        f'{len(system)} system blocks: a record takes one system prompt (one {{"text": ...}} block)',
                    )
                )
    elif claude:
        if isinstance(system, str):
            texts.append(("system", "system", system))
    else:
        for key in schema.text_fields:
            value = record.get(key)
            if isinstance(value, str):
                texts.append((key, "output" if key == "completion" else "input", value))

    messages = record.get("messages")
    if record_format is _RFT:
        _walk_rft(record, out)
    elif isinstance(messages, list):
        _walk_messages(
            messages,
            out,
            shape=conversation or claude,
            conversation=conversation,
            claude=claude,
            prompt_only=prompt_only,
        )

    for where, _, text in texts:
        if not text or text.isspace():  # no copy of the text, as strip() would make
            add(("empty-text", WARNING, text_path(where), "is empty"))
    return out


def text_path(where: str | tuple[int, int]) -> str:
    """The field path of a text the walk gathered."""
    return where if isinstance(where, str) else f"messages[{where[0]}].content[{where[1]}].text"


def _walk_rft(record: dict[str, Any], out: RecordWalk) -> None:
    """An RFT record: OpenAI-format messages (content a string, or a list of {"type": "text", "text"} parts) and a
    reference answer."""
    add = out.problems.append
    answer = record.get("reference_answer", _NOT_SEEN)
    if (
        answer is None
        or (isinstance(answer, str | list | dict) and not answer)
        or (isinstance(answer, str) and answer.isspace())
    ):
        add(("reference-answer", ERROR, "reference_answer", "is empty: the grader has nothing to score against"))
    messages = record.get("messages")
    if not isinstance(messages, list):
        return
    if not messages:
        add(("message-shape", ERROR, "messages", "is empty"))
        return
    last_role: Any = None
    users = 0
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            add(("message-shape", ERROR, f"messages[{i}]", "must be an object with role and content"))
            continue
        role = last_role = message.get("role")
        if role not in ("system", "user", "assistant"):
            add(("roles", ERROR, f"messages[{i}].role", f"is {_short(role)}: only system, user and assistant"))
        elif role == "system" and i != 0:
            add(("system-position", ERROR, f"messages[{i}].role", "a system message comes first, and only once"))
        users += role == "user"
        part = "output" if role == "assistant" else "system" if role == "system" else "input"
        content = message.get("content", _NOT_SEEN)
        if isinstance(content, str):
            out.texts.append((f"messages[{i}].content", part, content))
        elif isinstance(content, list) and content:
            for j, block in enumerate(content):
                text = block.get("text") if isinstance(block, dict) and block.get("type") == "text" else None
                if isinstance(text, str):
                    out.texts.append((f"messages[{i}].content[{j}].text", part, text))
                else:
                    add(
                        ("message-shape", ERROR, f"messages[{i}].content[{j}]", 'must be {"type": "text", "text": ...}')
                    )
        else:
            add(("message-shape", ERROR, f"messages[{i}].content", "must be a string (or a list of text parts)"))
    if not users:
        add(("prompt-turn", ERROR, "messages", "no user message: the record has no prompt"))
    elif last_role != "user":
        add(
            (
                "prompt-turn",
                WARNING,
                f"messages[{len(messages) - 1}].role",
                f"the last message is {_short(last_role)}: the model answers the conversation, so it usually ends "
                "with the user's prompt",
            )
        )


def _walk_reasoning(block: dict[str, Any], i: int, j: int, role: Any, out: RecordWalk) -> bool:
    """One reasoningContent block; True when it holds a usable text."""
    add = out.problems.append
    path = f"messages[{i}].content[{j}].reasoningContent"
    out.reasoning.append(path)
    if role != "assistant":
        add(("reasoning-content", ERROR, path, f"in a {_short(role)} turn: reasoning belongs in assistant turns only"))
    value = block["reasoningContent"]
    reasoning_text = value.get("reasoningText") if isinstance(value, dict) else None
    text = reasoning_text.get("text") if isinstance(reasoning_text, dict) else None
    if not isinstance(text, str):
        add(("reasoning-content", ERROR, path, 'must be {"reasoningText": {"text": "..."}}'))
        return False
    if not text.strip():
        add(("reasoning-content", ERROR, f"{path}.reasoningText.text", "is empty"))
        return False
    out.texts.append((f"{path}.reasoningText.text", "output", text))
    return True


def _walk_messages(
    messages: list[Any],
    out: RecordWalk,
    *,
    shape: bool,
    conversation: bool,
    claude: bool,
    prompt_only: bool = False,
) -> None:
    add = out.problems.append
    texts = out.texts
    media = out.media
    if shape and not messages:
        add(("message-shape", ERROR, "messages", "is empty"))
    before: Any = _NOT_SEEN  # the role of the message before, when that message was an object
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            if shape:
                add(("message-shape", ERROR, f"messages[{i}]", "must be an object with role and content"))
            before = _NOT_SEEN
            continue
        role = message.get("role", _NOT_SEEN)
        content = message.get("content", _NOT_SEEN)
        has_content = content is not _NOT_SEEN
        if role is _NOT_SEEN:
            role = None
            if shape:
                add(("message-shape", ERROR, f"messages[{i}].role", "missing"))
        elif role != "user" and role != "assistant":
            add(
                (
                    "roles",
                    ERROR,
                    f"messages[{i}].role",
                    f"is {role!r}: only user and assistant (system goes in 'system')",
                )
            )
        if shape and not has_content:
            add(("message-shape", ERROR, f"messages[{i}].content", "missing"))
        if before is not _NOT_SEEN and before == role:
            add(
                (
                    "alternating",
                    ERROR,
                    f"messages[{i}].role",
                    f"two {role} turns in a row: user and assistant must alternate",
                )
            )
        before = role
        part = "output" if role == "assistant" else "input"
        if claude:
            if isinstance(content, str):
                texts.append((f"messages[{i}].content", part, content))
                continue
            if has_content:
                add(("message-shape", ERROR, f"messages[{i}].content", "must be a string in the Claude 3 Haiku format"))
            if not isinstance(content, list):
                continue
        elif not isinstance(content, list):
            if shape and has_content:
                add(("message-shape", ERROR, f"messages[{i}].content", "must be a list of content blocks"))
            continue
        blocks_shape = conversation
        if blocks_shape and not content:
            add(("message-shape", ERROR, f"messages[{i}].content", "is empty"))
        characters = 0
        has_text = has_other = False
        reasoning_blocks = 0
        for j, block in enumerate(content):
            if not isinstance(block, dict):
                if blocks_shape:
                    add(
                        (
                            "message-shape",
                            ERROR,
                            f"messages[{i}].content[{j}]",
                            "must hold exactly one of text, image, video",
                        )
                    )
                continue
            if len(block) == 1:  # the usual block, one key: read it once instead of asking for every kind
                only = next(iter(block))
                if only == "text":
                    text = block["text"]
                    if isinstance(text, str):
                        has_text = True
                        characters += len(text)
                        if conversation:
                            texts.append(((i, j), part, text))  # the field path is written only for a problem
                        continue
                elif only == "image" or only == "video":
                    media.append((f"messages[{i}].content[{j}].{only}", only, block[only], role))
                    has_other = True
                    continue
            text = block.get("text", _NOT_SEEN)
            if blocks_shape:
                kinds = ("text" in block) + ("image" in block) + ("video" in block) + ("reasoningContent" in block)
                if kinds != 1:
                    add(
                        (
                            "message-shape",
                            ERROR,
                            f"messages[{i}].content[{j}]",
                            "must hold exactly one of text, image, video",
                        )
                    )
                elif text is not _NOT_SEEN and not isinstance(text, str):
                    add(("message-shape", ERROR, f"messages[{i}].content[{j}].text", "must be a string"))
            if isinstance(text, str):
                has_text = True
                characters += len(text)
                if conversation:
                    texts.append(((i, j), part, text))  # the field path is written only for a problem
            if "image" in block:
                media.append((f"messages[{i}].content[{j}].image", "image", block["image"], role))
                has_other = True
            if "video" in block:
                media.append((f"messages[{i}].content[{j}].video", "video", block["video"], role))
                has_other = True
            if "reasoningContent" in block:
                has_other = True
                if conversation:
                    reasoning_blocks += 1
                    _walk_reasoning(block, i, j, role, out)
                    if reasoning_blocks > 1:
                        add(("reasoning-content", ERROR, f"messages[{i}].content[{j}]", "one reasoning block a turn"))
                    elif has_text:
                        add(
                            (
                                "reasoning-content",
                                ERROR,
                                f"messages[{i}].content[{j}]",
                                "the reasoning comes before the turn's text",
                            )
                        )
        if conversation and has_text and characters == 0 and not has_other:
            add(
                (
                    "empty-turn",
                    ERROR,
                    f"messages[{i}].content",
                    "has no text and no media: a turn needs some content",
                )
            )
    if messages and isinstance(messages[0], dict) and messages[0].get("role") != "user":
        add(("first-user", ERROR, "messages[0].role", f"the first turn must be user, not {messages[0].get('role')!r}"))
    last = messages[-1] if messages else None
    if prompt_only:
        return  # a distillation record may end with the user's prompt: the teacher answers it
    if isinstance(last, dict) and last.get("role") != "assistant":
        add(
            (
                "last-assistant",
                ERROR,
                f"messages[{len(messages) - 1}].role",
                f"the last turn must be assistant, not {last.get('role')!r}",
            )
        )


def texts(record: dict[str, Any], record_format: RecordFormat) -> list[tuple[str, str, str]]:
    """(field path, part, text) of every text in a record; part is system | input | output."""
    return [(text_path(where), part, text) for where, part, text in walk_record(record, record_format).texts]


# -- the media rules -------------------------------------------------------------------------------------------------


def _uri(media: Any) -> Any:
    if isinstance(media, dict):
        source = media.get("source")
        if isinstance(source, dict):
            location = source.get("s3Location")
            if isinstance(location, dict):
                return location.get("uri")
    return None


def _check_media(walk: RecordWalk, ctx: CheckContext) -> None:
    """Every rule over the record's image and video blocks, in one pass over them."""
    add = walk.problems.append
    spec = ctx.spec
    rules = spec.images if spec else None
    images = 0
    kinds: set[str] = set()
    dataset_bucket = ctx.dataset_bucket
    for path, kind, media, role in walk.media:
        kinds.add(kind)
        if kind == "image" and role == "user" and type(media) is dict and dataset_bucket is not None:
            # The usual image block, well formed and in the dataset's bucket, checked without the general path's
            # steps; anything else (a missing or odd part, another bucket) takes the general path below.
            s3 = media.get("source")
            s3 = s3.get("s3Location") if type(s3) is dict else None
            if type(s3) is dict and type(media.get("format")) is str:
                uri = s3.get("uri")
                owner = s3.get("bucketOwner")
                if type(uri) is str and type(owner) is str and uri.startswith("s3://") and is_account_id(owner):
                    bucket, _, key = uri[5:].partition("/")
                    if (
                        bucket == dataset_bucket
                        and key
                        and cached_bucket_problem(bucket) is None
                        and not key_problem(key)
                    ):
                        images += 1
                        _check_image(path, media, uri, ctx, add)
                        continue
        if role != "user":
            add(("media-in-user", ERROR, path, f"{kind} in a {role} turn: media belong in user turns only"))
        location: Any = None
        if not isinstance(media, dict):
            add(("image-block", ERROR, path, "must be an object with format and source"))
        else:
            if not isinstance(media.get("format"), str):
                add(("image-block", ERROR, f"{path}.format", "missing"))
            source = media.get("source")
            location = source.get("s3Location") if isinstance(source, dict) else None
            if not isinstance(location, dict):
                add(
                    (
                        "image-block",
                        ERROR,
                        f"{path}.source.s3Location",
                        "missing: media must come from S3 ({uri, bucketOwner})",
                    )
                )
                location = None
            else:
                if not isinstance(location.get("uri"), str):
                    add(("image-block", ERROR, f"{path}.source.s3Location.uri", "missing"))
                if "bucketOwner" not in location:
                    add(
                        (
                            "image-block",
                            ERROR,
                            f"{path}.source.s3Location.bucketOwner",
                            "missing: the 12-digit account that owns the bucket",
                        )
                    )
                else:
                    owner = location["bucketOwner"]
                    if not isinstance(owner, str) or not is_account_id(owner):
                        add(
                            (
                                "bucket-owner",
                                ERROR,
                                f"{path}.source.s3Location.bucketOwner",
                                f"{owner!r} is not a 12-digit AWS account id",
                            )
                        )
        uri = location.get("uri") if location is not None else None
        if isinstance(uri, str):
            bucket, _, key = uri[5:].partition("/") if uri.startswith("s3://") else ("", "", "")
            if not bucket or not key:
                add(("s3-uri", ERROR, f"{path}.source.s3Location.uri", f"{uri!r} is not an s3://bucket/key URI"))
            else:
                why = cached_bucket_problem(bucket) or key_problem(key)
                if why:
                    add(("s3-uri", ERROR, f"{path}.source.s3Location.uri", why))
                if ctx.dataset_bucket is None:
                    ctx.dataset_bucket = bucket
                elif bucket != ctx.dataset_bucket:
                    add(
                        (
                            "same-bucket",
                            ERROR,
                            f"{path}.source.s3Location.uri",
                            f"media in bucket {bucket!r}, the dataset in {ctx.dataset_bucket!r}: "
                            "Bedrock reads media only from the dataset's bucket",
                        )
                    )
        else:
            uri = None
        if kind == "image":
            images += 1
            _check_image(path, media, uri, ctx, add)
        else:
            formats = spec.video_formats if spec is not None else VIDEO_FORMATS
            if spec is not None and not formats:
                add(("video", ERROR, path, f"{spec.display_name} takes no video"))
            elif isinstance(media, dict) and _not_a_video_format(media.get("format"), formats):
                add(
                    (
                        "video",
                        ERROR,
                        f"{path}.format",
                        f"{_short(media.get('format'))} is not one of {', '.join(sorted(formats))}",
                    )
                )
    if rules is not None and images > rules.max_per_record and spec is not None:
        add(
            (
                "image-count",
                ERROR,
                "messages",
                f"{images} images in the record: {spec.display_name} takes at most {rules.max_per_record}",
            )
        )
    if len(kinds) > 1:
        add(("video", ERROR, "messages", "images and a video in one record: a dataset holds one kind of media"))


@lru_cache(maxsize=64)
def is_account_id(owner: str) -> bool:
    """A 12-digit account id, remembered: a dataset names one owner thousands of times."""
    return ACCOUNT_ID.match(owner) is not None


@lru_cache(maxsize=64)
def cached_bucket_problem(bucket: str) -> str | None:
    """bucket_problem, remembered: a dataset names one bucket thousands of times."""
    return bucket_problem(bucket)


def _check_image(path: str, media: Any, uri: str | None, ctx: CheckContext, add: Callable[[Finding], None]) -> None:
    spec = ctx.spec
    rules = spec.images if spec else None
    if isinstance(media, dict):
        if spec is not None and rules is None:
            add(("image-format", ERROR, path, f"{spec.display_name} takes no images"))
        else:
            fmt = media.get("format")
            if rules is not None and isinstance(fmt, str) and fmt not in rules.formats:
                add(
                    (
                        "image-format",
                        ERROR,
                        f"{path}.format",
                        f"{fmt!r} is not one of {', '.join(sorted(rules.formats))}",
                    )
                )
            info = ctx.image(uri) if uri is not None and ctx.locate is not None else None
            if isinstance(info, ImageInfo) and info.format != fmt:
                add(
                    (
                        "image-format",
                        ERROR,
                        f"{path}.format",
                        f"says {fmt!r} but the file {os.path.basename(info.path)} is {info.format or 'another format'}",
                    )
                )
    if uri is None or ctx.locate is None:
        return
    info = ctx.image(uri)
    if info is None:
        add(
            (
                "image-local",
                WARNING,
                f"{path}.source.s3Location.uri",
                f"no local copy of {uri}: its size was not checked",
            )
        )
    elif isinstance(info, str):
        add(("image-local", ERROR, f"{path}.source.s3Location.uri", info))
    elif rules is not None:
        if info.size_bytes > rules.max_bytes:
            add(
                (
                    "image-bytes",
                    ERROR,
                    path,
                    f"{os.path.basename(info.path)} is {info.size_bytes} bytes: at most {rules.max_bytes}",
                )
            )
        if rules.max_side and max(info.width, info.height) > rules.max_side:
            add(("image-pixels", ERROR, path, f"{info.width}x{info.height} px: at most {rules.max_side} px a side"))
        if rules.min_side and min(info.width, info.height) < rules.min_side:
            add(("image-pixels", ERROR, path, f"{info.width}x{info.height} px: at least {rules.min_side} px a side"))


# -- the rules over the gathered text ----------------------------------------------------------------------------------

_RESERVED_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}
_RESERVED_LAST: dict[tuple[str, ...], tuple[str, ...]] = {}


def _reserved_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    pattern = _RESERVED_PATTERNS.get(words)
    if pattern is None:
        pattern = _RESERVED_PATTERNS[words] = re.compile("|".join(re.escape(w) for w in words))
    return pattern


def _reserved_last(words: tuple[str, ...]) -> tuple[str, ...]:
    """The last characters of the words: a text holding none of them holds no word (a few ``in`` scans, far cheaper
    than the regular expression's)."""
    last = _RESERVED_LAST.get(words)
    if last is None:
        last = _RESERVED_LAST[words] = tuple(sorted({w[-1:] for w in words}))  # "" (an empty word) is in any text
    return last


def holds_reserved_word(words: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` holds one of ``words``: the regular expression runs only when the text holds a word's last
    character (a few ``in`` scans, far cheaper than the search)."""
    for last in _reserved_last(words):
        if last in text:
            return _reserved_pattern(words).search(text) is not None
    return False


def _check_texts(walk: RecordWalk, ctx: CheckContext) -> None:
    spec = ctx.spec
    if spec is None:
        return
    add = walk.problems.append
    words = spec.reserved_words
    # One search over all the record's text; the texts one by one only when it finds something.
    if words and holds_reserved_word(words, "\x00".join([t for _, _, t in walk.texts])):
        search = _reserved_pattern(words).search
        for path, _, text in walk.texts:
            if search(text):
                found = [w for w in words if w in text]
                add(
                    (
                        "reserved-words",
                        ERROR,
                        text_path(path),
                        f"contains {', '.join(repr(w) for w in found)}: {spec.display_name} rejects these strings",
                    )
                )
    if spec.max_tokens is None and spec.max_input_tokens is None and spec.max_output_tokens is None:
        return
    tokens = _tokens(walk, ctx)
    total = tokens["input"] + tokens["output"]
    if spec.max_tokens is not None and total > spec.max_tokens:
        add(
            (
                "token-limit",
                ERROR,
                None,
                f"about {total} tokens (input {tokens['input']} + output {tokens['output']}): "
                f"{spec.display_name} takes at most {spec.max_tokens} per record",
            )
        )
    prompt_completion = ctx.record_format is _PROMPT_COMPLETION
    for rule, part, limit, name in (
        ("input-tokens", "input", spec.max_input_tokens, "prompt"),
        ("output-tokens", "output", spec.max_output_tokens, "completion"),
    ):
        if limit is not None and tokens[part] > limit:
            add(
                (
                    rule,
                    ERROR,
                    name if prompt_completion else None,
                    f"about {tokens[part]} {part} tokens: {spec.display_name} takes at most {limit}",
                )
            )


def _tokens(walk: RecordWalk, ctx: CheckContext) -> dict[str, int]:
    inputs = outputs = 0
    for _, part, text in walk.texts:
        if part == "output":
            outputs += len(text)
        else:
            inputs += len(text)
    tokens = {"input": -(-inputs // CHARS_PER_TOKEN), "output": -(-outputs // CHARS_PER_TOKEN)}
    rules = ctx.spec.images if ctx.spec else None
    if rules is not None and rules.token_formula:
        for _, kind, media, _ in walk.media:
            if kind != "image":
                continue
            uri = _uri(media)
            info = ctx.image(uri) if isinstance(uri, str) and ctx.locate else None
            tokens["input"] += (
                rules.tokens(info.width, info.height) if isinstance(info, ImageInfo) else LLAMA_TILE_TOKENS
            )
    return tokens


def estimate_tokens(record: dict[str, Any], ctx: CheckContext) -> dict[str, int]:
    """Estimated tokens of a record by part: input (system and user turns, images), output (assistant turns)."""
    return _tokens(walk_record(record, ctx.record_format, prompt_only=ctx.prompt_only), ctx)


def check_record(record: Any, ctx: CheckContext) -> Iterator[Finding]:
    """(rule, severity, field, message) for every problem of one parsed record, from one walk over it."""
    yield from record_findings(record, ctx)


def record_findings(record: Any, ctx: CheckContext) -> list[Finding]:
    """``check_record``'s findings as a list (what the validator's loop reads: no generator per record)."""
    if not isinstance(record, dict):
        return [("json-object", ERROR, None, f"a record must be a JSON object, not {_json_type(type(record))}")]
    prompt_only = ctx.prompt_only
    walk = walk_record(record, ctx.record_format, prompt_only=prompt_only)
    if walk.media:
        for _, kind, _, _ in walk.media:
            ctx.media_kinds.add(kind)
        if prompt_only:
            for path, kind, _, _ in walk.media:
                walk.problems.append(("prompt-only-media", ERROR, path, f"a {kind}: distillation is text only"))
        _check_media(walk, ctx)
    if walk.reasoning and ctx.spec is not None and ctx.spec.family not in REASONING_FAMILIES:
        for path in walk.reasoning:
            walk.problems.append(
                ("reasoning-content", ERROR, path, f"{ctx.spec.display_name} takes no reasoning content")
            )
    _check_texts(walk, ctx)
    problems = walk.problems
    if len(problems) > 1:
        problems.sort(key=lambda problem: _RANK[problem[0]])  # stable: a rule's problems keep their order
    return problems


def _not_a_video_format(value: Any, formats: frozenset[str] = VIDEO_FORMATS) -> bool:
    return not (isinstance(value, str) and value in formats)


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
