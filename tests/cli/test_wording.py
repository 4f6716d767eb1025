"""Counts in text output agree with their noun: `1 object`, never `1 objects`."""

from __future__ import annotations

import pytest

from bedrock_ft.core.wording import plural


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0 objects"), (1, "1 object"), (2, "2 objects"), (1000, "1000 objects")],
)
def test_the_noun_agrees_with_the_count(count: int, text: str) -> None:
    assert plural(count, "object") == text


def test_an_irregular_plural_is_given() -> None:
    assert (plural(1, "policy", "policies"), plural(3, "policy", "policies")) == ("1 policy", "3 policies")
