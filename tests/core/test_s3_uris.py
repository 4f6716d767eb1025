"""S3 URIs and keys: parsing, joining and the rules Bedrock puts on media keys and bucket names."""

from __future__ import annotations

import pytest

from bedrock_ft.core.errors import UsageError
from bedrock_ft.core.s3_uris import (
    S3Uri,
    bucket_problem,
    check_bedrock_uri,
    join_key,
    key_problem,
    parse_s3_uri,
    split_s3_uri,
)


def test_parse_splits_bucket_and_key() -> None:
    assert parse_s3_uri("s3://bucket/data/train.jsonl") == S3Uri("bucket", "data/train.jsonl")


def test_parse_refuses_a_uri_without_the_scheme_and_names_the_option() -> None:
    with pytest.raises(UsageError, match="--training-data 'bucket/key' does not start with s3://"):
        parse_s3_uri("bucket/key", what="--training-data")


def test_split_returns_none_instead_of_raising() -> None:
    assert split_s3_uri("https://example.com/a.png") is None
    assert split_s3_uri("s3://bucket-only") is None
    assert split_s3_uri(None) is None


def test_join_key_drops_empty_parts_and_extra_slashes() -> None:
    assert join_key("/data/qa/", "", "images/a.png") == "data/qa/images/a.png"


def test_key_with_a_space_is_a_problem_naming_the_character() -> None:
    problem = key_problem("data/my image.png")
    assert problem is not None and "' '" in problem


def test_key_with_an_empty_segment_is_a_problem() -> None:
    assert key_problem("data//a.png") is not None


def test_safe_key_has_no_problem() -> None:
    assert key_problem("data/qa/images/ab/0f-1_2.png") is None


@pytest.mark.parametrize("bucket", ["Upper", "ab", "a..b", "-start"])
def test_invalid_bucket_names_are_problems(bucket: str) -> None:
    assert bucket_problem(bucket) is not None


def test_valid_bucket_name_has_no_problem() -> None:
    assert bucket_problem("bedrock-ft-data-123456789012-us-east-1") is None


def test_bedrock_pattern_refuses_an_upper_case_bucket() -> None:
    with pytest.raises(UsageError, match="is not a URI Bedrock accepts"):
        check_bedrock_uri("s3://Bucket/train.jsonl", what="--training-data")
