"""S3 URIs: parse ``s3://bucket/key`` and apply the rules Bedrock puts on them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bedrock_ft.errors import UsageError

# botocore's pattern for every s3Uri of CreateModelCustomizationJob.
BEDROCK_S3_URI = re.compile(
    r"s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?"
)
# The data guide: object keys of media hold only alphanumerics and _ - / .
SAFE_KEY = re.compile(r"[A-Za-z0-9_\-/.]+")


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
