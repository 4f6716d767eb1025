"""A fast path for bedrock-conversation-2024 records: a typed msgspec decoder, and a test that a record is clean.

``clean_conversation_line(raw, ctx)`` decodes one JSONL line into the conversation schema's typed objects (msgspec
checks the structure as it decodes: every key known, every value of its JSON type) and then runs the rules that are
not about structure (roles, media, limits, reserved words, tokens) on the typed record. It answers True only for a
record on which ``record_checks.record_findings`` would find nothing; anything else (a line the typed decoder refuses,
a record with one finding or more, a shape it does not handle: videos, reasoning, two system blocks) answers False,
and the caller takes the general path with that line, unchanged, so every finding keeps its message, line, field and
order. The general path stays the reference: this module only ever says "nothing to report", and then changes
``ctx`` exactly as the general path would (the dataset's bucket, the kinds of media, the local images it probed).

msgspec is imported here: the validator imports this module only for a file large enough to repay the import.
"""

from __future__ import annotations

from typing import Final

import msgspec

from bedrock_ft.core.models import CHARS_PER_TOKEN, CustomizationType, RecordFormat
from bedrock_ft.core.s3_uris import key_problem
from bedrock_ft.data.record_checks import (
    LLAMA_TILE_TOKENS,
    CheckContext,
    ImageInfo,
    cached_bucket_problem,
    holds_reserved_word,
    is_account_id,
)
from bedrock_ft.data.record_formats import CONVERSATION_SCHEMA_VERSION

_UNSET: Final = msgspec.UNSET
_CONVERSATION = RecordFormat.CONVERSATION
_DISTILLATION = CustomizationType.DISTILLATION
# Images a record may hold for this path to probe their local copies: far below CheckContext's cache of probed images
# (record_checks.PROBE_CACHE_SIZE), so the general path, when it runs after this one, finds every probe of this record
# in that cache (no image is counted twice).
MAX_PROBED_IMAGES = 64


# gc=False: these objects hold only strings, lists and each other (no cycles), so the collector need not track them.
class S3Location(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    uri: str
    bucketOwner: str


class ImageSource(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    s3Location: S3Location


class ImageBlock(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    format: str
    source: ImageSource


class ContentBlock(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A text block or an image block (both or neither: not clean; any other key: refused by the decoder)."""

    text: str | msgspec.UnsetType = msgspec.UNSET
    image: ImageBlock | msgspec.UnsetType = msgspec.UNSET


class Message(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    role: str
    content: list[ContentBlock]


class SystemBlock(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    text: str


class ConversationRecord(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    schemaVersion: str
    messages: list[Message]
    system: list[SystemBlock] | msgspec.UnsetType = msgspec.UNSET


_decode = msgspec.json.Decoder(ConversationRecord).decode


def clean_conversation_line(raw: bytes, ctx: CheckContext) -> bool:
    """True when ``raw`` is a conversation record with nothing to report (and ``ctx`` updated as the general path
    would); False when the general path must read the line (``ctx`` untouched, but for local images probed)."""
    try:
        record = _decode(raw)
    except (msgspec.DecodeError, RecursionError):  # a ValidationError is a DecodeError
        return False
    return clean_conversation(record, ctx)


def clean_conversation(record: ConversationRecord, ctx: CheckContext) -> bool:
    """True when ``record_findings`` would find nothing in ``record`` (the rules in their order, each asked only
    whether it has something to say); the context is then updated as the general path updates it."""
    spec = ctx.spec
    if spec is None or ctx.record_format is not _CONVERSATION or record.schemaVersion != CONVERSATION_SCHEMA_VERSION:
        return False
    prompt_only = ctx.customization_type is _DISTILLATION
    inputs = outputs = 0
    texts: list[str] = []
    system = record.system
    if system is not _UNSET:
        if len(system) > 1:
            return False
        for system_block in system:
            system_text = system_block.text
            if not system_text or system_text.isspace():
                return False
            texts.append(system_text)
            inputs += len(system_text)
    messages = record.messages
    if not messages or messages[0].role != "user":
        return False
    if messages[-1].role != "assistant" and not prompt_only:
        return False
    images: list[ImageBlock] = []
    before = None
    for message in messages:
        role = message.role
        if role == before:
            return False
        before = role
        if role == "user":
            assistant = False
        elif role == "assistant":
            assistant = True
        else:
            return False
        content = message.content
        if not content:
            return False
        for block in content:
            text = block.text
            if text is _UNSET:
                image = block.image
                if image is _UNSET or assistant:
                    return False
                images.append(image)
                continue
            if block.image is not _UNSET or not text or text.isspace():
                return False
            texts.append(text)
            if assistant:
                outputs += len(text)
            else:
                inputs += len(text)
    rules = spec.images
    if images:
        if rules is None or prompt_only or len(images) > rules.max_per_record:
            return False
        bucket_seen = ctx.dataset_bucket
        for image in images:
            location = image.source.s3Location
            uri = location.uri
            if not is_account_id(location.bucketOwner) or not uri.startswith("s3://"):
                return False
            bucket, _, key = uri[5:].partition("/")
            if not bucket or not key or cached_bucket_problem(bucket) is not None or key_problem(key):
                return False
            if bucket_seen is None:
                bucket_seen = bucket
            elif bucket != bucket_seen:
                return False
            if image.format not in rules.formats:
                return False
        if len(images) > MAX_PROBED_IMAGES:
            return False
        if ctx.locate is not None:
            for image in images:
                info = ctx.image(image.source.s3Location.uri)
                if not isinstance(info, ImageInfo) or info.format != image.format:
                    return False
                if info.size_bytes > rules.max_bytes:
                    return False
                if rules.max_side and max(info.width, info.height) > rules.max_side:
                    return False
                if rules.min_side and min(info.width, info.height) < rules.min_side:
                    return False
    words = spec.reserved_words
    if words and holds_reserved_word(words, "\x00".join(texts)):
        return False
    if spec.max_tokens is not None or spec.max_input_tokens is not None or spec.max_output_tokens is not None:
        input_tokens = -(-inputs // CHARS_PER_TOKEN)
        output_tokens = -(-outputs // CHARS_PER_TOKEN)
        if images and rules is not None and rules.token_formula:
            for image in images:
                info = ctx.image(image.source.s3Location.uri) if ctx.locate is not None else None
                input_tokens += (
                    rules.tokens(info.width, info.height) if isinstance(info, ImageInfo) else LLAMA_TILE_TOKENS
                )
        if spec.max_tokens is not None and input_tokens + output_tokens > spec.max_tokens:
            return False
        if spec.max_input_tokens is not None and input_tokens > spec.max_input_tokens:
            return False
        if spec.max_output_tokens is not None and output_tokens > spec.max_output_tokens:
            return False
    if images:
        ctx.dataset_bucket = bucket_seen
        ctx.media_kinds.add("image")
    return True
