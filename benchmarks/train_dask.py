"""`tokkit train` on one machine vs `tokkit train --engine dask` on a 2-worker local cluster, >= 1 GB.

Both runs are the CLI in a subprocess on the same shards; printed: wall time, the driver's peak
RSS (the `tokkit` process itself, sampled every 0.2 s; the dask workers are separate processes,
their peak shown apart), and whether the two tokenizer.json files are byte-identical.

    python benchmarks/train_dask.py [--size-gb 1.0] [--algorithm bpe] [--vocab-size 32000]

The corpus is the Python sources installed on this machine (the venv's site-packages and the
standard library), concatenated into 64 MB shards under $TMPDIR/tokkit-bench/ (never the repo),
the file list cycled until --size-gb is reached.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import psutil

SHARD_BYTES = 64 << 20


def build_corpus(size_gb: float) -> Path:
    out = Path(tempfile.gettempdir()) / "tokkit-bench" / f"python-sources-{size_gb:g}gb"
    if (out / ".done").is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    roots = {Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["stdlib"])}
    sources = sorted(p for r in roots for p in r.rglob("*.py") if p.is_file())
    target, written, k = int(size_gb * 1e9), 0, 0
    shard = None
    while written < target:
        for p in sources:
            try:
                text = p.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            if shard is None or shard.tell() >= SHARD_BYTES:
                if shard is not None:
                    shard.close()
                shard = (out / f"shard-{k:03d}.txt").open("w", encoding="utf-8")
                k += 1
            shard.write(text if text.endswith("\n") else text + "\n")
            written += len(text.encode("utf-8"))
            if written >= target:
                break
    assert shard is not None
    shard.close()
    (out / ".done").write_text(f"{written}\n")
    return out


def run(args: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS of the process itself, peak RSS of its largest child (dask workers)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    me = psutil.Process(proc.pid)
    peak = child_peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, me.memory_info().rss)
            for c in me.children(recursive=True):
                child_peak = max(child_peak, c.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.2)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode})")
    return time.perf_counter() - t0, peak, child_peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=1.0)
    parser.add_argument("--algorithm", default="bpe")
    parser.add_argument("--vocab-size", type=int, default=32000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    corpus = build_corpus(args.size_gb)
    shards = sorted(corpus.glob("shard-*.txt"))
    size = sum(p.stat().st_size for p in shards)
    print(f"corpus: {corpus} ({len(shards)} shards, {size / 1e9:.2f} GB); load average {os.getloadavg()[0]:.2f}")
    work = Path(tempfile.mkdtemp(prefix="tokkit-train-dask-"))
    base = [sys.executable, "-m", "tokkit", "train", str(corpus), "-a", args.algorithm,
            "--vocab-size", str(args.vocab_size), "--force"]  # fmt: skip
    local = run([*base, "-o", str(work / "local")])
    dask = run([*base, "-o", str(work / "dask"), "--engine", "dask", "--workers", str(args.workers)])
    same = (work / "local" / "tokenizer.json").read_bytes() == (work / "dask" / "tokenizer.json").read_bytes()
    print("| run | wall s | driver peak RSS MB | largest worker peak RSS MB |")
    print("|:--|--:|--:|--:|")
    print(f"| one machine (`tokkit train`) | {local[0]:.0f} | {local[1] / 2**20:.0f} | – |")
    print(f"| {args.workers}-worker local cluster (`--engine dask`) | {dask[0]:.0f} | {dask[1] / 2**20:.0f} |"
          f" {dask[2] / 2**20:.0f} |")  # fmt: skip
    print(f"tokenizer.json byte-identical: {same}; load average after {os.getloadavg()[0]:.2f}; outputs in {work}")


if __name__ == "__main__":
    main()
