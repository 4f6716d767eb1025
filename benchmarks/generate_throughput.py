"""Throughput and peak memory of `generate` on the accessibility vision sample scaled up to a few thousand records.

    python benchmarks/generate_throughput.py                      # 10,000 records, compared with 1,000
    python benchmarks/generate_throughput.py --records 4000 --small 500 --workdir /tmp/gen  # keeps the rendered sample

It renders N records with the sample script into a temporary folder, then runs generate (Nova Lite preset, images
kept as they are) in a fresh subprocess per measurement, so each ru_maxrss is that run's own; the small and the large
run take turns for ``--rounds`` rounds (medians are reported), the re-encoding run comes once at the end. It reports:

- records per second (a run without tracemalloc, which slows Python down);
- peak Python heap (tracemalloc, a second run) and peak resident set size (resource.getrusage ru_maxrss);
- two comparisons, each as a ratio: N records against the small run (memory should stay flat while the record count
  grows), and keeping original image bytes against forcing a re-encode of every image.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRESET = REPO / "dataset" / "accessibility" / "preset-nova.toml"


def child(source: str, out: str, limit: int, reencode: bool, trace: bool) -> None:
    """One generate run; prints a JSON line with its figures."""
    from bedrock_ft.data.generate import GenerateSettings, generate_dataset
    from bedrock_ft.data.presets import load_preset

    settings = GenerateSettings(
        source=source,
        out_dir=out,
        bucket="benchmark-bucket",
        bucket_owner="123456789012",
        limit=limit,
        force_reencode=reencode,
        show_progress=False,
    ).with_preset(load_preset(PRESET))
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = generate_dataset(settings)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    counts = result.counts
    print(
        json.dumps(
            {
                "records": counts["train"] + counts["validation"],
                "images": counts["images"],
                "converted": counts["converted_images"],
                "seconds": seconds,
                "traced_peak": peak,
                "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "errors": result.validation.errors,
            }
        )
    )


def run(source: Path, work: Path, name: str, limit: int, reencode: bool, trace: bool) -> dict:
    out = work / f"out-{name.replace(' ', '-').replace(',', '')}-{'trace' if trace else 'time'}"
    shutil.rmtree(out, ignore_errors=True)  # a fresh folder: images already there would not be written again
    command = [sys.executable, __file__, "--child", str(source), str(out), str(limit)]
    command += ["--reencode"] if reencode else []
    command += ["--trace"] if trace else []
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark run {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(source: Path, work: Path, name: str, limit: int, reencode: bool = False) -> dict:
    timed = run(source, work, name, limit, reencode, trace=False)
    traced = run(source, work, name, limit, reencode, trace=True)
    return {
        "name": name,
        "records": timed["records"],
        "images": timed["images"],
        "converted": timed["converted"],
        "seconds": timed["seconds"],
        "records_per_second": timed["records"] / timed["seconds"],
        "maxrss_mib": timed["maxrss_kib"] / 1024,
        "traced_peak_mib": traced["traced_peak"] / 2**20,
        "validation_errors": timed["errors"],
    }


def median_row(rows: list[dict]) -> dict:
    """Each figure's median over the rounds (the names and counts are the same in every round)."""
    merged = dict(rows[0])
    for key in ("seconds", "records_per_second", "maxrss_mib", "traced_peak_mib"):
        merged[key] = statistics.median(row[key] for row in rows)
    merged["validation_errors"] = max(row["validation_errors"] for row in rows)
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10000, help="records to render and generate (default 10000)")
    parser.add_argument("--small", type=int, default=1000, help="records in the small comparison run (default 1000)")
    parser.add_argument(
        "--workdir", help="folder for the rendered sample and outputs, reused between runs (default: a temporary one)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the small and the large run (default 3)")
    parser.add_argument("--child", nargs=3, metavar=("SOURCE", "OUT", "LIMIT"), help=argparse.SUPPRESS)
    parser.add_argument("--reencode", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    if args.child:
        source, out, limit = args.child
        child(source, out, int(limit), args.reencode, args.trace)
        return

    from bedrock_ft.data.samples.accessibility import render_sample

    with tempfile.TemporaryDirectory(prefix="bedrock-ft-bench-") as temp:
        work = Path(args.workdir or temp)
        work.mkdir(parents=True, exist_ok=True)
        source = work / "a11y"
        metadata = source / "metadata.jsonl"
        if metadata.is_file() and sum(1 for _ in metadata.open()) == args.records:
            print(f"reusing the {args.records} records rendered in {source}")
        else:
            started = time.perf_counter()
            render_sample(source, count=args.records)
            print(f"rendered {args.records} records in {time.perf_counter() - started:.1f} s")
        size = sum(p.stat().st_size for p in (source / "images").glob("*.png"))
        print(f"source: {size / 2**20:.1f} MiB of PNG")

        runs = {
            "small": (f"{args.small} records, keep bytes", args.small),
            "big": (f"{args.records} records, keep bytes", args.records),
        }
        pairs = []
        for round_ in range(args.rounds):
            got = {}
            for which in ("small", "big") if round_ % 2 == 0 else ("big", "small"):  # alternating
                got[which] = measure(source, work, *runs[which])
            print(f"round {round_ + 1}: RSS x{got['big']['maxrss_mib'] / got['small']['maxrss_mib']:.3f}", flush=True)
            pairs.append((got["small"], got["big"]))
        rows = [
            median_row([small for small, _ in pairs]),
            median_row([big for _, big in pairs]),
            measure(source, work, f"{args.records} records, re-encode", args.records, reencode=True),
        ]
        print(f"\n{'run':34} {'records':>7} {'conv':>5} {'sec':>6} {'rec/s':>8} {'heap MiB':>9} {'RSS MiB':>8}")
        for row in rows:
            print(
                f"{row['name']:34} {row['records']:7d} {row['converted']:5d} {row['seconds']:6.2f} "
                f"{row['records_per_second']:8.1f} {row['traced_peak_mib']:9.2f} {row['maxrss_mib']:8.1f}"
            )
        small, big, reencoded = rows
        heap_ratio = big["traced_peak_mib"] / small["traced_peak_mib"]
        rss_ratios = [b["maxrss_mib"] / s["maxrss_mib"] for s, b in pairs]
        print(
            f"\nmemory, {args.records} vs {args.small} records: heap x{heap_ratio:.2f}, "
            f"RSS x{statistics.median(rss_ratios):.2f} (median of the rounds' ratios: "
            f"{', '.join(f'{r:.3f}' for r in rss_ratios)}) for x{args.records / args.small:.1f} the records"
        )
        print(
            f"speed, keep bytes vs re-encode: x{big['records_per_second'] / reencoded['records_per_second']:.2f} "
            f"({big['records_per_second']:.0f} vs {reencoded['records_per_second']:.0f} records/s)"
        )
        if any(row["validation_errors"] for row in rows):
            print("warning: the generated data had validation errors", file=sys.stderr)


if __name__ == "__main__":
    main()
