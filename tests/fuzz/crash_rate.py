"""Crashes per 10,000 generated cases, per fuzz target: what the property tests forbid, counted instead.

    python tests/fuzz/crash_rate.py                 # every target, 10,000 cases each
    python tests/fuzz/crash_rate.py --examples 2000 --target record_checks

A crash is any exception other than ``BedrockFtError`` escaping a target. The cases are the property tests' own
(``helpers/fuzz_targets.py``), drawn derandomized, so two runs over the same code give the same figures. To measure
another checkout, put its ``scripts`` folder first:
``PYTHONPATH=/path/to/checkout/scripts python tests/fuzz/crash_rate.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings

from bedrock_ft.core.errors import BedrockFtError
from helpers import fuzz_targets as ft

PER = 10_000


def _targets(scratch: Path, media: Path) -> dict[str, tuple[Any, Callable[..., Any]]]:
    return {name: (ft.cases(name), partial(ft.run_case, name, scratch=scratch, media=media)) for name in ft.TARGETS}


def measure(name: str, strategy: Any, target: Callable[..., Any], examples: int) -> tuple[int, int, Counter[str]]:
    kinds: Counter[str] = Counter()
    ran = 0

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(value: Any) -> None:
        nonlocal ran
        ran += 1
        try:
            target(value)
        except BedrockFtError:
            pass
        except Exception as exc:  # counting crashes is the point
            kinds[f"{type(exc).__name__}"] += 1

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run()
    return ran, sum(kinds.values()), kinds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=PER)
    parser.add_argument("--target", action="append")
    args = parser.parse_args()
    sys.setrecursionlimit(1000)
    with tempfile.TemporaryDirectory() as temp:
        scratch = Path(temp) / "scratch"
        scratch.mkdir()
        media = ft.make_media(Path(temp) / "media")
        targets = _targets(scratch, media)
        for name in args.target or list(targets):
            strategy, target = targets[name]
            ran, crashes, kinds = measure(name, strategy, target, args.examples)
            rate = crashes * PER / ran if ran else 0.0
            detail = ", ".join(f"{k} {n}" for k, n in kinds.most_common())
            print(f"{name}: {rate:.0f} crashes per 10,000 ({crashes} of {ran} cases){' - ' + detail if detail else ''}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
