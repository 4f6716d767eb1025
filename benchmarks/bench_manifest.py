"""The manifest the benchmarks write beside their made-up dataset folders, keyed as generate keys them."""

from __future__ import annotations

import json
from pathlib import Path


def write_manifest(
    folder: Path, files: dict[str, dict[str, object]], *, bucket: str, base: str, kind: dict[str, object]
) -> None:
    """Key ``files`` (relative path -> sha256, bytes) under ``base`` as generate does, and write manifest.json."""
    from bedrock_ft.data.generate import dataset_digest, dataset_prefix, images_prefix

    digest = dataset_digest(files, **kind)  # type: ignore[arg-type]
    for relative, facts in files.items():
        facts["key"] = (
            f"{base}/{relative}" if relative.startswith("images/") else f"{dataset_prefix(base, digest)}/{relative}"
        )
    manifest = {
        "tool": "bedrock-ft",
        **kind,
        "digest": digest,
        "bucket": bucket,
        "prefix": dataset_prefix(base, digest),
        "images_prefix": images_prefix(base),
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
