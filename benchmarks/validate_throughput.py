"""Validation speed against the parse floor, and start-up, on one synthetic Nova file.

    python benchmarks/validate_throughput.py                   # 20,000 records, 5 alternating rounds
    python benchmarks/validate_throughput.py --records 20000 --rounds 7

It writes N bedrock-conversation-2024 records (a system block, a user turn with text and an image block pointing at
S3, an assistant turn; a few seeded faults) and then, in fresh processes and alternating so that a machine whose
speed drifts affects both sides alike, measures:

- the floor: ``json.loads`` of every line of the same file, read line by line (what any validator must at least do);
- ``validate_files`` on the file for Nova Lite (every rule, no local images);
- start-up: the wall time of a process that imports the validator and of ``bedrock-ft validate`` on a 10-record file
  (the whole command: interpreter, imports, parse, report), against a bare ``python -c pass``.

The medians are printed, then the ratios last. Timings are the processes' own ``time.perf_counter`` around the work
(the floor and validate runs) or the wall time of the whole child process (start-up).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUCKET = "benchmark-bucket"
OWNER = "123456789012"
MODEL = "amazon.nova-lite-v1:0:300k"


def record(n: int) -> dict[str, object]:
    """Record ``n``; every 1,000th carries one of a few faults, so the error paths are timed too."""
    uri = f"s3://{BUCKET}/data/images/{n % 256:02x}/{n:064x}.png"
    user: list[dict[str, object]] = [
        {"text": f"Describe picture {n} for a screen reader, in one or two sentences, plainly."},
        {"image": {"format": "png", "source": {"s3Location": {"uri": uri, "bucketOwner": OWNER}}}},
    ]
    answer = f"A photograph, number {n}, of a street with people walking past shop windows in the rain." * 2
    rec: dict[str, object] = {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You write short, factual alternative text for images."}],
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": [{"text": answer}]}],
    }
    fault = n // 1000 % 7 if n % 1000 == 999 else None
    if fault == 0:
        user[0]["text"] = "User: describe this"  # a reserved word
    elif fault == 1:
        rec["messages"] = list(reversed(rec["messages"]))  # type: ignore[call-overload]
    elif fault == 2:
        user[1]["image"]["format"] = "bmp"  # type: ignore[index]
    elif fault == 3:
        rec["system"] = [{"text": "one"}, {"text": "two"}]
    elif fault == 4:
        user[1]["image"]["source"]["s3Location"]["bucketOwner"] = "12345"  # type: ignore[index]
    elif fault == 5:
        rec["extra"] = True
    elif fault == 6:
        rec["messages"][1]["content"] = [{"text": ""}]  # type: ignore[index]
    return rec


def write_dataset(path: Path, records: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(records):
            out.write(json.dumps(record(n)) + "\n")


def child(mode: str, path: str) -> None:
    if mode == "floor":
        started = time.perf_counter()
        count = 0
        with open(path, "rb") as handle:
            for line in handle:
                json.loads(line)
                count += 1
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "records": count}))
        return
    from bedrock_ft.data.validate import validate_files

    started = time.perf_counter()
    report = validate_files([path], base_model=MODEL)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "records": report.files[0].records, "errors": report.errors}))


def timed_child(mode: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the {mode} run failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    seconds = time.perf_counter() - started
    if done.returncode != 0:  # the small file is valid: anything else is a broken measurement
        raise SystemExit(f"{command} failed:\n{done.stderr.decode(errors='replace')}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20000, help="records in the file (default 20000)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="bedrock-ft-bench-") as temp:
        path = Path(temp) / "train.jsonl"
        write_dataset(path, args.records)
        small = Path(temp) / "small.jsonl"
        write_dataset(small, 10)
        print(f"{args.records} records, {path.stat().st_size / 2**20:.1f} MiB; {args.rounds} alternating rounds")
        # What the console script runs (bedrock_ft.cli has no __main__: ``python -m`` would fail at once).
        entry = "import sys; from bedrock_ft.cli import main; sys.exit(main(sys.argv[1:]))"
        cli = [sys.executable, "-c", entry, "validate", str(small), "--base-model", MODEL]
        importing = [sys.executable, "-c", "import bedrock_ft.data.validate"]
        bare = [sys.executable, "-c", "pass"]
        floor, checked, errors = [], [], 0
        start_cli, start_import, start_bare = [], [], []
        timed_child("validate", small)  # warm the file cache and the bytecode
        for _ in range(args.rounds):
            floor.append(timed_child("floor", path)["seconds"])
            run = timed_child("validate", path)
            checked.append(run["seconds"])
            errors = int(run["errors"])
            start_bare.append(wall(bare))
            start_import.append(wall(importing))
            start_cli.append(wall(cli))
    f, v = statistics.median(floor), statistics.median(checked)
    print(f"floor (json.loads per line): {f:.3f} s = {args.records / f:,.0f} records/s")
    print(f"validate_files:              {v:.3f} s = {args.records / v:,.0f} records/s ({errors} errors found)")
    bare_s, import_s, cli_s = (statistics.median(t) for t in (start_bare, start_import, start_cli))
    print(
        f"start-up: python -c pass {bare_s:.3f} s, import the validator {import_s:.3f} s, "
        f"bedrock-ft validate (10 records) {cli_s:.3f} s"
    )
    print("\nratios:")
    print(f"  validate / floor: {v / f:.2f}x")
    print(f"  start-up, import the validator / python -c pass: {import_s / bare_s:.2f}x")
    print(f"  start-up, bedrock-ft validate / python -c pass: {cli_s / bare_s:.2f}x")


if __name__ == "__main__":
    main()
