"""generate for today's catalogue: distillation prompt-only records, RFT records from a template, Nova 2 Lite's
reasoning, multi-turn conversations from a messages column, and s3:// images in the data bucket kept as references."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft import cli as cli_module
from bedrock_ft.core.errors import InputError, UsageError
from bedrock_ft.data.generate import GenerateSettings, generate_dataset

NOVA_2_LITE = "amazon.nova-2-lite-v1:0:256k"
NOVA_LITE = "amazon.nova-lite-v1:0:300k"
CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0:200k"
BUCKET = "bucket-1"
OWNER = "123456789012"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def qa(write_jsonl: Callable[..., Path]) -> Path:
    return write_jsonl(
        "src/qa.jsonl",
        [{"q": f"What is {i} + 1?", "a": str(i + 1), "why": f"{i} and one more." if i else ""} for i in range(10)],
    )


def settings(source: Path, tmp_path: Path, **values: Any) -> GenerateSettings:
    return GenerateSettings(source=str(source), out_dir=tmp_path / "out", **values)


# -- distillation ---------------------------------------------------------------------------------------------------


def test_for_distillation_writes_prompt_only_records(qa: Path, tmp_path: Path) -> None:
    result = generate_dataset(
        settings(qa, tmp_path, base_model=NOVA_LITE, customization_type="distillation", prompt_template="{q}")
    )
    first = lines(result.train_path)[0]
    assert first["messages"] == [{"role": "user", "content": [{"text": "What is 0 + 1?"}]}]
    assert result.ok and result.manifest["customization_type"] == "DISTILLATION"


def test_distillation_ignores_a_response_template(qa: Path, tmp_path: Path) -> None:
    result = generate_dataset(
        settings(
            qa,
            tmp_path,
            base_model=NOVA_LITE,
            customization_type="DISTILLATION",
            prompt_template="{q}",
            response_template="{a}",
        )
    )
    assert all(len(record["messages"]) == 1 for record in lines(result.train_path))


def test_distillation_for_a_model_that_is_no_student_is_refused(qa: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not support DISTILLATION"):
        generate_dataset(
            settings(qa, tmp_path, base_model=CLAUDE, customization_type="distillation", prompt_template="{q}")
        )


def test_distillation_with_an_image_column_is_refused(qa: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="text only"):
        generate_dataset(
            settings(
                qa,
                tmp_path,
                base_model=NOVA_LITE,
                customization_type="distillation",
                prompt_template="{q}",
                image_column="img",
            )
        )


# -- reinforcement fine-tuning ------------------------------------------------------------------------------------


def test_for_rft_writes_messages_and_the_reference_answer(qa: Path, tmp_path: Path) -> None:
    result = generate_dataset(
        settings(
            qa,
            tmp_path,
            base_model=NOVA_2_LITE,
            customization_type="rft",
            system="Answer with a number.",
            prompt_template="{q}",
            response_template="{a}",
        )
    )
    assert lines(result.train_path)[2] == {
        "messages": [
            {"role": "system", "content": "Answer with a number."},
            {"role": "user", "content": "What is 2 + 1?"},
        ],
        "reference_answer": "3",
    }
    assert result.ok and result.manifest["record_format"] == "rft-messages"


def test_rft_without_a_response_template_is_refused_naming_the_reference_answer(qa: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="reference answer"):
        generate_dataset(
            settings(qa, tmp_path, base_model=NOVA_2_LITE, customization_type="rft", prompt_template="{q}")
        )


def test_rft_for_a_model_without_it_is_refused(qa: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not support REINFORCEMENT_FINE_TUNING"):
        generate_dataset(
            settings(
                qa,
                tmp_path,
                base_model=NOVA_LITE,
                customization_type="rft",
                prompt_template="{q}",
                response_template="{a}",
            )
        )


# -- Nova 2 Lite reasoning ----------------------------------------------------------------------------------------


def test_a_reasoning_template_puts_reasoning_content_before_the_answer(qa: Path, tmp_path: Path) -> None:
    result = generate_dataset(
        settings(
            qa,
            tmp_path,
            base_model=NOVA_2_LITE,
            prompt_template="{q}",
            response_template="{a}",
            reasoning_template="{why}",
        )
    )
    answer = lines(result.train_path)[3]["messages"][1]["content"]
    assert answer == [{"reasoningContent": {"reasoningText": {"text": "3 and one more."}}}, {"text": "4"}]


def test_a_record_whose_reasoning_field_is_empty_gets_no_reasoning_block(qa: Path, tmp_path: Path) -> None:
    result = generate_dataset(
        settings(
            qa,
            tmp_path,
            base_model=NOVA_2_LITE,
            prompt_template="{q}",
            response_template="{a}",
            reasoning_template="{why}",
        )
    )
    assert lines(result.train_path)[0]["messages"][1]["content"] == [{"text": "1"}]


def test_a_reasoning_template_for_a_model_without_reasoning_is_refused(qa: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="takes no reasoning content"):
        generate_dataset(
            settings(
                qa,
                tmp_path,
                base_model=NOVA_LITE,
                prompt_template="{q}",
                response_template="{a}",
                reasoning_template="{why}",
            )
        )


def test_a_reasoning_template_naming_a_missing_column_is_refused_up_front(
    write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    source = write_jsonl("src/qa.csv.jsonl", [{"q": "x?", "a": "y"}])
    with pytest.raises(InputError, match="thinking"):
        generate_dataset(
            settings(
                source,
                tmp_path,
                base_model=NOVA_2_LITE,
                prompt_template="{q}",
                response_template="{a}",
                reasoning_template="{thinking}",
            )
        )


# -- a messages column --------------------------------------------------------------------------------------------


def chats(write_jsonl: Callable[..., Path], conversations: list[Any]) -> Path:
    return write_jsonl("src/chats.jsonl", [{"conversation": c} for c in conversations])


TWO_EXCHANGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello."},
    {"role": "user", "content": "2 + 2?"},
    {"role": "assistant", "content": "4"},
]


def test_a_messages_column_becomes_a_multi_turn_conversation(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    source = chats(write_jsonl, [TWO_EXCHANGES] * 8)
    result = generate_dataset(settings(source, tmp_path, base_model=NOVA_LITE, messages_column="conversation"))
    record = lines(result.train_path)[0]
    assert record["system"] == [{"text": "Be brief."}]
    assert [(m["role"], m["content"]) for m in record["messages"]] == [
        ("user", [{"text": "Hi"}]),
        ("assistant", [{"text": "Hello."}]),
        ("user", [{"text": "2 + 2?"}]),
        ("assistant", [{"text": "4"}]),
    ]
    assert result.ok


def test_sharegpt_roles_and_keys_are_mapped(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    sharegpt = [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello."}]
    source = chats(write_jsonl, [sharegpt] * 8)
    result = generate_dataset(settings(source, tmp_path, base_model=NOVA_LITE, messages_column="conversation"))
    assert [m["role"] for m in lines(result.train_path)[0]["messages"]] == ["user", "assistant"]


def test_a_messages_column_given_as_a_json_string_is_read(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    source = chats(write_jsonl, [json.dumps(TWO_EXCHANGES)] * 8)
    result = generate_dataset(settings(source, tmp_path, base_model=NOVA_LITE, messages_column="conversation"))
    assert len(lines(result.train_path)[0]["messages"]) == 4


def test_the_claude_format_keeps_the_turns_as_strings(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    source = chats(write_jsonl, [TWO_EXCHANGES] * 40)
    result = generate_dataset(settings(source, tmp_path, base_model=CLAUDE, messages_column="conversation"))
    record = lines(result.train_path)[0]
    assert record["system"] == "Be brief." and record["messages"][3] == {"role": "assistant", "content": "4"}


def test_distillation_from_a_messages_column_keeps_the_turns_up_to_the_last_prompt(
    write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    source = chats(write_jsonl, [TWO_EXCHANGES])
    result = generate_dataset(
        settings(
            source, tmp_path, base_model=NOVA_LITE, messages_column="conversation", customization_type="distillation"
        )
    )
    assert [m["role"] for m in lines(result.train_path)[0]["messages"]] == ["user", "assistant", "user"]
    assert result.ok


def test_rft_from_a_messages_column_takes_the_last_answer_as_the_reference(
    write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    source = chats(write_jsonl, [TWO_EXCHANGES])
    result = generate_dataset(
        settings(source, tmp_path, base_model=NOVA_2_LITE, messages_column="conversation", customization_type="rft")
    )
    record = lines(result.train_path)[0]
    assert record["reference_answer"] == "4" and record["messages"][-1] == {"role": "user", "content": "2 + 2?"}


@pytest.mark.parametrize(
    ("conversation", "why"),
    [
        ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "two user turns in a row"),
        ([{"role": "assistant", "content": "a"}], "start with a user turn"),
        ([{"role": "user", "content": "a"}, {"role": "system", "content": "b"}], "system message may come only first"),
        ([{"role": "tool", "content": "a"}], "is not one of"),
        ([{"role": "user", "content": [{"type": "image_url", "image_url": "x"}]}], "put images in the image column"),
        ([{"role": "user", "content": "  "}, {"role": "assistant", "content": "b"}], "empty user turn"),
        ([{"role": "user", "content": "a"}], "ends with an assistant turn"),
        ([], "non-empty list"),
        ("not json", "not a JSON list"),
        (["a"], "must be an object"),
    ],
)
def test_a_conversation_breaking_the_formats_rules_is_refused_naming_the_record(
    write_jsonl: Callable[..., Path], tmp_path: Path, conversation: Any, why: str
) -> None:
    source = chats(write_jsonl, [conversation])
    with pytest.raises(InputError, match=why) as caught:
        generate_dataset(settings(source, tmp_path, base_model=NOVA_LITE, messages_column="conversation"))
    assert "chats.jsonl line 1" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_skip_invalid_drops_a_broken_conversation_and_keeps_the_rest(
    write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    broken = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    source = chats(write_jsonl, [TWO_EXCHANGES] * 8 + [broken])
    result = generate_dataset(
        settings(source, tmp_path, base_model=NOVA_LITE, messages_column="conversation", skip_invalid=True)
    )
    assert result.counts["train"] == 8 and [s.record for s in result.skipped] == ["chats.jsonl line 9"]


# -- s3:// images in the data bucket ------------------------------------------------------------------------------


def images(write_jsonl: Callable[..., Path], values: list[Any]) -> Path:
    return write_jsonl("src/pics.jsonl", [{"q": "What is shown?", "a": "A cat.", "img": v} for v in values])


def image_settings(source: Path, tmp_path: Path, **values: Any) -> GenerateSettings:
    values.setdefault("base_model", NOVA_LITE)
    return settings(
        source,
        tmp_path,
        prompt_template="{q}",
        response_template="{a}",
        image_column="img",
        bucket=BUCKET,
        bucket_owner=OWNER,
        **values,
    )


def test_an_s3_image_in_the_data_bucket_is_kept_as_a_reference(
    write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    source = images(write_jsonl, [f"s3://{BUCKET}/photos/cat-{i}.jpg" for i in range(8)])
    result = generate_dataset(image_settings(source, tmp_path))
    block = lines(result.train_path)[1]["messages"][0]["content"][1]
    assert block == {
        "image": {
            "format": "jpeg",
            "source": {"s3Location": {"uri": f"s3://{BUCKET}/photos/cat-1.jpg", "bucketOwner": OWNER}},
        }
    }
    assert not (result.out_dir / "images").exists()
    assert not [p for p in result.validation.problems if p.severity == "error"]


def test_an_s3_image_in_another_bucket_is_refused(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    source = images(write_jsonl, ["s3://elsewhere/photos/cat.png"])
    with pytest.raises(InputError, match="Bedrock reads media only from the dataset's bucket"):
        generate_dataset(image_settings(source, tmp_path))


@pytest.mark.parametrize(
    ("uri", "why"),
    [
        (f"s3://{BUCKET}/photos/cat", "not known from its name"),
        (f"s3://{BUCKET}/photos/cat.bmp", "not known from its name"),
        (f"s3://{BUCKET}/", "not an s3://bucket/key URI"),
        (f"s3://{BUCKET}/photos/c a t.png", "characters Bedrock rejects"),
    ],
)
def test_an_s3_image_bedrock_cannot_read_is_refused(
    write_jsonl: Callable[..., Path], tmp_path: Path, uri: str, why: str
) -> None:
    source = images(write_jsonl, [uri])
    with pytest.raises(InputError, match=why):
        generate_dataset(image_settings(source, tmp_path))


def test_an_s3_webp_image_is_refused_for_nova_2_lite(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    source = images(write_jsonl, [f"s3://{BUCKET}/photos/cat.webp"])
    with pytest.raises(InputError, match="takes gif, jpeg, png"):
        generate_dataset(image_settings(source, tmp_path, base_model=NOVA_2_LITE))


# -- the command line ---------------------------------------------------------------------------------------------


def test_generate_for_rft_on_the_command_line(qa: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = cli_module.main(
        [
            "generate",
            "--source",
            str(qa),
            "--base-model",
            NOVA_2_LITE,
            "--for",
            "rft",
            "--prompt-template",
            "{q}",
            "--response-template",
            "{a}",
            "--out",
            str(out),
        ]
    )
    assert code == 0 and "reference_answer" in lines(out / "train.jsonl")[0]


def test_for_and_a_different_customization_type_are_refused(qa: Path, tmp_path: Path) -> None:
    code = cli_module.main(
        [
            "generate",
            "--source",
            str(qa),
            "--base-model",
            NOVA_LITE,
            "--for",
            "distillation",
            "--customization-type",
            "FINE_TUNING",
            "--prompt-template",
            "{q}",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2


# -- the sample presets -------------------------------------------------------------------------------------------


def test_the_distillation_preset_writes_valid_prompt_only_records(repo_root: Path, tmp_path: Path) -> None:
    from bedrock_ft.data.presets import load_preset

    preset = load_preset(repo_root / "dataset" / "qa" / "preset-distillation.toml")
    result = generate_dataset(GenerateSettings(out_dir=tmp_path / "out").with_preset(preset))
    assert result.ok and result.counts["train"] == 48
    assert all(len(record["messages"]) == 1 for record in lines(result.train_path))


def test_the_nova_2_lite_preset_writes_no_validation_set_and_asks_for_200_records(
    accessibility_dir: Path, tmp_path: Path
) -> None:
    from bedrock_ft.data.presets import load_preset

    preset = load_preset(accessibility_dir / "preset-nova-2-lite.toml")
    base = GenerateSettings(out_dir=tmp_path / "out", bucket=BUCKET, bucket_owner=OWNER)
    result = generate_dataset(base.with_preset(preset))
    assert result.validation_path is None
    assert [(p.rule, "at least 200" in p.message) for p in result.validation.problems] == [("record-count", True)]
