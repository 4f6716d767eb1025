"""One builder per record format, each checked against its own schema."""

from __future__ import annotations

import pytest

from bedrock_ft.core.errors import UsageError
from bedrock_ft.core.models import RecordFormat
from bedrock_ft.data.images import StoredImage
from bedrock_ft.data.record_checks import CheckContext, check_record
from bedrock_ft.data.record_formats import ImageLocation, build_record, parse_format
from helpers.dataset_helpers import BUCKET, OWNER

IMAGE = StoredImage("images/ab/abc.png", "png", 40, 30, 100, converted=False)
LOCATION = ImageLocation(bucket=BUCKET, prefix="data/a11y", bucket_owner=OWNER)


def errors(record: dict, record_format: RecordFormat) -> list[str]:
    return [rule for rule, severity, _, _ in check_record(record, CheckContext(record_format)) if severity == "error"]


def test_conversation_record_with_image() -> None:
    record = build_record(
        RecordFormat.CONVERSATION, system="Be kind.", prompt="Q", response="A", images=[IMAGE], location=LOCATION
    )
    assert record == {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "Be kind."}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": "Q"},
                    {
                        "image": {
                            "format": "png",
                            "source": {
                                "s3Location": {
                                    "uri": f"s3://{BUCKET}/data/a11y/images/ab/abc.png",
                                    "bucketOwner": OWNER,
                                }
                            },
                        }
                    },
                ],
            },
            {"role": "assistant", "content": [{"text": "A"}]},
        ],
    }
    assert errors(record, RecordFormat.CONVERSATION) == []


def test_conversation_record_without_system_has_no_system_key() -> None:
    record = build_record(RecordFormat.CONVERSATION, system=None, prompt="Q", response="A")
    assert "system" not in record and errors(record, RecordFormat.CONVERSATION) == []


def test_prompt_completion_record_puts_system_before_prompt() -> None:
    record = build_record(RecordFormat.PROMPT_COMPLETION, system="Be kind.", prompt="Q", response="A")
    assert record == {"prompt": "Be kind.\n\nQ", "completion": "A"}
    assert errors(record, RecordFormat.PROMPT_COMPLETION) == []


def test_claude_messages_record() -> None:
    record = build_record(RecordFormat.CLAUDE_MESSAGES, system="Be kind.", prompt="Q", response="A")
    assert record == {
        "system": "Be kind.",
        "messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}],
    }
    assert errors(record, RecordFormat.CLAUDE_MESSAGES) == []


def test_pretraining_record_is_input_only() -> None:
    record = build_record(RecordFormat.PRETRAINING, system=None, prompt="Some text.", response=None)
    assert record == {"input": "Some text."}
    assert errors(record, RecordFormat.PRETRAINING) == []


@pytest.mark.parametrize(
    "record_format", [RecordFormat.PROMPT_COMPLETION, RecordFormat.CLAUDE_MESSAGES, RecordFormat.PRETRAINING]
)
def test_text_formats_refuse_images(record_format: RecordFormat) -> None:
    with pytest.raises(UsageError, match="takes no images"):
        build_record(record_format, system=None, prompt="Q", response="A", images=[IMAGE], location=LOCATION)


def test_conversation_images_need_a_location() -> None:
    with pytest.raises(UsageError, match="bucket"):
        build_record(RecordFormat.CONVERSATION, system=None, prompt="Q", response="A", images=[IMAGE])


def test_formats_other_than_pretraining_need_a_response() -> None:
    with pytest.raises(UsageError, match="response"):
        build_record(RecordFormat.PROMPT_COMPLETION, system=None, prompt="Q", response=None)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bedrock-conversation-2024", RecordFormat.CONVERSATION),
        ("prompt-completion", RecordFormat.PROMPT_COMPLETION),
        ("claude", RecordFormat.CLAUDE_MESSAGES),
        ("input", RecordFormat.PRETRAINING),
    ],
)
def test_parse_format_names(name: str, expected: RecordFormat) -> None:
    assert parse_format(name) is expected


def test_parse_format_unknown_lists_the_formats() -> None:
    with pytest.raises(UsageError, match="bedrock-conversation-2024"):
        parse_format("chatml")
