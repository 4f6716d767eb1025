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
- ``rft-messages`` (reinforcement fine-tuning, Nova 2 Lite; the OpenAI chat format)::

    {"messages": [{"role": "system", "content": ...}, {"role": "user", "content": ...}], "reference_answer": ...}

  ``reference_answer`` is what the grader Lambda scores the model's answer against (any JSON value); other keys are
  passed to the grader and allowed.

Two variants of bedrock-conversation-2024 besides the plain one:

- prompt-only records (distillation): the same shape with the user turn only; the teacher writes the answers.
- Nova 2 Lite's optional reasoning: an assistant turn may open with
  ``{"reasoningContent": {"reasoningText": {"text": ...}}}`` before its text block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from bedrock_ft.core.errors import UsageError
from bedrock_ft.core.models import RecordFormat
from bedrock_ft.core.s3_uris import S3Uri, join_key

if TYPE_CHECKING:  # Pillow is imported only where images are stored
    from bedrock_ft.data.images import StoredImage

CONVERSATION_SCHEMA_VERSION = "bedrock-conversation-2024"


@dataclass(frozen=True)
class Schema:
    """Top-level keys of a record: required and optional, each with the JSON type it must have."""

    required: dict[str, type]
    optional: dict[str, type]
    text_fields: tuple[str, ...] = ()  # string keys that hold the record's text
    open: bool = False  # keys beyond these are allowed (RFT records carry fields for the grader)

    @cached_property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.required) | frozenset(self.optional)

    @cached_property
    def types(self) -> dict[str, type]:
        """Every key the format allows, with its JSON type: the required keys first."""
        return {**self.required, **self.optional}


SCHEMAS: dict[RecordFormat, Schema] = {
    RecordFormat.CONVERSATION: Schema(required={"schemaVersion": str, "messages": list}, optional={"system": list}),
    RecordFormat.PROMPT_COMPLETION: Schema(
        required={"prompt": str, "completion": str}, optional={}, text_fields=("prompt", "completion")
    ),
    RecordFormat.CLAUDE_MESSAGES: Schema(required={"messages": list}, optional={"system": str}),
    RecordFormat.PRETRAINING: Schema(required={"input": str}, optional={}, text_fields=("input",)),
    # reference_answer may be any JSON value: ``object`` admits them all.
    RecordFormat.RFT: Schema(
        required={"messages": list, "reference_answer": object}, optional={"id": str, "tools": list}, open=True
    ),
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
    images: Sequence[StoredImage | ImageReference] = (),
    location: ImageLocation | None = None,
    reasoning: str | None = None,
    prompt_only: bool = False,
    reference_answer: Any = None,
) -> dict[str, Any]:
    """One training record of ``record_format``.

    ``reasoning``: Nova 2 Lite's reasoning text, put before the answer in the assistant turn (conversation only).
    ``prompt_only``: a distillation record, the user turn alone (conversation only; ``response`` is not used).
    ``reference_answer``: what an RFT record's grader compares the answer with (the rft-messages format).
    """
    if record_format is RecordFormat.RFT:
        if images:
            raise UsageError(
                "reinforcement fine-tuning records take no images", hint="give no image column", setting="image_column"
            )
        return build_rft_record(system, prompt, reference_answer)
    if (reasoning is not None or prompt_only) and record_format is not RecordFormat.CONVERSATION:
        raise UsageError(f"the {record_format} format has no reasoning content and no prompt-only records")
    if prompt_only:
        if images:
            raise UsageError(
                "distillation is text only: prompt-only records take no images",
                hint="give no image column",
                setting="image_column",
            )
        record: dict[str, Any] = {"schemaVersion": CONVERSATION_SCHEMA_VERSION}
        if system:
            record["system"] = [{"text": system}]
        record["messages"] = [{"role": "user", "content": [{"text": prompt}]}]
        return record
    if images and record_format not in FORMAT_TAKES_IMAGES:
        raise UsageError(
            f"the {record_format} format takes no images", hint="give no image column", setting="image_column"
        )
    if record_format is not RecordFormat.PRETRAINING and response is None:
        raise UsageError(f"the {record_format} format needs a response", hint="give one", setting="response_template")
    if record_format is RecordFormat.CONVERSATION:
        conversation = _conversation(system, prompt, response or "", images, location)
        if reasoning is not None:
            answer = conversation["messages"][-1]["content"]
            answer.insert(0, {"reasoningContent": {"reasoningText": {"text": reasoning}}})
        return conversation
    if record_format is RecordFormat.PROMPT_COMPLETION:
        return {"prompt": f"{system}\n\n{prompt}" if system else prompt, "completion": response or ""}
    if record_format is RecordFormat.CLAUDE_MESSAGES:
        record = {"system": system} if system else {}
        record["messages"] = [{"role": "user", "content": prompt}, {"role": "assistant", "content": response or ""}]
        return record
    text = prompt if not response else f"{prompt}\n\n{response}"
    return {"input": f"{system}\n\n{text}" if system else text}


def build_rft_record(system: str | None, prompt: str, reference_answer: Any) -> dict[str, Any]:
    """A reinforcement fine-tuning record: the prompt as OpenAI-format messages, and the reference answer."""
    if reference_answer is None or (isinstance(reference_answer, str) and not reference_answer.strip()):
        raise UsageError(
            "a reinforcement fine-tuning record needs a reference answer",
            hint="give a response template",
            setting="response_template",
        )
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": prompt})
    return {"messages": messages, "reference_answer": reference_answer}


@dataclass(frozen=True)
class ImageReference:
    """An image that already lives in the dataset's bucket: the record names it, nothing is stored or uploaded."""

    uri: str
    format: str  # Bedrock's name: png, jpeg, gif, webp


def image_block(image: StoredImage | ImageReference, location: ImageLocation) -> dict[str, Any]:
    uri = image.uri if isinstance(image, ImageReference) else location.uri(image.relative_path)
    return {
        "image": {
            "format": image.format,
            "source": {"s3Location": {"uri": uri, "bucketOwner": location.bucket_owner}},
        }
    }


USER = "user"
ASSISTANT = "assistant"


def build_turns_record(
    record_format: RecordFormat,
    *,
    system: str | None,
    turns: Sequence[tuple[str, str]],
    images: Sequence[StoredImage | ImageReference] = (),
    location: ImageLocation | None = None,
    reasoning: str | None = None,
    prompt_only: bool = False,
    reference_answer: Any = None,
) -> dict[str, Any]:
    """One record from a whole conversation: ``turns`` are (user | assistant, text), alternating, user first.

    Images go in the first user turn, the reasoning before the last assistant turn's text. ``prompt_only``
    (distillation) and the rft-messages format keep the turns up to the last user turn: the model answers it.
    """
    if not turns or turns[0][0] != USER:
        raise UsageError("a conversation starts with a user turn")
    keep_to_prompt = prompt_only or record_format is RecordFormat.RFT
    if keep_to_prompt:
        last_user = max(n for n, (role, _) in enumerate(turns) if role == USER)
        turns = turns[: last_user + 1]
    elif turns[-1][0] != ASSISTANT:
        raise UsageError("a training conversation ends with an assistant turn")
    if record_format is RecordFormat.RFT:
        if images:
            raise UsageError(
                "reinforcement fine-tuning records take no images", hint="give no image column", setting="image_column"
            )
        if reference_answer is None or (isinstance(reference_answer, str) and not reference_answer.strip()):
            raise UsageError("a reinforcement fine-tuning record needs a reference answer")
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
        messages += [{"role": role, "content": text} for role, text in turns]
        return {"messages": messages, "reference_answer": reference_answer}
    if record_format is RecordFormat.CLAUDE_MESSAGES:
        if images or reasoning is not None or prompt_only:
            raise UsageError("the claude-messages format takes no images, reasoning or prompt-only records")
        record: dict[str, Any] = {"system": system} if system else {}
        record["messages"] = [{"role": role, "content": text} for role, text in turns]
        return record
    if record_format is not RecordFormat.CONVERSATION:
        if len(turns) != 2:
            raise UsageError(f"the {record_format} format holds one exchange, not a {len(turns)}-turn conversation")
        return build_record(
            record_format, system=system, prompt=turns[0][1], response=turns[1][1], images=images, location=location
        )
    if images and location is None:
        raise UsageError(
            "images need a bucket and a bucket owner",
            hint="name the bucket and its owner, or give the Terraform outputs",
            settings=("bucket", "bucket_owner", "tf_outputs"),
        )
    if prompt_only and images:
        raise UsageError(
            "distillation is text only: prompt-only records take no images",
            hint="give no image column",
            setting="image_column",
        )
    record = {"schemaVersion": CONVERSATION_SCHEMA_VERSION}
    if system:
        record["system"] = [{"text": system}]
    messages = []
    for n, (role, text) in enumerate(turns):
        content: list[dict[str, Any]] = [{"text": text}]
        if n == 0 and location is not None:
            content.extend(image_block(image, location) for image in images)
        messages.append({"role": role, "content": content})
    if reasoning is not None and not prompt_only:
        messages[-1]["content"].insert(0, {"reasoningContent": {"reasoningText": {"text": reasoning}}})
    record["messages"] = messages
    return record


def _conversation(
    system: str | None,
    prompt: str,
    response: str,
    images: Sequence[StoredImage | ImageReference],
    location: ImageLocation | None,
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
        "rft": RecordFormat.RFT,
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
