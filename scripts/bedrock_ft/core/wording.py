"""Counts in text output, with the noun agreeing: ``1 object``, ``2 objects``, ``0 objects``."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` and the noun in the number it takes; the plural is ``singular + "s"`` unless given."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"
