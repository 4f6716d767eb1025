"""S3 names for the output folder: every file under OUT maps to ``s3://BUCKET/PREFIX/<relative path>``.

Bedrock reads media only from object keys made of letters, digits and ``_ - / .``; bucket names follow S3's rules.
"""

from __future__ import annotations

import re

KEY_CHARACTERS = re.compile(r"^[A-Za-z0-9_\-/.]+$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
ACCOUNT_ID = re.compile(r"^\d{12}$")


def normalise_prefix(prefix: str | None) -> str:
    """``/data/qa/`` -> ``data/qa``; None -> ``""``."""
    return (prefix or "").strip().strip("/")


def object_key(prefix: str | None, relative_path: str) -> str:
    prefix = normalise_prefix(prefix)
    relative_path = relative_path.lstrip("/")
    return f"{prefix}/{relative_path}" if prefix else relative_path


def s3_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def parse_s3_uri(uri: str) -> tuple[str, str] | None:
    """(bucket, key) of ``s3://bucket/key``, or None when ``uri`` is not an S3 URI with a key."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return None
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket or not key:
        return None
    return bucket, key


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot hold Bedrock training media, or None."""
    if not KEY_CHARACTERS.match(key):
        bad = sorted({c for c in key if not re.match(r"[A-Za-z0-9_\-/.]", c)})
        return (
            f"object key {key!r} has characters Bedrock rejects: {' '.join(repr(c) for c in bad)} "
            "(only letters, digits and _ - / . are allowed)"
        )
    if "//" in key or key.startswith("/"):
        return f"object key {key!r} has an empty path segment"
    return None


def bucket_problem(bucket: str) -> str | None:
    if not BUCKET_NAME.match(bucket) or ".." in bucket:
        return f"{bucket!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)"
    return None
