"""The base-model table: finding a model by id or ARN, its format, and its hyperparameter ranges."""

from __future__ import annotations

import pytest

from bedrock_ft.core.errors import UsageError
from bedrock_ft.core.models import (
    CustomizationType,
    RecordFormat,
    estimate_text_tokens,
    find_model,
    model_id_from,
)


@pytest.mark.parametrize(
    ("identifier", "family"),
    [
        ("amazon.nova-lite-v1:0:300k", "nova-lite"),
        ("amazon.nova-micro-v1:0", "nova-micro"),
        ("amazon.nova-2-lite-v1:0", "nova-2-lite"),
        ("meta.llama3-2-11b-instruct-v1:0", "llama3.2-vision"),
        ("meta.llama3-2-90b-instruct-v1:0", "llama3.2-90b-vision"),
        ("meta.llama3-2-1b-instruct-v1:0", "llama3.2-text"),
        ("meta.llama3-1-8b-instruct-v1:0:128k", "llama3.1"),
        ("meta.llama3-3-70b-instruct-v1:0", "llama3.3"),
        ("anthropic.claude-3-haiku-20240307-v1:0:200k", "claude-3-haiku"),
        ("cohere.command-light-text-v14:7:4k", "cohere-command-light"),
        ("cohere.command-text-v14:7:4k", "cohere-command"),
        ("amazon.titan-text-express-v1:0:8k", "titan-text"),
    ],
)
def test_find_model_recognises_each_family_by_id(identifier: str, family: str) -> None:
    assert find_model(identifier).family == family


def test_find_model_accepts_a_foundation_model_arn() -> None:
    arn = "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-2-11b-instruct-v1:0:128k"
    assert find_model(arn).family == "llama3.2-vision"


def test_model_id_from_strips_only_the_arn_prefix() -> None:
    assert model_id_from("arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/a.b-v1:0") == "a.b-v1:0"


def test_unknown_model_error_lists_the_known_families() -> None:
    with pytest.raises(UsageError) as caught:
        find_model("acme.unknown-model-v1")
    assert "acme.unknown-model-v1" in str(caught.value)
    assert "nova-lite" in str(caught.value) and "claude-3-haiku" in str(caught.value)


@pytest.mark.parametrize(
    ("identifier", "record_format"),
    [
        ("amazon.nova-pro-v1:0", RecordFormat.CONVERSATION),
        ("meta.llama3-1-70b-instruct-v1:0", RecordFormat.PROMPT_COMPLETION),
        ("anthropic.claude-3-haiku-20240307-v1:0", RecordFormat.CLAUDE_MESSAGES),
    ],
)
def test_fine_tuning_format_follows_the_family(identifier: str, record_format: RecordFormat) -> None:
    assert find_model(identifier).record_format(CustomizationType.FINE_TUNING) is record_format


def test_continued_pre_training_always_uses_input_records() -> None:
    spec = find_model("amazon.titan-text-express-v1")
    assert spec.record_format("CONTINUED_PRE_TRAINING") is RecordFormat.PRETRAINING


def test_default_hyperparameters_are_strings_from_the_guide() -> None:
    assert find_model("amazon.nova-lite-v1:0").default_hyperparameters() == {
        "epochCount": "2",
        "learningRate": "0.00001",
        "learningRateWarmupSteps": "10",
    }


def test_hyperparameter_in_range_passes() -> None:
    assert find_model("meta.llama3-2-11b-instruct-v1:0").check_hyperparameters({"epochCount": "10"}) == []


def test_hyperparameter_above_range_names_the_range() -> None:
    problems = find_model("amazon.nova-lite-v1:0").check_hyperparameters({"epochCount": "6"})
    assert len(problems) == 1 and "above the maximum 5" in problems[0] and "1-5" in problems[0]


def test_hyperparameter_below_range_is_refused() -> None:
    problems = find_model("amazon.nova-lite-v1:0").check_hyperparameters({"learningRate": "1e-7"})
    assert "below the minimum" in problems[0]


def test_fractional_epoch_count_is_refused() -> None:
    problems = find_model("anthropic.claude-3-haiku-20240307-v1:0").check_hyperparameters({"epochCount": "2.5"})
    assert "whole number" in problems[0]


def test_non_numeric_hyperparameter_is_refused() -> None:
    problems = find_model("meta.llama3-1-8b-instruct-v1:0").check_hyperparameters({"learningRate": "fast"})
    assert "not a number" in problems[0]


def test_unknown_hyperparameter_names_the_known_ones() -> None:
    problems = find_model("amazon.nova-lite-v1:0").check_hyperparameters({"batchSize": "8"})
    assert "batchSize is not a hyperparameter" in problems[0] and "epochCount" in problems[0]


def test_llama_image_tokens_follow_the_tile_formula() -> None:
    images = find_model("meta.llama3-2-11b-instruct-v1:0").images
    assert images is not None
    assert images.tokens(width=400, height=300) == 1601
    assert images.tokens(width=1200, height=600) == 2 * 1 * 1601
    assert images.tokens(width=4000, height=4000) == 4 * 1601


def test_text_tokens_are_characters_over_six_rounded_up() -> None:
    assert estimate_text_tokens("") == 0
    assert estimate_text_tokens("abcdef") == 1
    assert estimate_text_tokens("abcdefg") == 2
