"""S3 URIs and keys: parse ``s3://bucket/key``, build keys, and apply the rules Bedrock puts on them.

Every file under a ``generate`` output folder maps to ``s3://BUCKET/PREFIX/<relative path>``; Bedrock reads media only
from object keys made of letters, digits and ``_ - / .``; bucket names follow S3's rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bedrock_ft.core.errors import UsageError

# botocore's pattern for every s3Uri of CreateModelCustomizationJob.
BEDROCK_S3_URI = re.compile(
    r"s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?"
)
# The data guide: object keys of media hold only alphanumerics and _ - / .
SAFE_KEY = re.compile(r"[A-Za-z0-9_\-/.]+")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class S3Uri:
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def arn(self, partition: str = "aws") -> str:
        return f"arn:{partition}:s3:::{self.bucket}/{self.key}"


def parse_s3_uri(uri: str, *, what: str = "S3 URI") -> S3Uri:
    """Split ``s3://bucket/key``; a UsageError saying what is wrong otherwise."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise UsageError(f"{what} {uri!r} does not start with s3://", hint="write it as s3://BUCKET/KEY")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise UsageError(f"{what} {uri!r} names no bucket")
    return S3Uri(bucket=bucket, key=key)


def split_s3_uri(uri: object) -> S3Uri | None:
    """``s3://bucket/key`` split, or None when ``uri`` is not an S3 URI with a bucket and a key (never raises)."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return None
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket or not key:
        return None
    return S3Uri(bucket=bucket, key=key)


def join_key(*parts: str) -> str:
    """Join key parts with single slashes, ignoring empty parts."""
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def check_bedrock_uri(uri: str, *, what: str) -> None:
    """Raise a UsageError when ``uri`` does not match the pattern Bedrock's API accepts."""
    if not BEDROCK_S3_URI.fullmatch(uri):
        raise UsageError(
            f"{what} {uri!r} is not a URI Bedrock accepts",
            hint="bucket names are lower case; keys may hold letters, digits and - ! _ * ' ( ) . /",
        )


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot hold Bedrock training media, or None."""
    if not SAFE_KEY.fullmatch(key):
        bad = sorted({c for c in key if not SAFE_KEY.fullmatch(c)})
        return (
            f"object key {key!r} has characters Bedrock rejects: {' '.join(repr(c) for c in bad)} "
            "(only letters, digits and _ - / . are allowed)"
        )
    if "//" in key or key.startswith("/"):
        return f"object key {key!r} has an empty path segment"
    return None


def bucket_problem(bucket: str) -> str | None:
    """Why ``bucket`` is not a valid S3 bucket name, or None."""
    if not BUCKET_NAME.match(bucket) or ".." in bucket:
        return f"{bucket!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)"
    return None
