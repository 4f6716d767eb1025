"""Realistic stand-ins for Terraform expressions, so HCL policy documents can be judged as JSON.

``"arn:${data.aws_partition.current.partition}:s3:::*"`` becomes ``"arn:aws:s3:::*"`` (still any bucket, still a
finding) and ``"${aws_s3_bucket.data.arn}/*"`` becomes ``"arn:aws:s3:::example-bucket/*"`` (a named bucket, no
finding). The stand-ins are valid ARNs of the right type, so the IAM linter does not trip over them either.
"""

from __future__ import annotations

import re

ACCOUNT = "111122223333"
REGION = "us-east-1"
PARTITION = "aws"
BUCKET = "example-bucket"

_ARNS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("subnet",), f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/subnet-0123456789abcdef0"),
    (("security_group", "security-group", "sg"), f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/sg-0123456789abcdef0"),
    (("vpc_endpoint", "vpce", "endpoint"), f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-endpoint/vpce-0123456789abcdef0"),
    (("vpc",), f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-0123456789abcdef0"),
    (("kms", "key"), f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-4000-8000-000000000000"),
    (("policy",), f"arn:aws:iam::{ACCOUNT}:policy/example-policy"),
    (("role",), f"arn:aws:iam::{ACCOUNT}:role/example-role"),
    (("bucket", "s3"), f"arn:aws:s3:::{BUCKET}"),
    (("job", "customization"), f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/*"),
    (("model",), f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-lite-v1:0"),
)

_BY_SERVICE = {
    "s3": f"arn:aws:s3:::{BUCKET}",
    "ec2": f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/*",
    "iam": f"arn:aws:iam::{ACCOUNT}:role/example-role",
    "kms": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-4000-8000-000000000000",
    "bedrock": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/*",
}

_INTERPOLATION = re.compile(r"\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")


def _scalar(expression: str) -> str | None:
    """A stand-in for an expression that yields a piece of an ARN or a plain value, or None if unknown."""
    e = expression.lower()
    if "partition" in e:
        return PARTITION
    if "account_id" in e or "account" in e:
        return ACCOUNT
    if "region" in e:
        return REGION
    if "dns_suffix" in e:
        return "amazonaws.com"
    if e.endswith((".id", "_id")) and "subnet" in e:
        return "subnet-0123456789abcdef0"
    if e.endswith(".id") and "vpc_endpoint" in e:
        return "vpce-0123456789abcdef0"
    if e.endswith(".id") and "vpc" in e:
        return "vpc-0123456789abcdef0"
    if "bucket" in e and not e.endswith("arn"):
        return BUCKET
    return None


def arn_for(expression: str, service: str | None = None) -> str:
    """A stand-in ARN for an expression that yields a whole ARN (or a list of them)."""
    e = expression.lower()
    if e.endswith(("arn", "arns", "arns)", "arn)")) or "arn" in e:
        for words, arn in _ARNS:
            if any(word in e for word in words):
                return arn
    for words, arn in _ARNS:
        if any(word in e for word in words):
            return arn
    return _BY_SERVICE.get(service or "", f"arn:aws:s3:::{BUCKET}")


def substitute(value: object, *, whole: str = "value", service: str | None = None) -> str:
    """``value`` with every ``${...}`` replaced.

    ``whole`` says what a value that is one expression stands for: ``"arn"`` (a resource or principal ARN) or
    ``"value"`` (a condition value, a principal identifier, a Sid).
    """
    text = str(value)
    match = _INTERPOLATION.fullmatch(text)
    if match is not None:
        inner = match.group(1)
        concat = re.fullmatch(r"concat\((.*)\)", inner.strip(), re.DOTALL)
        if concat and whole == "arn":
            # several lists in one: stand for the first of each (the caller keeps one value per expression)
            return arn_for(concat.group(1).split(",")[0], service)
        if whole == "arn":
            return arn_for(inner, service)
        return _scalar(inner) or (arn_for(inner, service) if "arn" in inner.lower() else "example")
    if text and "${" not in text and whole == "arn" and re.fullmatch(r"[A-Za-z_][\w.\[\]\*]*", text) and "." in text:
        # a bare reference such as local.subnet_arns (a whole list in one expression)
        return arn_for(text, service)

    def one(m: re.Match[str]) -> str:
        inner = m.group(1)
        scalar = _scalar(inner)
        if scalar is not None:
            return scalar
        if "arn" in inner.lower():
            return arn_for(inner, service)
        return "example"

    return _INTERPOLATION.sub(one, text)
