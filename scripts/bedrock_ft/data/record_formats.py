"""One builder and one schema per record format (``models.RecordFormat``).

A builder turns rendered text (system, prompt, response) and stored images into one JSONL record. A schema says which
top-level keys a record of the format must and may have and of which JSON types; ``validate.py`` checks records
against it and adds the format's deeper rules (roles, turns, image blocks).

Formats:

- ``bedrock-conversation-2024`` (Nova, Llama 3.2 / 3.3)::

    {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": ...}],
     "messages": [{"role": "user", "content": [{"text": ...}, {"image": {"format": "png", "source":
                   {"s3Location": {"uri": "s3://BUCKET/PREFIX/images/...", "bucketOwner": "123456789012"}}}}]},
                  {"role": "assistant", "content": [{"text": ...}]}]}

- ``prompt-completion`` (Llama 3.1, Cohere, Titan Text): ``{"prompt": ..., "completion": ...}``; a system text is put
  before the prompt, separated by a blank line.
- ``claude-messages`` (Claude 3 Haiku): ``{"system": ..., "messages": [{"role": "user", "content": ...},
  {"role": "assistant", "content": ...}]}``.
- ``continued-pretraining``: ``{"input": ...}``: the prompt, then the response after a blank line when there is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bedrock_ft.core.errors import UsageError
from bedrock_ft.core.models import RecordFormat
from bedrock_ft.core.s3_uris import S3Uri, join_key
from bedrock_ft.data.images import StoredImage

CONVERSATION_SCHEMA_VERSION = "bedrock-conversation-2024"


@dataclass(frozen=True)
class Schema:
    """Top-level keys of a record: required and optional, each with the JSON type it must have."""

    required: dict[str, type]
    optional: dict[str, type]
    text_fields: tuple[str, ...] = ()  # string keys that hold the record's text

    @property
    def allowed(self) -> set[str]:
        return set(self.required) | set(self.optional)


SCHEMAS: dict[RecordFormat, Schema] = {
    RecordFormat.CONVERSATION: Schema(required={"schemaVersion": str, "messages": list}, optional={"system": list}),
    RecordFormat.PROMPT_COMPLETION: Schema(
        required={"prompt": str, "completion": str}, optional={}, text_fields=("prompt", "completion")
    ),
    RecordFormat.CLAUDE_MESSAGES: Schema(required={"messages": list}, optional={"system": str}),
    RecordFormat.PRETRAINING: Schema(required={"input": str}, optional={}, text_fields=("input",)),
}

FORMAT_TAKES_IMAGES = {RecordFormat.CONVERSATION}


@dataclass(frozen=True)
class ImageLocation:
    """Where OUT maps to in S3, and who owns the bucket: what an image block needs."""

    bucket: str
    prefix: str
    bucket_owner: str

    def uri(self, relative_path: str) -> str:
        return str(S3Uri(self.bucket, join_key(self.prefix, relative_path)))


def build_record(
    record_format: RecordFormat,
    *,
    system: str | None,
    prompt: str,
    response: str | None,
    images: Sequence[StoredImage] = (),
    location: ImageLocation | None = None,
) -> dict[str, Any]:
    """One training record of ``record_format``."""
    if images and record_format not in FORMAT_TAKES_IMAGES:
        raise UsageError(
            f"the {record_format} format takes no images", hint="give no image column", setting="image_column"
        )
    if record_format is not RecordFormat.PRETRAINING and response is None:
        raise UsageError(f"the {record_format} format needs a response", hint="give one", setting="response_template")
    if record_format is RecordFormat.CONVERSATION:
        return _conversation(system, prompt, response or "", images, location)
    if record_format is RecordFormat.PROMPT_COMPLETION:
        return {"prompt": f"{system}\n\n{prompt}" if system else prompt, "completion": response or ""}
    if record_format is RecordFormat.CLAUDE_MESSAGES:
        record: dict[str, Any] = {"system": system} if system else {}
        record["messages"] = [{"role": "user", "content": prompt}, {"role": "assistant", "content": response or ""}]
        return record
    text = prompt if not response else f"{prompt}\n\n{response}"
    return {"input": f"{system}\n\n{text}" if system else text}


def image_block(image: StoredImage, location: ImageLocation) -> dict[str, Any]:
    return {
        "image": {
            "format": image.format,
            "source": {"s3Location": {"uri": location.uri(image.relative_path), "bucketOwner": location.bucket_owner}},
        }
    }


def _conversation(
    system: str | None, prompt: str, response: str, images: Sequence[StoredImage], location: ImageLocation | None
) -> dict[str, Any]:
    if images and location is None:
        raise UsageError(
            "images need a bucket and a bucket owner",
            hint="name them, or give the Terraform outputs",
            settings=("bucket", "bucket_owner", "tf_outputs"),
        )
    user_content: list[dict[str, Any]] = [{"text": prompt}]
    user_content.extend(image_block(image, location) for image in images if location is not None)
    record: dict[str, Any] = {"schemaVersion": CONVERSATION_SCHEMA_VERSION}
    if system:
        record["system"] = [{"text": system}]
    record["messages"] = [
        {"role": "user", "content": user_content},
        {"role": "assistant", "content": [{"text": response}]},
    ]
    return record


def parse_format(value: str) -> RecordFormat:
    """A RecordFormat from its name (or a few obvious aliases); a UsageError listing the names otherwise."""
    aliases = {
        "conversation": RecordFormat.CONVERSATION,
        "converse": RecordFormat.CONVERSATION,
        "prompt/completion": RecordFormat.PROMPT_COMPLETION,
        "prompt_completion": RecordFormat.PROMPT_COMPLETION,
        "claude": RecordFormat.CLAUDE_MESSAGES,
        "input": RecordFormat.PRETRAINING,
        "pretraining": RecordFormat.PRETRAINING,
    }
    key = value.strip().lower()
    if key in aliases:
        return aliases[key]
    try:
        return RecordFormat(key)
    except ValueError:
        raise UsageError(
            f"unknown record format {value!r}", hint="formats: " + ", ".join(f.value for f in RecordFormat)
        ) from None
