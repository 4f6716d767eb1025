"""Constants and record builders shared by the dataset tests (imported as a plain module)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

BUCKET = "test-bucket"
OWNER = "123456789012"
NOVA = "amazon.nova-lite-v1:0:300k"
LLAMA_VISION = "meta.llama3-2-11b-instruct-v1:0"
TITAN = "amazon.titan-text-express-v1"
COHERE = "cohere.command-light-text-v14"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB", color: Any = (200, 30, 30)
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt)
    return buffer.getvalue()


def conversation(
    prompt: str = "What is shown?",
    answer: str = "A red square.",
    *,
    images: int = 0,
    uri: str = f"s3://{BUCKET}/data/x/images/ab/img.png",
    fmt: str = "png",
) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"text": prompt}]
    for _ in range(images):
        content.append({"image": {"format": fmt, "source": {"s3Location": {"uri": uri, "bucketOwner": OWNER}}}})
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You describe images."}],
        "messages": [{"role": "user", "content": content}, {"role": "assistant", "content": [{"text": answer}]}],
    }
