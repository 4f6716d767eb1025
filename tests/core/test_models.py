"""The base-model table: finding a model by id or ARN, its format, and its hyperparameter ranges."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bedrock_ft.core.errors import UsageError
from bedrock_ft.core.models import (
    DISTILLATION_PAIRS,
    FT,
    MODELS,
    RFT,
    RFT_HP,
    CustomizationType,
    DistillationPair,
    Lifecycle,
    RecordFormat,
    customizable_in,
    estimate_text_tokens,
    find_model,
    model_id_from,
    models_matching,
    teachers_for,
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


# -- the table against botocore's service model and the guide ------------------------------------------------------


def _bedrock_shapes() -> dict[str, Any]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock")
    return {name: model.shape_for(name) for name in model.shape_names}


SHAPES = _bedrock_shapes()


def _full_match(shape: str, value: str) -> bool:
    pattern = SHAPES[shape].metadata["pattern"]
    return re.fullmatch(pattern, value) is not None


ALL_MODEL_IDS = [model_id for spec in MODELS for model_id in spec.model_ids]


@pytest.mark.parametrize("model_id", ALL_MODEL_IDS)
def test_every_customization_identifier_matches_botocores_base_model_pattern(model_id: str) -> None:
    assert _full_match("BaseModelIdentifier", model_id)


@pytest.mark.parametrize("model_id", ALL_MODEL_IDS)
def test_every_customization_identifier_as_an_arn_matches_botocores_pattern(model_id: str) -> None:
    assert _full_match("BaseModelIdentifier", f"arn:aws:bedrock:us-east-1::foundation-model/{model_id}")


@pytest.mark.parametrize("model_id", ALL_MODEL_IDS)
def test_every_customization_identifier_without_its_context_suffix_is_a_get_foundation_model_id(
    model_id: str,
) -> None:
    assert _full_match("GetFoundationModelIdentifier", model_id)


@pytest.mark.parametrize("pair", DISTILLATION_PAIRS, ids=lambda p: p.teacher)
def test_every_teacher_matches_botocores_teacher_pattern(pair: DistillationPair) -> None:
    assert _full_match("TeacherModelIdentifier", pair.teacher)


@pytest.mark.parametrize("model_id", ALL_MODEL_IDS)
def test_every_identifier_finds_the_model_that_lists_it(model_id: str) -> None:
    owners = [spec.family for spec in MODELS if model_id in spec.model_ids]
    assert [find_model(model_id).family] == owners


def test_every_customization_type_in_the_table_is_one_botocore_knows() -> None:
    api_types = set(SHAPES["CustomizationType"].enum)
    assert {t.value for t in CustomizationType} <= api_types


def test_the_lifecycle_markers_are_botocores_names() -> None:
    assert {state.value for state in Lifecycle} == set(SHAPES["FoundationModelLifecycleStatus"].enum)


def test_every_model_names_at_least_one_identifier_and_one_customization() -> None:
    assert all(spec.model_ids and spec.customizations for spec in MODELS)


def test_families_are_unique() -> None:
    families = [spec.family for spec in MODELS]
    assert len(families) == len(set(families))


RFT_SHAPES = {
    "epochCount": "EpochCount",
    "batchSize": "RFTBatchSize",
    "learningRate": "RFTLearningRate",
    "trainingSamplePerPrompt": "RFTTrainingSamplePerPrompt",
    "evalInterval": "RFTEvalInterval",
}


def test_rft_hyperparameters_are_exactly_botocores_members() -> None:
    assert [hp.name for hp in RFT_HP] == list(SHAPES["RFTHyperParameters"].members)


@pytest.mark.parametrize(("name", "shape"), sorted(RFT_SHAPES.items()))
def test_rft_ranges_are_botocores(name: str, shape: str) -> None:
    hp = find_model("amazon.nova-2-lite-v1:0:256k").hyperparameter(name, "REINFORCEMENT_FINE_TUNING")
    assert hp is not None
    metadata = SHAPES[shape].metadata
    assert (hp.minimum, hp.maximum) == (metadata["min"], metadata["max"])
    assert hp.integer is (SHAPES[shape].type_name == "integer")


def test_rft_reasoning_effort_choices_are_botocores() -> None:
    hp = find_model("amazon.nova-2-lite-v1:0:256k").hyperparameter("reasoningEffort", "REINFORCEMENT_FINE_TUNING")
    assert hp is not None and list(hp.choices) == SHAPES["ReasoningEffort"].enum


def test_rft_values_go_to_the_api_as_numbers() -> None:
    spec = find_model("amazon.nova-2-lite-v1:0:256k")
    batch = spec.hyperparameter("batchSize", RFT)
    rate = spec.hyperparameter("learningRate", RFT)
    assert batch is not None and rate is not None
    assert batch.api_value("64") == 64 and isinstance(batch.api_value("64"), int)
    assert rate.api_value("0.0001") == 0.0001


def test_fine_tuning_values_stay_strings_for_the_api() -> None:
    hp = find_model("amazon.nova-lite-v1:0").hyperparameter("epochCount")
    assert hp is not None and hp.api_value("2") == "2"


def test_rft_batch_size_below_botocores_minimum_is_refused() -> None:
    problems = find_model("amazon.nova-2-lite-v1:0:256k").check_hyperparameters({"batchSize": "8"}, RFT)
    assert "below the minimum 16" in problems[0]


def test_an_unknown_reasoning_effort_is_refused_with_the_choices() -> None:
    problems = find_model("amazon.nova-2-lite-v1:0:256k").check_hyperparameters({"reasoningEffort": "max"}, RFT)
    assert "low, medium, high" in problems[0]


def test_a_fine_tuning_hyperparameter_is_not_one_of_rft() -> None:
    problems = find_model("amazon.nova-2-lite-v1:0:256k").check_hyperparameters({"learningRateWarmupSteps": "1"}, RFT)
    assert "not a hyperparameter" in problems[0]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_numbers_are_refused(value: str) -> None:
    problems = find_model("amazon.nova-lite-v1:0").check_hyperparameters({"learningRate": value})
    assert "finite" in problems[0]


# -- what the newest guide says, model by model ------------------------------------------------------------------


def test_nova_2_lite_is_fine_tuned_and_reinforcement_fine_tuned_in_us_east_1_only() -> None:
    spec = find_model("amazon.nova-2-lite-v1:0:256k")
    assert spec.model_ids == ("amazon.nova-2-lite-v1:0:256k",)
    assert spec.regions_for(FT) == ("us-east-1",) and spec.regions_for(RFT) == ("us-east-1",)
    assert spec.customization_types == (FT, RFT)


def test_nova_2_lite_accepts_no_validation_set() -> None:
    assert find_model("amazon.nova-2-lite-v1:0:256k").accepts_validation is False


def test_nova_2_lite_media_formats() -> None:
    spec = find_model("amazon.nova-2-lite-v1:0:256k")
    assert spec.images is not None and spec.images.formats == {"png", "jpeg", "gif"}
    assert spec.video_formats == {"mov", "mkv", "mp4"}


def test_rft_takes_at_most_20000_prompts_and_distillation_15000() -> None:
    assert find_model("amazon.nova-2-lite-v1:0:256k").record_limits(RFT)[1] == 20_000
    assert find_model("amazon.nova-lite-v1:0:300k").record_limits(CustomizationType.DISTILLATION)[1] == 15_000


def test_nova_micro_takes_no_images_or_video() -> None:
    spec = find_model("amazon.nova-micro-v1:0:128k")
    assert spec.images is None and not spec.video_formats


@pytest.mark.parametrize(
    "identifier", ["meta.llama3-1-8b-instruct-v1:0:128k", "anthropic.claude-3-haiku-20240307-v1:0"]
)
def test_llama_and_claude_are_fine_tuned_in_us_west_2(identifier: str) -> None:
    assert find_model(identifier).regions_for(FT) == ("us-west-2",)


@pytest.mark.parametrize(
    "identifier", ["amazon.titan-text-express-v1", "cohere.command-text-v14", "cohere.command-light-text-v14"]
)
def test_titan_text_and_cohere_are_legacy_with_a_warning(identifier: str) -> None:
    spec = find_model(identifier)
    assert spec.lifecycle is Lifecycle.LEGACY and spec.legacy_warning is not None
    assert "legacy" in spec.legacy_warning


def test_current_models_carry_no_legacy_warning() -> None:
    assert find_model("amazon.nova-pro-v1:0:300k").legacy_warning is None


def test_every_distillation_student_is_a_model_offering_distillation_in_that_region() -> None:
    for pair in DISTILLATION_PAIRS:
        for student in pair.students:
            spec = find_model(student)
            assert student in spec.model_ids, student
            assert pair.region in spec.regions_for(CustomizationType.DISTILLATION), (student, pair.region)


def test_every_model_offering_distillation_has_a_teacher_in_each_of_its_regions() -> None:
    for spec in MODELS:
        for region in spec.regions_for(CustomizationType.DISTILLATION):
            assert any(teachers_for(model_id, region) for model_id in spec.model_ids), (spec.family, region)


def test_teachers_for_a_student_without_its_context_suffix() -> None:
    teachers = [pair.teacher for pair in teachers_for("amazon.nova-micro-v1:0", "us-east-1")]
    assert teachers == ["amazon.nova-pro-v1:0", "us.amazon.nova-premier-v1:0"]


def test_no_teacher_for_nova_pro_in_us_west_2() -> None:
    assert teachers_for("amazon.nova-pro-v1:0:300k", "us-west-2") == []


def test_customizable_in_answers_per_customization_type() -> None:
    spec = find_model("amazon.nova-2-lite-v1:0:256k")
    assert customizable_in(spec, "us-east-1", RFT) is True
    assert customizable_in(spec, "us-west-2", RFT) is False
    assert customizable_in(spec, "us-east-1", CustomizationType.DISTILLATION) is None


def test_customizable_in_says_none_where_the_table_gives_no_region() -> None:
    assert customizable_in(find_model("cohere.command-text-v14"), "us-east-1") is None


def test_models_matching_filters_by_region_and_type() -> None:
    rft = [spec.family for spec in models_matching(customization_type="REINFORCEMENT_FINE_TUNING")]
    assert rft == ["nova-2-lite"]
    west = {spec.family for spec in models_matching(region="us-west-2")}
    assert "claude-3-haiku" in west and "nova-lite" not in west
    assert models_matching(region="eu-west-1") == []


def test_the_json_row_uses_snake_case_keys_at_every_depth() -> None:
    def keys(value: Any) -> list[str]:
        if isinstance(value, dict):
            return list(value) + [k for v in value.values() for k in keys(v)]
        if isinstance(value, list):
            return [k for v in value for k in keys(v)]
        return []

    for spec in MODELS:
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in keys(spec.to_dict())), spec.family
