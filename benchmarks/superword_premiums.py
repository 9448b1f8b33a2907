"""Per language, BPE vs SuperBPE (transition 0.9) at the same vocabulary, trained on the same text:
corpus token count (CTC) on held-out parallel text and its spread across languages (F-test on the
variance, as Arnett et al. do). Optionally the optimal-vocabulary suite vs the same vocabulary.

    python benchmarks/superword_premiums.py [PARALLEL_DIR] [--vocab-size 4000] [--held-out 0.2] [--optimal]

PARALLEL_DIR defaults to ../shared/data/parallel-ntrex when present (34 languages), else the
shipped corpora/parallel. The first 80% of lines of each language train, the last 20% evaluate.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NTREX = REPO.parent / "shared" / "data" / "parallel-ntrex"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus", nargs="?", type=Path, default=NTREX if NTREX.is_dir() else REPO / "corpora" / "parallel"
    )
    parser.add_argument("--vocab-size", type=int, default=4000)
    parser.add_argument("--held-out", type=float, default=0.2)
    parser.add_argument("--optimal", action="store_true", help="also the optimal-vocabulary suite (slower)")
    args = parser.parse_args()
    from scipy import stats

    from tokkit.languages import LANGUAGES, Language
    from tokkit.training.config import Algorithm, TrainConfig
    from tokkit.training.hf import train_hf
    from tokkit.training.superbpe import train_superbpe

    files = sorted(p for p in args.corpus.glob("*.txt") if Language.parse(p.stem).base in LANGUAGES)
    rows = []
    work = Path(tempfile.mkdtemp())
    (work / "train").mkdir()
    (work / "eval").mkdir()
    for p in files:
        lines = [x for x in p.read_text("utf-8").splitlines() if x]
        cut = int(len(lines) * (1 - args.held_out))
        train, held = lines[:cut], lines[cut:]
        (work / "train" / p.name).write_text("\n".join(train) + "\n", "utf-8")
        (work / "eval" / p.name).write_text("\n".join(held) + "\n", "utf-8")
        bpe = train_hf(iter(train), TrainConfig(vocab_size=args.vocab_size))
        sb, _, _ = train_superbpe(
            lambda t=train: iter(t), TrainConfig(algorithm=Algorithm.SUPERBPE, vocab_size=args.vocab_size)
        )
        ctc_bpe = sum(len(bpe.encode(x).ids) for x in held)
        ctc_sb = sum(len(sb.encode(x).ids) for x in held)
        rows.append((p.stem, ctc_bpe, ctc_sb))
        print(f"{p.stem:5s} bpe {ctc_bpe:7d}  superbpe {ctc_sb:7d}  ({1 - ctc_sb / ctc_bpe:+.1%})", flush=True)
    bpe_ctc = [r[1] for r in rows]
    sb_ctc = [r[2] for r in rows]
    var_b, var_s = statistics.variance(bpe_ctc), statistics.variance(sb_ctc)
    f = var_b / var_s
    dfn = dfd = len(rows) - 1
    p_value = 2 * min(stats.f.sf(f, dfn, dfd), stats.f.cdf(f, dfn, dfd))
    print(f"mean CTC: bpe {statistics.mean(bpe_ctc):.0f}, superbpe {statistics.mean(sb_ctc):.0f}; "
          f"sd bpe {var_b ** 0.5:.0f}, superbpe {var_s ** 0.5:.0f}")  # fmt: skip
    print(f"F({dfn},{dfd}) = {f:.3f} (variance bpe / superbpe), two-sided p = {p_value:.3g}")
    print(f"ratio (mean CTC superbpe / bpe): {statistics.mean(sb_ctc) / statistics.mean(bpe_ctc):.3f}")
    if args.optimal:
        from tokkit.suites import run_suite

        sizes = [args.vocab_size // 2, args.vocab_size, args.vocab_size * 2]
        out = work / "suite"
        result = run_suite(work / "train", work / "eval", sizes, TrainConfig(), out, optimal=True)
        opt = result.table[result.table.role == "optimal"].n_tokens.tolist()
        same = result.table[
            (result.table.role == "grid") & (result.table.vocab_size == args.vocab_size)
        ].n_tokens.tolist()
        f2 = statistics.variance(same) / statistics.variance(opt)
        p2 = stats.f.sf(f2, len(same) - 1, len(opt) - 1)
        print(f"optimal vocabulary (target {result.target_ctc:.0f}): sd {statistics.stdev(opt):.0f} vs same-vocabulary "
              f"sd {statistics.stdev(same):.0f}; F = {f2:.2f}, one-sided p = {p2:.3g}")  # fmt: skip


if __name__ == "__main__":
    main()
