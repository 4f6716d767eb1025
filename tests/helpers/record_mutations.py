"""Randomly mutated training records, as JSONL lines: the cases of the validator's differential runs.

``mutated_lines(rng, n, record_format)`` gives ``n`` lines: well-formed records of the format (about a third left as
they are, so that clean records are common) and records with one to three random mutations anywhere in their tree
(a key dropped, renamed or added, a value replaced by another JSON value or by a near miss: another role, an image
format, a bucket, an owner, an empty or reserved text, a text over the token limit, a list reordered or cut); some
lines are written with a key given twice (JSON takes the last), with escaped non-ASCII text or with a raw tab in a
string. The same seed gives the
same lines.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

from bedrock_ft.core.bounded_json import JsonInputError
from bedrock_ft.data.record_checks import CheckContext, ImageInfo, record_findings
from bedrock_ft.data.validate import ImageLocator, parse_customization_type, resolve_model

BUCKET = "diff-bucket"
NO_IMAGES = Path("/nonexistent-bedrock-ft-images")  # a folder of local copies that holds none
OWNER = "123456789012"

_STRINGS = (
    "user",
    "assistant",
    "system",
    "bot",
    "",
    " ",
    "\n\t",
    "png",
    "jpeg",
    "gif",
    "webp",
    "bmp",
    "mp4",
    "mov",
    "bedrock-conversation-2024",
    "bedrock-conversation-2023",
    "User: hello",
    "a <image> tag",
    "ends with [EOS]",
    "Bot",
    "System",
    OWNER,
    "12345",
    "12345678901a",
    f"s3://{BUCKET}/images/a.png",
    f"s3://{BUCKET}/images/b.jpeg",
    "s3://other-bucket/images/a.png",
    "s3://Bad_Bucket/a.png",
    f"s3://{BUCKET}",
    f"s3://{BUCKET}/",
    "https://example.com/a.png",
    f"s3://{BUCKET}/bad\x01key.png",
    "plain words of an answer",
    "é ü 漢字 \u2028",
    "[{" * 40,  # brackets enough to pass the nesting bound's count, inside a string
    "a\ttab",
)
_KEYS = ("text", "image", "video", "reasoningContent", "role", "content", "system", "messages", "extra", "source")


def _scalar(rng: random.Random) -> Any:
    choice = rng.randrange(9)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice((0, 1, -7, 123456789012, 2**70))
    if choice == 2:
        return rng.choice((0.5, 1e300, -0.0))
    if choice == 3:
        return rng.choice((True, False))
    if choice == 4:
        return "x" * (200_000 if rng.random() < 0.05 else rng.choice((1, 50)))  # 200,000: over 32,000 tokens
    return rng.choice(_STRINGS)


def _value(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(8)
    if depth > 2 or choice < 5:
        return _scalar(rng)
    if choice == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    if choice == 6:
        return {"text": rng.choice(_STRINGS)}
    return {rng.choice(_KEYS): _value(rng, depth + 1) for _ in range(rng.randrange(3))}


def _image(rng: random.Random, n: int) -> dict[str, Any]:
    fmt = rng.choice(("png", "png", "jpeg", "gif", "webp"))
    uri = f"s3://{BUCKET}/data/images/{n % 7:02x}/{n:08x}.{fmt}"
    return {"image": {"format": fmt, "source": {"s3Location": {"uri": uri, "bucketOwner": OWNER}}}}


def _conversation(rng: random.Random) -> dict[str, Any]:
    n = rng.randrange(10_000)
    record: dict[str, Any] = {"schemaVersion": "bedrock-conversation-2024"}
    if rng.random() < 0.7:
        record["system"] = [{"text": f"You answer question {n} briefly."}]
    messages: list[dict[str, Any]] = []
    for turn in range(rng.choice((1, 2, 2, 2, 4, 6))):
        if turn % 2 == 0:
            content: list[dict[str, Any]] = [{"text": f"Question {n}.{turn}: what is in the picture?"}]
            for k in range(rng.choice((0, 0, 1, 1, 2, 3))):
                content.insert(rng.randrange(len(content) + 1), _image(rng, n * 10 + k))
            if rng.random() < 0.03:
                content.append({"video": {"format": "mp4", "source": {"s3Location": {"uri": f"s3://{BUCKET}/v.mp4"}}}})
            messages.append({"role": "user", "content": content})
        else:
            content = [{"text": f"Answer {n}.{turn}: a street in the rain, people walking past shop windows."}]
            if rng.random() < 0.1:
                content.insert(0, {"reasoningContent": {"reasoningText": {"text": "Thinking it through."}}})
            messages.append({"role": "assistant", "content": content})
    record["messages"] = messages
    return record


def _claude(rng: random.Random) -> dict[str, Any]:
    n = rng.randrange(10_000)
    record: dict[str, Any] = {
        "messages": [
            {"role": "user", "content": f"Question {n}?"},
            {"role": "assistant", "content": f"Answer {n}."},
        ]
    }
    if rng.random() < 0.6:
        record["system"] = "Be brief."
    return record


def _prompt_completion(rng: random.Random) -> dict[str, Any]:
    n = rng.randrange(10_000)
    return {"prompt": f"Question {n}?", "completion": f"Answer {n}."}


BUILDERS = {"conversation": _conversation, "claude": _claude, "prompt-completion": _prompt_completion}


def _nodes(value: Any, out: list[Any]) -> list[Any]:
    """Every dict and list in ``value``, the root first."""
    if isinstance(value, dict | list):
        out.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            _nodes(child, out)
    return out


def mutate(record: Any, rng: random.Random) -> Any:
    """One random mutation somewhere in ``record`` (in place where it can be; the new root is returned)."""
    if rng.random() < 0.02:
        return _value(rng)  # not an object at all, or another object
    nodes = _nodes(record, [])
    if not nodes:  # a scalar root, after an earlier mutation
        return _value(rng)
    node = rng.choice(nodes)
    choice = rng.randrange(6)
    if isinstance(node, dict):
        keys = list(node)
        if choice == 0 and keys:
            del node[rng.choice(keys)]
        elif choice == 1:
            node[rng.choice(_KEYS)] = _value(rng)
        elif choice == 2 and keys:
            key = rng.choice(keys)
            node[rng.choice(_KEYS) + rng.choice(("", "2"))] = node.pop(key)
        elif keys:
            node[rng.choice(keys)] = _value(rng) if choice == 3 else rng.choice(_STRINGS)
    elif isinstance(node, list):
        if choice == 0 and node:
            del node[rng.randrange(len(node))]
        elif choice == 1:
            node.insert(rng.randrange(len(node) + 1), _value(rng))
        elif choice == 2 and node:
            node.append(node[rng.randrange(len(node))])  # a turn or a block twice
        elif choice == 3 and len(node) > 1:
            rng.shuffle(node)
        elif node:
            node[rng.randrange(len(node))] = _value(rng)
    return record


def _encode(value: Any, rng: random.Random, duplicates: bool, ascii_only: bool) -> str:
    """JSON text of ``value``; with ``duplicates``, some keys are given twice (another value first: JSON reads the
    last)."""
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if duplicates and rng.random() < 0.15:
                parts.append(f"{json.dumps(key)}: {_encode(_value(rng), rng, False, ascii_only)}")
            parts.append(f"{json.dumps(key, ensure_ascii=ascii_only)}: {_encode(item, rng, duplicates, ascii_only)}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_encode(item, rng, duplicates, ascii_only) for item in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def mutated_lines(rng: random.Random, n: int, record_format: str = "conversation") -> list[str]:
    """``n`` JSONL lines (no line feed) of ``record_format`` (conversation, claude, prompt-completion)."""
    build = BUILDERS[record_format]
    lines = []
    for _ in range(n):
        record: Any = build(rng)
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            record = mutate(record, rng)
        text = _encode(record, rng, duplicates=rng.random() < 0.1, ascii_only=rng.random() < 0.5)
        if rng.random() < 0.05:
            text = text.replace("\\t", "\t").replace('"text": "', '"text": "\t', 1)  # a raw tab in a string
        lines.append(text)
    return lines


# -- the validator's loop against its general path ------------------------------------------------------------------


def known_image(uri: str) -> Any:
    """Facts of an image by its URI, as ``generate`` would know them: made up from the URI's digest, so that both
    checkouts see the same; None for some (no local copy)."""
    digest = hashlib.sha256(uri.encode()).digest()
    if digest[0] < 40:
        return None
    ext = uri.rsplit(".", 1)[-1]
    fmt = ext if digest[1] > 20 else "png" if ext != "png" else "jpeg"
    side = (4, 640, 1024, 9000)[digest[2] % 4]
    size = (50_000, 11 * 2**20)[digest[3] < 20]
    return ImageInfo(f"/local/{digest.hex()[:8]}.{ext}", fmt, side, 480, size)


def _contexts(model: str | None, kind: str | None, bucket: str | None, local: bool) -> Any:
    spec, fmt = resolve_model(model, None if model else "bedrock-conversation-2024", kind)
    locate = ImageLocator(images_dir=NO_IMAGES) if local else None

    def make() -> Any:
        return CheckContext(
            record_format=fmt,
            spec=spec,
            locate=locate,
            dataset_bucket=bucket,
            known=known_image if local else None,
            customization_type=parse_customization_type(kind),
        )

    return make(), make()


def _findings(raw: bytes, decode: Any, ctx: Any) -> list[Any]:
    try:
        record = decode(raw)
    except JsonInputError as exc:
        return [("json-line", exc.reason)]
    return record_findings(record, ctx)


def _state(ctx: Any) -> tuple[Any, ...]:
    return (ctx.dataset_bucket, sorted(ctx.media_kinds), ctx.images_checked)


def compare_loop_with_general(
    lines: list[bytes], model: str | None, kind: str | None, bucket: str | None, local: bool
) -> int:
    """Every line through the validator's loop (the typed fast path, then the general path for a line it refuses) and
    through the general path alone, each with its own context; AssertionError at the first line whose findings, or
    the context after it, differ. Returns the lines the fast path took."""
    from bedrock_ft.data.validate import _fast_decoder, _fast_path_for  # this checkout's (not in older ones)

    decode = _fast_decoder()
    assert decode is not None, "msgspec is not installed"
    general_ctx, loop_ctx = _contexts(model, kind, bucket, local)
    clean = _fast_path_for(decode, loop_ctx)
    fast_lines = 0
    for number, raw in enumerate(lines, 1):
        expected = _findings(raw, decode, general_ctx)
        if clean is not None and clean(raw, loop_ctx):
            got: list[Any] = []
            fast_lines += 1
        else:
            got = _findings(raw, decode, loop_ctx)
        if got != expected or _state(loop_ctx) != _state(general_ctx):
            raise AssertionError(
                f"line {number}: {raw[:2000]!r}\n  general path: {expected} {_state(general_ctx)}\n"
                f"  the loop:     {got} {_state(loop_ctx)}"
            )
    return fast_lines
