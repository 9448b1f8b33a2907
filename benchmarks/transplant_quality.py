"""Where transplant methods differ, what healing wins back, and screened OMP beside mergekit.

    python benchmarks/transplant_quality.py [--parts pair screen turkish] [--heal-steps 200]
        [--heal-methods omp hybrid mean] [--screens 256 1024 4096] [--reuse]

Every figure is bits per byte on a verification text, whole and on the new-token positions
(targets whose row was initialised, not copied; `tokkit.surgery.attribution`), for the base
model and each transplant, scored by `tokkit.surgery.measure` (the code `tokkit transplant`
verifies with; the base model is scored once per part). Runs are `tokkit transplant ... --no-eval`
and `tokkit transplant heal ...` subprocesses, wall clock end to end.

- pair: base Gemma-3-270M, new tokenizer and donor SmolLM2-135M (`transplant_methods.py prepare`
  made both), verified on corpora/eval/heldout-code.txt (Python: ~9% of SmolLM2's tokens there are
  tokens Gemma lacks); healed `--heal-steps` steps on the default heal corpus (corpora/heal/code-en.txt,
  disjoint from it).
- screen: mergekit-tokensurgeon -a omp -k 64 (its own venv: `make bench-mergekit`) against tokkit's
  exact OMP and `--omp-screen M`, wall time and bits per byte, on the same pair and text.
- turkish: base SmolLM2-135M, new tokenizer a 2,000-token BPE that `tokkit train` learns on
  corpora/tr/{dialogue,essays,news}.txt; verified on corpora/parallel/tur.txt (disjoint from the
  training text), healed on corpora/tr/technical.txt (disjoint from both). OMP needs a donor model
  that uses the new tokenizer: none exists, so it is n/a.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import torch
from transplant_methods import CACHE, OFFLINE, REPO, mergekit_version, run_once, timed

from tokkit.io.models import load_model, special_roles
from tokkit.io.tokenizers import load_tokenizer
from tokkit.surgery.measure import TextScore, score_base, verify

TOKKIT = [sys.executable, "-m", "tokkit"]


def tokkit_transplant(base: Path, tokenizer: Path, method: str, out: Path, *extra: str) -> list[str]:
    return [*TOKKIT, "transplant", str(base), "--tokenizer", str(tokenizer), "--method", method, "-o", str(out),
            "--no-eval", "--force", "-f", "json", *extra]  # fmt: skip


def base_score(base: Path, tokenizer: Path, text: Path, runs: Path) -> TextScore:
    """The base model on `text`, cached under `runs` (the slowest scoring: Gemma's 262k-row head)."""
    import hashlib

    import numpy as np

    from tokkit.surgery.verify import LanguageModelScore

    key = hashlib.sha256(text.read_bytes() + str(tokenizer).encode()).hexdigest()[:12]
    cache = runs / f"base-score-{base.name}-{key}.npz"
    if cache.is_file():
        z = np.load(cache)
        start = int(z["start"]) if int(z["start"]) >= 0 else None
        score = LanguageModelScore(float(z["bpb"]), int(z["n"]), None, z["bits"])
        print(f"  base {base.name} on {text.name}: {score.bits_per_byte:.4f} bits per byte (cached)")
        return TextScore(score, z["lengths"], start)
    t0 = time.perf_counter()
    loaded, new = load_model(str(base)), load_tokenizer(str(tokenizer))
    roles = special_roles(new)
    score = score_base(loaded, new, roles.get("bos", roles.get("eos")), text, 512)
    print(f"  base {base.name} on {text.name}: {score.score.bits_per_byte:.4f} bits per byte "
          f"({time.perf_counter() - t0:.0f} s)")  # fmt: skip
    del loaded
    s = score.score
    np.savez(cache, bits=s.token_bits, lengths=score.lengths, start=-1 if score.start is None else score.start,
             bpb=s.bits_per_byte, n=s.n_tokens)  # fmt: skip
    return score


def scored(base: TextScore, out: Path, text: Path, initialised: list[int]) -> dict[str, Any]:
    """`out` verified against the base score; cached in `out`.scores.json next to the run."""
    cache = out.with_name(out.name + ".scores.json")
    if cache.is_file() and cache.stat().st_mtime >= (out / "model.safetensors").stat().st_mtime:
        return dict(json.loads(cache.read_text()))
    v = verify(base, out, text, initialised, 512)
    row = {"whole": v.new_bits_per_byte, "new": v.new_new_token_bits_per_byte, "positions": v.new_token_positions,
           "mass": v.new_token_mass, "base_whole": v.base_bits_per_byte, "base_new": v.base_new_token_bits_per_byte,
           "bytes": v.new_token_bytes, "sample": v.generation_sample}  # fmt: skip
    cache.write_text(json.dumps(row))
    print(f"    {out.name}: whole {row['whole']:.4f}, new-token {row['new']:.4f} bits per byte", flush=True)
    return row


def heal_run(src: Path, steps: int, text: Path, corpus: Path | None, reuse: bool, seq_len: int) -> tuple[dict, float]:  # type: ignore[type-arg]
    out = src.with_name(src.name + f"-healed{steps}")
    cmd = [*TOKKIT, "transplant", "heal", str(src), "-o", str(out), "--steps", str(steps), "--eval-text", str(text),
           "--seq-len", str(seq_len), "--force", "-f", "json"]  # fmt: skip
    cmd += ["--corpus", str(corpus)] if corpus else []
    seconds = run_once(f"heal {src.name}", cmd, out, reuse=reuse)
    return json.loads((out / "transplant.json").read_text())["heal"], seconds


def methods_part(name: str, base: Path, tokenizer: Path, donor: Path | None, text: Path, methods: list[str],
                 heal_methods: list[str], steps: int, corpus: Path | None, runs: Path, reuse: bool,
                 seq_len: int) -> dict[str, Any]:  # fmt: skip
    print(f"\n## {name}: base {base.name}, new tokenizer {tokenizer.name}, verification {text.relative_to(REPO)}")
    ref = base_score(base, tokenizer, text, runs)
    rows: dict[str, Any] = {}
    for method in methods:
        if method == "omp" and donor is None:
            rows[method] = None
            continue
        out = runs / f"{name}-{method}"
        extra = ["--donor", str(donor), "--k", "64"] if method == "omp" else []
        seconds = run_once(method, tokkit_transplant(base, tokenizer, method, out, *extra), out, reuse=reuse)
        report = json.loads((out / "transplant.json").read_text())
        row = {"seconds": seconds, "initialised": len(report["initialised_ids"]),
               **scored(ref, out, text, report["initialised_ids"])}  # fmt: skip
        if method in heal_methods:
            row["heal"], row["heal_seconds"] = heal_run(out, steps, text, corpus, reuse, seq_len)
            h = row["heal"]
            print(f"    healed: whole {h['bits_per_byte_after']:.4f}, new-token {h['new_token_bits_per_byte_after']:.4f}",
                  flush=True)  # fmt: skip
        rows[method] = row
    first = next(r for r in rows.values() if r)
    print(
        f"\nbase model: {first['base_whole']:.3f} bits per byte on the whole text, "
        f"{first['base_new']:.3f} on the {first['bytes']:,} bytes of the {first['positions']:,} new-token positions"
    )
    print("\n| method | whole bpb | new-token bpb | healed whole bpb | healed new-token bpb | new-token p | "
          "transplant s | heal s |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    print(f"| base model | {first['base_whole']:.3f} | {first['base_new']:.3f} | | | | | |")
    for method, r in rows.items():
        if r is None:
            print(f"| {method} | n/a | n/a | n/a | n/a | | | |")
            continue
        h = r.get("heal") or {}
        hw = f"{h['bits_per_byte_after']:.3f}" if h else ""
        hn = f"{h['new_token_bits_per_byte_after']:.3f}" if h else ""
        hs = f"{r['heal_seconds']:.0f}" if h else ""
        print(f"| {method} | {r['whole']:.3f} | {r['new']:.3f} | {hw} | {hn} | {100 * (r['mass'] or 0):.2f}% | "
              f"{r['seconds']:.0f} | {hs} |")  # fmt: skip
    for method, r in rows.items():
        if r and r.get("heal"):
            h = r["heal"]
            print(f"  {method} heal: {h['steps']} steps x {h['batch_size']} x {h['seq_len']} tokens, "
                  f"{h['rows_healed']:,} rows, loss {h['loss_first']:.3f} -> {h['loss_last']:.3f}, "
                  f"train {h['train_seconds']:.0f} s ({h['train_seconds'] / h['steps']:.2f} s/step)")  # fmt: skip
    (runs / f"{name}-results.json").write_text(json.dumps(rows, indent=1, default=str))
    return rows


def screen_part(base: Path, donor: Path, text: Path, screens: list[int], runs: Path, venv: Path, reuse: bool) -> None:
    print(f"\n## screened OMP (k=64) beside mergekit-tokensurgeon {mergekit_version(venv)}, verification "
          f"{text.relative_to(REPO)}")  # fmt: skip
    ref = base_score(base, donor, text, runs)
    exact_dir = runs / "pair-omp"
    t_exact = run_once("tokkit exact omp", tokkit_transplant(base, donor, "omp", exact_dir, "--donor", str(donor),
                                                                 "--k", "64"), exact_dir, reuse=reuse)  # fmt: skip
    initialised = json.loads((exact_dir / "transplant.json").read_text())["initialised_ids"]
    rows = [("tokkit omp (exact)", t_exact, scored(ref, exact_dir, text, initialised))]
    for m in screens:
        out = runs / f"pair-omp-screen{m}"
        t = run_once(f"screen {m}", tokkit_transplant(base, donor, "omp", out, "--donor", str(donor), "--k", "64",
                                                      "--omp-screen", str(m)), out, reuse=reuse)  # fmt: skip
        rows.append((f"tokkit omp --omp-screen {m}", t, scored(ref, out, text, initialised)))
    mk_out = runs / "mergekit-omp"
    if (venv / "bin" / "mergekit-tokensurgeon").is_file():
        t_mk = run_once("mergekit", [str(venv / "bin" / "mergekit-tokensurgeon"), str(base), str(donor), str(mk_out),
                                     "-a", "omp", "-k", "64"], mk_out, reuse=reuse)  # fmt: skip
        rows.insert(0, ("mergekit-tokensurgeon omp", t_mk, scored(ref, mk_out, text, initialised)))
    else:
        t_mk = float("nan")
        print(f"  (no mergekit venv at {venv}: run `make bench-mergekit`)")
    exact = rows[1 if rows[0][0].startswith("mergekit") else 0][2]
    print("\n| run | wall s | x mergekit | whole bpb | new-token bpb | whole vs exact | new-token vs exact |\n"
          "|---|---|---|---|---|---|---|")  # fmt: skip
    for label, t, r in rows:
        print(f"| {label} | {t:.0f} | {t_mk / t:.2f} | {r['whole']:.4f} | {r['new']:.4f} | "
              f"{100 * (r['whole'] / exact['whole'] - 1):+.2f}% | {100 * (r['new'] / exact['new'] - 1):+.2f}% |")  # fmt: skip
    print("(wall = the whole command: loading both models, aligning, OMP, saving; no verification)")


def turkish_tokenizer(runs: Path, reuse: bool) -> Path:
    out = runs / "tr-bpe-2k"
    files = [str(REPO / "corpora" / "tr" / f"{n}.txt") for n in ("dialogue", "essays", "news")]
    run_once("tokkit train (Turkish BPE, 2,000)", [*TOKKIT, "train", *files, "--vocab-size", "2000", "-o", str(out),
                                                   "--force"], out, reuse=reuse)  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=CACHE / "bench")
    parser.add_argument("--parts", nargs="+", default=["pair", "screen", "turkish"])
    parser.add_argument("--methods", nargs="+", default=["omp", "hybrid", "subword-mean", "mean", "random", "zero"])
    parser.add_argument("--heal-methods", nargs="*", default=["omp", "hybrid", "mean"])
    parser.add_argument("--heal-steps", type=int, default=200)
    parser.add_argument("--heal-seq-len", type=int, default=128)
    parser.add_argument("--screens", nargs="+", type=int, default=[256, 1024, 4096])
    parser.add_argument("--reuse", action="store_true", help="keep finished runs found under CACHE/runs")
    args = parser.parse_args()
    runs = args.cache / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    base, donor = args.cache / "gemma-3-270m", args.cache / "smollm2-135m"
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    code = REPO / "corpora" / "eval" / "heldout-code.txt"
    if "pair" in args.parts:
        methods_part("pair", base, donor, donor, code, args.methods, args.heal_methods, args.heal_steps, None, runs,
                     args.reuse, args.heal_seq_len)  # fmt: skip
    if "screen" in args.parts:
        screen_part(base, donor, code, args.screens, runs, args.cache / "venv-mergekit", args.reuse)
    if "turkish" in args.parts:
        tok = turkish_tokenizer(runs, args.reuse)
        methods_part("turkish", donor, tok, None, REPO / "corpora" / "parallel" / "tur.txt",
                     [m for m in args.methods if m != "random"] , [m for m in args.heal_methods if m != "omp"], args.heal_steps, REPO / "corpora" / "tr" / "technical.txt", runs, args.reuse,
                     args.heal_seq_len)  # fmt: skip
    print(f"load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    _ = (OFFLINE, timed)
    main()
