"""Upload throughput: objects per second with --workers 1 against the default parallel workers.

Runs against a moto server in its own process (a threaded server in the same process would serialise the calls),
so the figures measure the client's parallelism, not the emulator's lock.

    python benchmarks/upload_throughput.py [--objects 300] [--size 2048] [--workers 8]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path

from bench_manifest import write_manifest

from bedrock_ft.job.session import EMULATOR_CREDENTIALS, make_session
from bedrock_ft.job.upload import DEFAULT_WORKERS, upload_dataset
from bedrock_ft.sandbox.moto_server import MotoServer


def make_folder(root: Path, bucket: str, prefix: str, objects: int, size: int) -> Path:
    """A folder as generate writes it: images, a train.jsonl and a manifest listing them with their keys."""
    folder = root / prefix
    (folder / "images" / "ab").mkdir(parents=True)
    for i in range(objects - 2):
        (folder / "images" / "ab" / f"{i:05d}.png").write_bytes(os.urandom(size))
    (folder / "train.jsonl").write_text('{"input": "x"}\n', encoding="utf-8")
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        files[path.relative_to(folder).as_posix()] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    kind = {"base_model": None, "record_format": "continued-pretraining", "customization_type": "FINE_TUNING"}
    write_manifest(folder, files, bucket=bucket, base=f"data/{prefix}", kind=kind)
    return folder


def measure(session, folder: Path, bucket: str, workers: int) -> tuple[int, float]:
    started = time.perf_counter()
    result = upload_dataset(folder, session.s3(), bucket=bucket, workers=workers)
    return len(result.uploaded), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=300)
    parser.add_argument("--size", type=int, default=2048, help="bytes per object")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="the parallel run's workers")
    args = parser.parse_args()
    bucket = "bedrock-ft-benchmark"
    with MotoServer() as server, tempfile.TemporaryDirectory() as temp:
        session = make_session(
            "us-east-1",
            server.url,
            max_pool_connections=max(10, args.workers * 2),
            static_credentials=EMULATOR_CREDENTIALS,
        )
        session.s3().create_bucket(Bucket=bucket)
        serial_dir = make_folder(Path(temp), bucket, "serial", args.objects, args.size)
        parallel_dir = make_folder(Path(temp), bucket, "parallel", args.objects, args.size)
        measure(session, make_folder(Path(temp), bucket, "warmup", 10, args.size), bucket, 2)
        serial_count, serial_time = measure(session, serial_dir, bucket, 1)
        parallel_count, parallel_time = measure(session, parallel_dir, bucket, args.workers)
    serial_rate = serial_count / serial_time
    parallel_rate = parallel_count / parallel_time
    print(f"moto server on {server.url} (separate process), {args.objects} objects of {args.size} bytes")
    print(f"--workers 1: {serial_count} objects in {serial_time:.2f} s = {serial_rate:.1f} objects/s")
    print(
        f"--workers {args.workers}: {parallel_count} objects in {parallel_time:.2f} s = {parallel_rate:.1f} objects/s"
    )
    print(f"speed-up: {parallel_rate / serial_rate:.2f}x")


if __name__ == "__main__":
    main()
