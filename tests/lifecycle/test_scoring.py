"""Every local score on cases computed by hand."""

from __future__ import annotations

import pytest

from bedrock_ft.core.errors import UsageError
from bedrock_ft.lifecycle import scoring
from bedrock_ft.lifecycle.scoring import NO_LABEL, NOT_FOUND


def test_accuracy_is_the_share_of_matching_labels() -> None:
    result = scoring.classification_scores(["a", "a", "b", "c"], ["a", "b", "b", "a"])
    assert result.accuracy == 0.5


def test_per_class_precision_recall_and_f1_follow_the_confusion_counts() -> None:
    result = scoring.classification_scores(["a", "a", "b", "c"], ["a", "b", "b", "a"])
    by_label = {c.label: c for c in result.per_class}
    assert (by_label["a"].precision, by_label["a"].recall, by_label["a"].f1) == (0.5, 0.5, 0.5)
    assert (by_label["b"].precision, by_label["b"].recall) == (0.5, 1.0)
    assert by_label["b"].f1 == pytest.approx(2 / 3)
    assert (by_label["c"].precision, by_label["c"].recall, by_label["c"].f1) == (0.0, 0.0, 0.0)
    assert [c.support for c in result.per_class] == [2, 1, 1]


def test_macro_f1_is_the_unweighted_mean_of_the_class_f1s() -> None:
    result = scoring.classification_scores(["a", "a", "b", "c"], ["a", "b", "b", "a"])
    assert result.macro_f1 == pytest.approx((0.5 + 2 / 3 + 0.0) / 3)


def test_confusion_matrix_rows_are_references_and_columns_predictions() -> None:
    result = scoring.classification_scores(["a", "a", "b", "c"], ["a", "b", "b", "a"])
    assert result.labels == ("a", "b", "c")
    assert result.confusion == ((1, 1, 0), (0, 1, 0), (1, 0, 0))


def test_a_predicted_label_no_reference_has_counts_as_a_class_and_no_label_sorts_last() -> None:
    result = scoring.classification_scores(["a", "b"], [NO_LABEL, "z"])
    assert result.labels == ("a", "b", "z", NO_LABEL)
    assert result.accuracy == 0.0
    assert result.macro_f1 == 0.0


def test_label_without_pattern_is_the_normalised_answer() -> None:
    assert scoring.extract_label('  "Positive."  ', None) == "positive"


def test_label_pattern_takes_its_group_or_named_label() -> None:
    single = scoring.compile_label_pattern(r"Label:\s*(\w+)")
    named = scoring.compile_label_pattern(r"(Label|Class):\s*(?P<label>\w+)")
    assert scoring.extract_label("I think... Label: Spam", single) == "spam"
    assert scoring.extract_label("Class: Ham", named) == "ham"


def test_label_pattern_that_matches_nothing_gives_no_label() -> None:
    assert scoring.extract_label("no idea", scoring.compile_label_pattern(r"Label: (\w+)")) == NO_LABEL


@pytest.mark.parametrize("pattern", ["(unclosed", "(a)(b)", "x" * 1001])
def test_unusable_label_patterns_are_usage_errors(pattern: str) -> None:
    with pytest.raises(UsageError):
        scoring.compile_label_pattern(pattern)


def test_json_answer_is_found_in_a_fenced_block() -> None:
    assert scoring.parse_json_answer('Here:\n```json\n{"a": 1}\n```\nDone') == {"a": 1}


def test_json_answer_is_found_between_the_outer_braces() -> None:
    assert scoring.parse_json_answer('The result is {"a": {"b": 2}} as asked') == {"a": {"b": 2}}


def test_json_path_follows_keys_and_indexes() -> None:
    assert scoring.parse_json_answer('{"a": [{"b": 1}, {"b": 2}]}', "$.a.1.b") == 2
    assert scoring.parse_json_answer('{"a": [1]}', "a.5") is NOT_FOUND
    assert scoring.parse_json_answer('{"a": 1}', "b") is NOT_FOUND


def test_text_without_json_is_not_found() -> None:
    assert scoring.parse_json_answer("no json here {") is NOT_FOUND


def test_extraction_counts_fields_right_wrong_and_missing() -> None:
    references = [{"name": "Ann", "age": 3}, {"name": "Bo", "age": 5}]
    answers = ['```json\n{"name": "ann", "age": 4}\n```', "I cannot answer"]
    result = scoring.extraction_scores(references, answers, None)
    assert result.json_validity == 0.5
    assert result.exact_match == 0.0
    # TP 1 (name of record 1); FP 1 (age 4); FN 3 (age of record 1, both fields of record 2): 2/(2+1+3)
    assert result.field_f1 == pytest.approx(1 / 3)
    assert result.per_record == (0.5, 0.0)
    fields = {f.field: f for f in result.per_field}
    assert (fields["name"].precision, fields["name"].recall) == (1.0, 0.5)
    assert fields["name"].f1 == pytest.approx(2 / 3)
    assert (fields["age"].precision, fields["age"].recall, fields["age"].f1) == (0.0, 0.0, 0.0)
    assert fields["age"].support == 2


def test_extraction_exact_match_ignores_key_order_and_string_case() -> None:
    result = scoring.extraction_scores([{"a": "X", "b": [1, 2]}], ['{"b": [1, 2], "a": "x"}'], None)
    assert (result.exact_match, result.field_f1, result.per_record) == (1.0, 1.0, (1.0,))


def test_extraction_extra_field_is_a_false_positive() -> None:
    result = scoring.extraction_scores([{"a": 1}], ['{"a": 1, "b": 2}'], None)
    assert result.exact_match == 0.0
    assert result.field_f1 == pytest.approx(2 / 3)


def test_rouge_l_is_the_f_measure_of_the_longest_common_subsequence() -> None:
    # LCS 5 tokens; precision 5/5, recall 5/6 -> F = 10/11
    assert scoring.rouge_l("the cat sat on the mat", "The cat on the mat.") == pytest.approx(10 / 11)


def test_rouge_l_respects_order_where_token_f1_does_not() -> None:
    assert scoring.rouge_l("a b c", "c b a") == pytest.approx(1 / 3)
    assert scoring.token_f1("a b c", "c b a") == 1.0


def test_token_f1_counts_repeated_tokens_once_each() -> None:
    # overlap 2 (a, b); precision 2/4, recall 2/3 -> 4/7
    assert scoring.token_f1("a b c", "a b d d") == pytest.approx(4 / 7)


def test_empty_texts_agree_and_one_empty_text_scores_zero() -> None:
    assert scoring.rouge_l("", "") == 1.0
    assert scoring.token_f1("", "...") == 1.0
    assert scoring.rouge_l("a", "") == 0.0
    assert scoring.token_f1("", "a") == 0.0


def test_generation_scores_average_over_records() -> None:
    result = scoring.generation_scores(["a b", "c"], ["a b", "d"])
    assert (result.rouge_l, result.token_f1, result.exact_match) == (0.5, 0.5, 0.5)
    assert result.per_record == (1.0, 0.0)


def test_bootstrap_of_a_constant_difference_has_a_zero_width_interval() -> None:
    difference = scoring.bootstrap_difference("accuracy", [1, 1, 1], [0, 0, 0], samples=50)
    assert (difference.tuned_minus_base, difference.ci_low, difference.ci_high) == (1.0, 1.0, 1.0)


def test_bootstrap_is_deterministic_for_a_seed_and_brackets_the_mean() -> None:
    tuned = [1, 0, 1, 1, 0, 1, 1, 1, 0, 1]
    base = [0, 0, 1, 0, 0, 1, 0, 1, 0, 0]
    first = scoring.bootstrap_difference("accuracy", tuned, base, samples=500, seed=7)
    again = scoring.bootstrap_difference("accuracy", tuned, base, samples=500, seed=7)
    assert first == again
    assert first.tuned_minus_base == pytest.approx(0.4)
    assert first.ci_low < 0.4 < first.ci_high
    assert first.ci_low >= -1.0 and first.ci_high <= 1.0


def test_another_seed_draws_other_resamples() -> None:
    tuned = [(i % 7) / 7 for i in range(50)]
    base = [(i % 3) / 3 for i in range(50)]
    first = scoring.bootstrap_difference("rouge_l", tuned, base, samples=200, seed=1)
    other = scoring.bootstrap_difference("rouge_l", tuned, base, samples=200, seed=2)
    assert first.tuned_minus_base == other.tuned_minus_base
    assert (other.ci_low, other.ci_high) != (first.ci_low, first.ci_high)


def test_percentile_interpolates_between_ranks() -> None:
    assert scoring._percentile([0.0, 1.0, 2.0, 3.0], 0.5) == 1.5


def test_bootstrap_refuses_unpaired_or_empty_scores() -> None:
    with pytest.raises(ValueError):
        scoring.bootstrap_difference("accuracy", [1.0], [1.0, 0.0])
    with pytest.raises(ValueError):
        scoring.bootstrap_difference("accuracy", [], [])


def test_score_dispatches_by_task_with_per_record_scores() -> None:
    result = scoring.score("classification", ["Spam", "Ham"], ["spam.", "spam"])
    assert result.values == {"accuracy": 0.5, "macro_f1": pytest.approx((2 / 3 + 0) / 2)}
    assert result.per_record == (1.0, 0.0)
    assert result.headline == 0.5


def test_unknown_task_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        scoring.score("ranking", ["a"], ["a"])
