"""Upload against the tools a user would pick instead: first run and unchanged re-run, at 500 and 5,000 objects.

    python benchmarks/upload_compare.py                               # 500 and 5,000 objects, 3 rounds
    python benchmarks/upload_compare.py --objects 500 --rounds 5 --size 52000

Every contender runs in its own process (interpreter start-up and imports included, as a user would run it) against
one moto server in a process of its own (a server in the same process would serialise the calls):

- ``bedrock-ft``: ``upload_dataset`` on a folder laid out as generate writes it (images named by their SHA-256 under
  ``images/ab/``, the JSONL files and the manifest), then again on the unchanged folder (the re-run);
- ``aws s3 sync``: the AWS CLI on the same folder, first run and re-run (skipped, and said so, when ``aws`` is not on
  the PATH: ``pip install awscli`` in a separate virtual environment gives it);
- ``boto3 put pool``: ``put_object`` of every file from a thread pool of the same size on one client (the ceiling: no
  hashing, no checks, no listing).

Contenders run in turn within a round, their order rotated each round, each into a bucket of its own; the server is
reset between rounds. The figures are medians of the rounds; the ratios come last.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_manifest import write_manifest

WORKERS = 8
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def make_folder(folder: Path, bucket: str, objects: int, size: int) -> Path:
    """``objects`` files as generate writes them: objects - 3 images, train.jsonl, validation.jsonl, manifest.json."""
    files: dict[str, dict[str, object]] = {}
    for n in range(objects - 3):
        data = n.to_bytes(8, "big") + os.urandom(size - 8)
        digest = hashlib.sha256(data).hexdigest()
        relative = f"images/{digest[:2]}/{digest}.png"
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
        files[relative] = {"sha256": digest, "bytes": len(data)}
    for name in ("train.jsonl", "validation.jsonl"):
        data = b"".join(b'{"input": "record %d"}\n' % n for n in range(100))
        (folder / name).write_bytes(data)
        files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    kind = {
        "base_model": None,
        "record_format": "continued-pretraining",
        "customization_type": "CONTINUED_PRE_TRAINING",
    }
    write_manifest(folder, files, bucket=bucket, base="data/benchmark", kind=kind)
    return folder


def child(tool: str, folder: str, bucket: str, url: str) -> None:
    """One contender's run, in this fresh process; prints what it sent."""
    if tool == "bedrock-ft":
        from bedrock_ft.job.session import EMULATOR_CREDENTIALS, make_session
        from bedrock_ft.job.upload import upload_dataset

        session = make_session(
            "us-east-1", url, max_pool_connections=WORKERS + 2, static_credentials=EMULATOR_CREDENTIALS
        )
        result = upload_dataset(folder, session.s3(), bucket=bucket, workers=WORKERS)
        print(json.dumps({"sent": len(result.uploaded), "skipped": len(result.skipped)}))
        return
    from concurrent.futures import ThreadPoolExecutor

    import boto3
    from botocore.config import Config

    s3 = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(max_pool_connections=WORKERS, s3={"addressing_style": "path"}),
    )
    root = Path(folder)
    paths = [p for p in root.rglob("*") if p.is_file()]

    def put(path: Path) -> None:
        s3.put_object(Bucket=bucket, Key=f"pool/{path.relative_to(root).as_posix()}", Body=path.read_bytes())

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(put, paths))
    print(json.dumps({"sent": len(paths), "skipped": 0}))


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} ... failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds


def measure(objects: int, size: int, rounds: int, aws: str | None) -> dict[str, float]:
    import boto3

    from bedrock_ft.sandbox.moto_server import MotoServer

    contenders = ["bedrock-ft", "aws s3 sync", "boto3 put pool"] if aws else ["bedrock-ft", "boto3 put pool"]
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bedrock-ft-bench-") as temp, MotoServer() as server:
        env = {**os.environ, **CREDENTIALS}
        s3 = boto3.client(
            "s3",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for n in range(rounds):
            server.reset()
            order = contenders[n % len(contenders) :] + contenders[: n % len(contenders)]
            for tool in order:
                bucket = f"bench-{n}-{tool.split()[0].replace('-', '')}"
                s3.create_bucket(Bucket=bucket)
                folder = make_folder(Path(temp) / bucket, bucket, objects, size)
                if tool == "aws s3 sync":
                    command = [
                        aws,
                        "s3",
                        "sync",
                        str(folder),
                        f"s3://{bucket}/sync",
                        "--endpoint-url",
                        server.url,
                        "--only-show-errors",
                    ]
                    runs = ["first", "re-run"]
                else:
                    command = [sys.executable, __file__, "--child", tool, str(folder), bucket, server.url]
                    runs = ["first", "re-run"] if tool == "bedrock-ft" else ["first"]
                for run in runs:
                    times.setdefault(f"{tool} {run}", []).append(timed(command, env))
                shutil.rmtree(folder)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, action="append", help="objects per upload (default: 500 and 5000)")
    parser.add_argument("--size", type=int, help="bytes per image (default: 52,000 at 500 objects, 2,000 above)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--child", nargs=4, metavar=("TOOL", "FOLDER", "BUCKET", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    aws = shutil.which("aws")
    if aws is None:
        print("aws s3 sync: not measured, `aws` is not on the PATH (pip install awscli in another virtual environment)")
    results = []
    for objects in args.objects or [500, 5000]:
        size = args.size or (52_000 if objects <= 500 else 2_000)
        figures = measure(objects, size, args.rounds, aws)
        results.append((objects, size, figures))
        print(f"\n{objects} objects ({objects - 3} images of {size:,} bytes), medians of {args.rounds} rounds:")
        for name, seconds in figures.items():
            print(f"  {name:24} {seconds:7.2f} s  {objects / seconds:8.0f} objects/s")
    print("\nratios:")
    for objects, _, f in results:
        ceiling = f["boto3 put pool first"] / f["bedrock-ft first"]
        line = (
            f"  {objects} objects: ceiling / bedrock-ft first = {ceiling:.2f}; "
            f"bedrock-ft re-run / first = {f['bedrock-ft re-run'] / f['bedrock-ft first']:.2f}"
        )
        if "aws s3 sync first" in f:
            line += (
                f"; bedrock-ft re-run / aws s3 sync re-run = {f['bedrock-ft re-run'] / f['aws s3 sync re-run']:.2f}"
                f"; aws s3 sync first / bedrock-ft first = {f['aws s3 sync first'] / f['bedrock-ft first']:.2f}"
            )
        print(line)


if __name__ == "__main__":
    main()
