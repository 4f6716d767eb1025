"""Timestamps as the output contract spells them: ISO 8601 in UTC with a ``Z`` (docs/output.md)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(value: datetime | str | None) -> str | None:
    """``value`` as ``2026-12-06T03:25:00Z`` (fractional seconds only where it has them); None stays None.

    A naive datetime is taken to be UTC already (as botocore's are not, but some emulators' are). A string is parsed
    as ISO 8601 first; one that is not a timestamp is returned unchanged rather than guessed at.
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return value
        value = parsed
    return _format(value)


def now_utc() -> str:
    """The current time, as :func:`iso_utc` spells it, to the second."""
    return _format(datetime.now(UTC).replace(microsecond=0))


def _format(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    text = value.replace(tzinfo=None).isoformat(timespec="microseconds" if value.microsecond else "seconds")
    return text + "Z"
