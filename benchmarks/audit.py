"""tokkit audit on real models: candidates, confirmed tokens, precision of the indicator, wall time.

    python benchmarks/audit.py [MODEL_DIR ...] [--verify 100] [--control 50]

MODEL_DIR defaults to $TOKKIT_CACHE/bench/smollm2-135m and $TOKKIT_CACHE/bench/gemma-3-270m
(safetensors directories made by benchmarks/transplant_methods.py `prepare()`).

1. `tokkit audit MODEL --verify N -o DIR` as a user runs it (a subprocess, timed wall-clock):
   candidates (indicator in the lowest 2% of ordinary tokens), the N top-ranked tokens verified
   by the repeat prompts, confirmed = best repeat probability < 1%. precision@N = confirmed / N.
2. What a user would otherwise do, on the same model and the same verification
   (`tokkit.undertrained.verify.repeat_probabilities`): rank by the rows' L2 norm alone, shortest
   first (the first filter of mergekit-tokensurgeon's `--magikarp`; no reference rows needed),
   and a random sample of ordinary tokens (the base rate), --control tokens each.

Prints one markdown table (one row per model) and, per model, the ratio of tokkit's precision to
the norm ranking's, and the first confirmed tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _verify(model_dir: str, ids: list[int]) -> np.ndarray:
    from tokkit.io.models import load_model
    from tokkit.undertrained.pipeline import start_token
    from tokkit.undertrained.verify import repeat_probabilities

    lm = load_model(model_dir)
    start = start_token(lm.tokenizer, lm.model.config)
    return repeat_probabilities(lm.model, ids, lm.tokenizer.encode, start).max(axis=1)


def run(model_dir: str, verify: int, control: int, confirm_below: float = 0.01) -> dict[str, object]:
    out = Path(tempfile.mkdtemp(prefix="tokkit-audit-bench-")) / "audit"
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "tokkit", "audit", model_dir, "--verify", str(verify), "-o", str(out), "-f", "json"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    summary = json.loads((out / "summary.json").read_text())[0]
    table = pd.read_csv(out / "tokens.csv", keep_default_na=False, low_memory=False)
    for col in ("verified", "confirmed"):
        table[col] = table[col].astype(str) == "True"
    ok = table[table.kind == "ok"]
    by_norm = ok.sort_values(["embedding_norm", "id"]).head(control)
    rng = np.random.default_rng(0)
    sample = ok.iloc[np.sort(rng.choice(len(ok), control, replace=False))]
    ids = by_norm.id.astype(int).tolist() + sample.id.astype(int).tolist()
    p = _verify(model_dir, ids)
    norm_precision = float((p[:control] < confirm_below).mean())
    random_rate = float((p[control:] < confirm_below).mean())
    top = ok[ok.verified].sort_values("rank")
    return {
        "model": Path(model_dir).name,
        "vocab": summary["vocab_size"],
        "reference": f"{summary['n_reference']} {summary['reference_source']}",
        "candidates": summary["n_candidates"],
        "verified": summary["n_verified"],
        "confirmed": summary["n_confirmed"],
        f"precision@{verify}": summary["precision_verified"],
        f"norm_precision@{control}": norm_precision,
        f"random_rate@{control}": random_rate,
        "audit_wall_s": round(wall, 1),
        "load_avg": round(load, 1),
        "examples": [t for t in top[top.confirmed].text.head(8)],
    }


def main() -> None:
    cache = Path(os.environ.get("TOKKIT_CACHE", Path.home() / ".cache" / "tokkit"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=[str(cache / "bench" / "smollm2-135m"),
                                                      str(cache / "bench" / "gemma-3-270m")])  # fmt: skip
    parser.add_argument("--verify", type=int, default=100)
    parser.add_argument("--control", type=int, default=50)
    args = parser.parse_args()
    rows = []
    for m in args.models:
        row = run(m, args.verify, args.control)
        print(f"{row['model']}: first confirmed {row['examples']}", file=sys.stderr, flush=True)
        rows.append(row)
    df = pd.DataFrame(rows)
    print(df.drop(columns="examples").to_markdown(index=False, floatfmt=".2f"))
    for r in rows:
        norm = r[f"norm_precision@{args.control}"]
        ratio = r[f"precision@{args.verify}"] / norm if norm else float("inf")
        print(f"{r['model']}: precision tokkit / norm ranking = {ratio:.2f}x; confirmed: {r['examples']}")


if __name__ == "__main__":
    main()
