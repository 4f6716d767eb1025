"""The helpers that give documents their spelling: AWS's camelCase keys to snake_case, timestamps to ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bedrock_ft.cli.output import snake_case, snake_keys
from bedrock_ft.core.timestamps import iso_utc, now_utc
from helpers.output_contract import ISO_UTC


@pytest.mark.parametrize(
    ("name", "snake"),
    [
        ("jobArn", "job_arn"),
        ("creationTime", "creation_time"),
        ("outputModelARN", "output_model_arn"),
        ("vpcConfig", "vpc_config"),
        ("already_snake", "already_snake"),
        ("s3Uri", "s3_uri"),
    ],
)
def test_a_camel_case_name_becomes_snake_case(name: str, snake: str) -> None:
    assert snake_case(name) == snake


def test_keys_are_renamed_at_every_depth_except_verbatim_values() -> None:
    document = {"jobArn": "a", "jobs": [{"statusDetails": {"dataProcessingDetails": {}}}], "request": {"jobName": "x"}}
    assert snake_keys(document, verbatim=frozenset({"request"})) == {
        "job_arn": "a",
        "jobs": [{"status_details": {"data_processing_details": {}}}],
        "request": {"jobName": "x"},
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 12, 6, 3, 25, tzinfo=UTC), "2026-12-06T03:25:00Z"),
        (datetime(2026, 12, 6, 4, 25, tzinfo=timezone(timedelta(hours=1))), "2026-12-06T03:25:00Z"),
        (datetime(2026, 12, 6, 3, 25, 0, 123000, tzinfo=UTC), "2026-12-06T03:25:00.123000Z"),
        (datetime(2026, 12, 6, 3, 25), "2026-12-06T03:25:00Z"),
        ("2026-12-06 03:25:00+00:00", "2026-12-06T03:25:00Z"),
        ("2026-12-06T03:25:00Z", "2026-12-06T03:25:00Z"),
        (None, None),
    ],
)
def test_timestamps_are_iso_8601_utc_with_a_z(value: datetime | str | None, text: str | None) -> None:
    assert iso_utc(value) == text


def test_a_string_that_is_no_timestamp_is_left_as_it_is() -> None:
    assert iso_utc("yesterday") == "yesterday"


def test_now_is_spelled_as_the_contract_wants() -> None:
    assert ISO_UTC.match(now_utc())
