"""validate for today's catalogue: RFT records, distillation prompt-only records, Nova 2 Lite's reasoning content,
Nova 2 Lite's video formats and the record counts of each customization type."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.core.models import CustomizationType, RecordFormat, find_model
from bedrock_ft.data.record_checks import CheckContext, check_record
from bedrock_ft.data.validate import validate_files

NOVA_2_LITE = "amazon.nova-2-lite-v1:0:256k"
NOVA_LITE = "amazon.nova-lite-v1:0:300k"
BUCKET = "bucket-1"


def rules(record: Any, model: str | None, fmt: RecordFormat, kind: CustomizationType | None = None) -> list[str]:
    ctx = CheckContext(
        record_format=fmt, spec=find_model(model) if model else None, dataset_bucket=BUCKET, customization_type=kind
    )
    return [f"{rule}:{severity}" for rule, severity, _, _ in check_record(record, ctx)]


def conversation(*turns: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [{"role": role, "content": content} for role, content in turns],
    }


def reasoning(text: Any = "Think it through.") -> dict[str, Any]:
    return {"reasoningContent": {"reasoningText": {"text": text}}}


def rft(messages: list[Any], answer: Any = "42", **extra: Any) -> dict[str, Any]:
    return {"messages": messages, "reference_answer": answer, **extra}


USER_TEXT = [{"text": "What is six times seven?"}]
ANSWER = [{"text": "42"}]
RFT = CustomizationType.REINFORCEMENT_FINE_TUNING
DISTILLATION = CustomizationType.DISTILLATION

# -- reasoning content ---------------------------------------------------------------------------------------------


def test_nova_2_lite_accepts_reasoning_before_the_answer() -> None:
    record = conversation(("user", USER_TEXT), ("assistant", [reasoning(), *ANSWER]))
    assert rules(record, NOVA_2_LITE, RecordFormat.CONVERSATION) == []


def test_reasoning_for_a_model_that_takes_none_is_an_error() -> None:
    record = conversation(("user", USER_TEXT), ("assistant", [reasoning(), *ANSWER]))
    assert rules(record, NOVA_LITE, RecordFormat.CONVERSATION) == ["reasoning-content:error"]


def test_reasoning_in_a_user_turn_is_an_error() -> None:
    record = conversation(("user", [reasoning(), *USER_TEXT]), ("assistant", ANSWER))
    assert rules(record, NOVA_2_LITE, RecordFormat.CONVERSATION) == ["reasoning-content:error"]


def test_reasoning_after_the_answer_is_an_error() -> None:
    record = conversation(("user", USER_TEXT), ("assistant", [*ANSWER, reasoning()]))
    assert rules(record, NOVA_2_LITE, RecordFormat.CONVERSATION) == ["reasoning-content:error"]


def test_two_reasoning_blocks_in_one_turn_are_an_error() -> None:
    record = conversation(("user", USER_TEXT), ("assistant", [reasoning(), reasoning(), *ANSWER]))
    assert rules(record, NOVA_2_LITE, RecordFormat.CONVERSATION) == ["reasoning-content:error"]


@pytest.mark.parametrize("text", ["", "   ", None, 7])
def test_reasoning_without_a_text_is_an_error(text: Any) -> None:
    record = conversation(("user", USER_TEXT), ("assistant", [reasoning(text), *ANSWER]))
    assert rules(record, NOVA_2_LITE, RecordFormat.CONVERSATION) == ["reasoning-content:error"]


@pytest.mark.parametrize("block", [{"reasoningContent": "text"}, {"reasoningContent": {"text": "x"}}])
def test_reasoning_of_the_wrong_shape_is_an_error(block: dict[str, Any]) -> None:
    record = conversation(("user", USER_TEXT), ("assistant", [block, *ANSWER]))
    assert rules(record, NOVA_2_LITE, RecordFormat.CONVERSATION) == ["reasoning-content:error"]


def test_reserved_words_in_the_reasoning_are_found() -> None:
    record = conversation(("user", USER_TEXT), ("assistant", [reasoning("User: asked"), *ANSWER]))
    assert rules(record, NOVA_2_LITE, RecordFormat.CONVERSATION) == ["reserved-words:error"]


# -- video: the model's own formats -----------------------------------------------------------------------------


def video(fmt: str) -> dict[str, Any]:
    location = {"uri": f"s3://{BUCKET}/v/clip.{fmt}", "bucketOwner": "123456789012"}
    return {"video": {"format": fmt, "source": {"s3Location": location}}}


def test_nova_2_lite_takes_an_mp4_video() -> None:
    record = conversation(("user", [*USER_TEXT, video("mp4")]), ("assistant", ANSWER))
    assert rules(record, NOVA_2_LITE, RecordFormat.CONVERSATION) == []


def test_nova_2_lite_refuses_webm_which_nova_lite_takes() -> None:
    record = conversation(("user", [*USER_TEXT, video("webm")]), ("assistant", ANSWER))
    assert rules(record, NOVA_2_LITE, RecordFormat.CONVERSATION) == ["video:error"]
    assert rules(record, NOVA_LITE, RecordFormat.CONVERSATION) == []


# -- distillation: prompt-only records ----------------------------------------------------------------------------


def test_a_prompt_only_record_is_a_valid_distillation_record() -> None:
    record = conversation(("user", USER_TEXT))
    assert rules(record, NOVA_LITE, RecordFormat.CONVERSATION, DISTILLATION) == []


def test_a_prompt_only_record_is_still_an_error_for_fine_tuning() -> None:
    record = conversation(("user", USER_TEXT))
    assert rules(record, NOVA_LITE, RecordFormat.CONVERSATION) == ["last-assistant:error"]


def test_a_distillation_record_with_an_image_is_an_error() -> None:
    image = {
        "image": {
            "format": "png",
            "source": {"s3Location": {"uri": f"s3://{BUCKET}/i/a.png", "bucketOwner": "123456789012"}},
        }
    }
    record = conversation(("user", [*USER_TEXT, image]))
    assert rules(record, NOVA_LITE, RecordFormat.CONVERSATION, DISTILLATION) == ["prompt-only-media:error"]


def test_a_distillation_record_still_starts_with_the_user() -> None:
    record = conversation(("assistant", ANSWER))
    assert "first-user:error" in rules(record, NOVA_LITE, RecordFormat.CONVERSATION, DISTILLATION)


# -- reinforcement fine-tuning records ----------------------------------------------------------------------------


def test_an_rft_record_with_system_and_user_messages_is_valid() -> None:
    record = rft([{"role": "system", "content": "Be exact."}, {"role": "user", "content": "6 x 7?"}], id="q-1")
    assert rules(record, NOVA_2_LITE, RecordFormat.RFT, RFT) == []


def test_an_rft_reference_answer_may_be_an_object() -> None:
    record = rft([{"role": "user", "content": "6 x 7?"}], {"value": 42, "unit": None})
    assert rules(record, NOVA_2_LITE, RecordFormat.RFT, RFT) == []


def test_extra_keys_for_the_grader_are_allowed_in_an_rft_record() -> None:
    record = rft([{"role": "user", "content": "6 x 7?"}], tolerance=0.5)
    assert rules(record, NOVA_2_LITE, RecordFormat.RFT, RFT) == []


def test_an_rft_record_with_text_parts_is_valid() -> None:
    record = rft([{"role": "user", "content": [{"type": "text", "text": "6 x 7?"}]}])
    assert rules(record, NOVA_2_LITE, RecordFormat.RFT, RFT) == []


def test_an_rft_record_without_a_reference_answer_is_an_error() -> None:
    assert rules({"messages": [{"role": "user", "content": "6 x 7?"}]}, NOVA_2_LITE, RecordFormat.RFT, RFT) == [
        "required-keys:error"
    ]


@pytest.mark.parametrize("answer", [None, "", "  ", [], {}])
def test_an_empty_reference_answer_is_an_error(answer: Any) -> None:
    record = rft([{"role": "user", "content": "6 x 7?"}], answer)
    assert rules(record, NOVA_2_LITE, RecordFormat.RFT, RFT) == ["reference-answer:error"]


def test_an_rft_record_without_a_user_message_is_an_error() -> None:
    record = rft([{"role": "system", "content": "Be exact."}])
    assert rules(record, NOVA_2_LITE, RecordFormat.RFT, RFT) == ["prompt-turn:error"]


def test_an_rft_record_ending_with_the_assistant_is_a_warning() -> None:
    record = rft([{"role": "user", "content": "6 x 7?"}, {"role": "assistant", "content": "42"}])
    assert rules(record, NOVA_2_LITE, RecordFormat.RFT, RFT) == ["prompt-turn:warning"]


def test_a_system_message_after_the_first_is_an_error() -> None:
    record = rft([{"role": "user", "content": "6 x 7?"}, {"role": "system", "content": "Be exact."}])
    assert "system-position:error" in rules(record, NOVA_2_LITE, RecordFormat.RFT, RFT)


@pytest.mark.parametrize("role", ["tool", "bot", None, 3])
def test_an_unknown_rft_role_is_an_error(role: Any) -> None:
    record = rft([{"role": "user", "content": "6 x 7?"}, {"role": role, "content": "x"}])
    assert "roles:error" in rules(record, NOVA_2_LITE, RecordFormat.RFT, RFT)


@pytest.mark.parametrize("content", [None, 7, [], [{"type": "image_url", "image_url": "x"}], [{"text": 1}]])
def test_rft_content_that_is_not_text_is_an_error(content: Any) -> None:
    record = rft([{"role": "user", "content": content}])
    assert "message-shape:error" in rules(record, NOVA_2_LITE, RecordFormat.RFT, RFT)


@pytest.mark.parametrize("messages", [[], "6 x 7?", ["6 x 7?"]])
def test_rft_messages_of_the_wrong_shape_are_errors(messages: Any) -> None:
    found = rules(rft(messages), NOVA_2_LITE, RecordFormat.RFT, RFT)
    assert found and all(rule.endswith(":error") for rule in found)


# -- whole files: the formats resolved, and the counts of each type ----------------------------------------------


def rft_lines(n: int) -> list[dict[str, Any]]:
    return [rft([{"role": "user", "content": f"{i} + 1?"}], str(i + 1)) for i in range(n)]


def test_validate_resolves_the_rft_format_from_the_customization_type(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl("train.jsonl", rft_lines(3))
    report = validate_files([path], base_model=NOVA_2_LITE, customization_type="REINFORCEMENT_FINE_TUNING")
    assert report.record_format == "rft-messages"
    assert report.ok


def test_rft_records_against_the_fine_tuning_format_are_refused(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl("train.jsonl", rft_lines(3))
    report = validate_files([path], base_model=NOVA_2_LITE)
    assert not report.ok


def test_more_rft_prompts_than_the_limit_are_an_error(
    write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl("train.jsonl", rft_lines(4))
    spec = find_model(NOVA_2_LITE)
    monkeypatch.setattr(type(spec), "record_limits", lambda self, kind: (None, 3))
    report = validate_files([path], base_model=NOVA_2_LITE, customization_type="REINFORCEMENT_FINE_TUNING")
    assert [p.rule for p in report.problems] == ["record-count"]
    assert "at most 3" in report.problems[0].message


def test_an_rft_validation_file_is_refused(write_jsonl: Callable[..., Path]) -> None:
    train = write_jsonl("train.jsonl", rft_lines(3))
    validation = write_jsonl("validation.jsonl", rft_lines(1))
    report = validate_files([train, validation], base_model=NOVA_2_LITE, customization_type="REINFORCEMENT_FINE_TUNING")
    assert [p.rule for p in report.problems] == ["validation-not-accepted"]


def test_distillation_prompts_are_not_held_to_fine_tunings_minimum(write_jsonl: Callable[..., Path]) -> None:
    """Nova Lite fine-tuning needs 8 records; distillation states no minimum."""
    path = write_jsonl("train.jsonl", [conversation(("user", [{"text": f"Prompt {i}"}])) for i in range(3)])
    assert validate_files([path], base_model=NOVA_LITE, customization_type="DISTILLATION").ok
    assert not validate_files([path], base_model=NOVA_LITE).ok


def test_more_distillation_prompts_than_15000_are_an_error(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl(
        "train.jsonl",
        [],
        raw_lines=[
            '{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "p"}]}]}'
        ]
        * 15_001,
    )
    report = validate_files([path], base_model=NOVA_LITE, customization_type="DISTILLATION")
    assert [p.rule for p in report.problems] == ["record-count"]
    assert "15,000" in report.problems[0].message


def test_an_unknown_customization_type_is_refused_with_the_types_listed(write_jsonl: Callable[..., Path]) -> None:
    from bedrock_ft.core.errors import UsageError

    path = write_jsonl("train.jsonl", rft_lines(1))
    with pytest.raises(UsageError, match="unknown customization type") as caught:
        validate_files([path], base_model=NOVA_2_LITE, customization_type="RLHF")
    assert "REINFORCEMENT_FINE_TUNING" in str(caught.value.hint)
