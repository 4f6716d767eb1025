"""The validator's typed fast path against its general path, and this checkout's validate_files against another's.

    python tests/fuzz/fast_path_differential.py --seeds 1 2 3 --records 20000
    python tests/fuzz/fast_path_differential.py --seeds 1 2 3 --old /path/to/main/scripts

Records are randomly mutated (``helpers/record_mutations.py``: conversation, Claude and prompt-completion lines).

- In process, per context (a model, a customization type, the dataset's bucket given or not, local image facts or
  none): every line goes through the validator's loop as ``_validate_file`` runs it (the fast path, then the
  general path for a line it refuses) and, beside it, through the general path alone, each with its own context.
  The findings of every line and the context after it (the dataset's bucket, the kinds of media, the images checked)
  must be equal.
- With ``--old``: the same lines written to files over 1 MiB (the size from which msgspec decodes), validated in a
  child process by this checkout and by the checkout whose ``scripts`` folder is given; the reports (every problem,
  none cut) must be equal.

It prints how many lines took the fast path, and exits 1 on the first difference, with the line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (name, base model, customization type, record format of the lines, the dataset's bucket, local image facts)
CONTEXTS: tuple[tuple[str, str | None, str | None, str, str | None, bool], ...] = (
    ("nova-lite", "amazon.nova-lite-v1:0:300k", None, "conversation", None, False),
    ("nova-lite bucket+local", "amazon.nova-lite-v1:0:300k", None, "conversation", "diff-bucket", True),
    ("nova-micro", "amazon.nova-micro-v1:0:128k", None, "conversation", None, False),
    ("nova-lite distillation", "amazon.nova-lite-v1:0:300k", "DISTILLATION", "conversation", None, False),
    ("nova-2-lite", "amazon.nova-2-lite-v1:0:256k", None, "conversation", "diff-bucket", False),
    ("llama-3.2-11b", "meta.llama3-2-11b-instruct-v1:0:128k", None, "conversation", None, False),
    ("llama-3.2-11b local", "meta.llama3-2-11b-instruct-v1:0:128k", None, "conversation", None, True),
    ("no model", None, None, "conversation", None, False),
    ("claude-3-haiku", "anthropic.claude-3-haiku-20240307-v1:0:200k", None, "claude", None, False),
    ("llama-3.1", "meta.llama3-1-8b-instruct-v1:0:128k", None, "prompt-completion", None, False),
)


from helpers.record_mutations import NO_IMAGES, known_image  # noqa: E402 (after the path is set)


def _report(paths: list[str], model: str | None, kind: str | None, bucket: str | None, local: bool) -> dict[str, Any]:
    from bedrock_ft.data import validate, validation_report
    from bedrock_ft.data.validate import ImageLocator, validate_files

    validation_report.KEEP_PER_RULE = 10**9  # type: ignore[attr-defined]  # every problem, none cut
    # The fast path is kept for the whole file, however many lines it refuses (these files are mostly faulty).
    validate.FAST_PATH_TRIAL = 10**9  # type: ignore[attr-defined]
    record_format = None if model else "bedrock-conversation-2024"
    locator = ImageLocator(images_dir=NO_IMAGES) if local else None
    report = validate_files(
        paths,
        base_model=model,
        record_format=record_format,
        customization_type=kind,
        dataset_bucket=bucket,
        locator=locator,
        known_images=known_image if local else None,
    )
    return report.to_dict()


def _child(argv: list[str]) -> None:
    spec = json.loads(argv[0])
    print(json.dumps(_report(spec["paths"], spec["model"], spec["kind"], spec["bucket"], spec["local"])))


def in_process(seed: int, records: int) -> int:
    """Lines that took the fast path; SystemExit(1) at the first difference."""
    from helpers.record_mutations import compare_loop_with_general, mutated_lines

    fast_lines = 0
    per_context: list[tuple[str, int]] = []
    for name, model, kind, lines_format, bucket, local in CONTEXTS:
        rng = random.Random(f"{seed}:{name}")
        lines = [line.encode() for line in mutated_lines(rng, records, lines_format)]
        try:
            fast_lines += compare_loop_with_general(lines, model, kind, bucket, local)
        except AssertionError as exc:
            print(f"seed {seed}, {name}: {exc}")
            raise SystemExit(1) from None
        per_context.append((name, fast_lines - sum(n for _, n in per_context)))
    print("  fast path by context: " + ", ".join(f"{name} {n}" for name, n in per_context))
    return fast_lines


def against(old_scripts: str, seed: int, records: int) -> None:
    """This checkout's validate_files against the one in ``old_scripts``, on files of mutated lines."""
    from helpers.record_mutations import mutated_lines

    with tempfile.TemporaryDirectory(prefix="bedrock-ft-diff-") as temp:
        for name, model, kind, lines_format, bucket, local in CONTEXTS:
            rng = random.Random(f"{seed}:{name}:file")
            paths = []
            for role in ("train", "validation"):
                path = Path(temp) / f"{role}.jsonl"
                lines = mutated_lines(rng, records, lines_format)
                while sum(len(line) + 1 for line in lines) < 1 << 20:  # msgspec decodes files from 1 MiB on
                    lines += mutated_lines(rng, 1000, lines_format)
                path.write_text("\n".join(lines) + "\n", encoding="utf-8")
                paths.append(str(path))
            spec = json.dumps({"paths": paths, "model": model, "kind": kind, "bucket": bucket, "local": local})
            reports = []
            for scripts in (old_scripts, str(Path(__file__).resolve().parents[2] / "scripts")):
                done = subprocess.run(
                    [sys.executable, __file__, "--child", spec],
                    capture_output=True,
                    text=True,
                    check=False,
                    env={**os.environ, "PYTHONPATH": scripts},
                )
                if done.returncode != 0:
                    raise SystemExit(f"{name}: the child with {scripts} failed:\n{done.stderr}")
                reports.append(json.loads(done.stdout))
            if reports[0] != reports[1]:
                old, new = reports
                for key in old:
                    if old[key] != new[key]:
                        print(f"seed {seed}, {name}: {key} differs")
                        if key == "problems":
                            pairs = zip(old[key], new[key], strict=False)
                            first = next((a, b) for a, b in pairs if a != b) if len(old[key]) == len(new[key]) else ()
                            print(f"  old {len(old[key])}, new {len(new[key])}; first difference: {first}")
                        else:
                            print(f"  old {old[key]}\n  new {new[key]}")
                raise SystemExit(1)
            problems = reports[0]["errors"] + reports[0]["warnings"]
            print(f"  seed {seed}, {name}: the same report ({problems} problems)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--records", type=int, default=20000, help="lines per context and seed (default 20000)")
    parser.add_argument("--old", help="the scripts folder of the checkout to compare validate_files with")
    parser.add_argument("--child", nargs=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    for seed in args.seeds:
        fast = in_process(seed, args.records)
        total = args.records * len(CONTEXTS)
        print(f"seed {seed}: {total} lines in {len(CONTEXTS)} contexts, the same findings; {fast} took the fast path")
        if args.old:
            against(args.old, seed, args.records)


if __name__ == "__main__":
    main()
