"""Rényi efficiency: tokkit vs tokenization-scorer (PyPI) on the same tokenization.

    python benchmarks/renyi_vs_scorer.py [CORPUS_FILE] [--tokenizer cl100k_base]

tokenization-scorer reads whitespace-separated tokens, so each token id is written as one word.
Both use |V| = the number of token types seen. Prints both values per α (they agree, except at
α = 1 where tokenization-scorer returns 0.0: its generator is consumed before the Shannon branch)
and a final ratio line: tokenization-scorer's time over tokkit's (tokkit works on a bincount).
Needs `pip install tokenization-scorer` (not a tokkit dependency).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
NTREX = REPO.parent / "shared" / "data" / "parallel-ntrex" / "eng.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus", nargs="?", type=Path, default=NTREX if NTREX.is_file() else REPO / "corpora" / "en" / "prose.txt"
    )
    parser.add_argument("--tokenizer", default="cl100k_base")
    args = parser.parse_args()
    import tokenization_scorer

    from tokkit.evaluation.metrics import renyi_efficiency
    from tokkit.io.tokenizers import load_tokenizer

    tok = load_tokenizer(args.tokenizer)
    lines = [x for x in args.corpus.read_text("utf-8").splitlines() if x]
    enc = tok.encode_batch(lines)
    ids = enc.ids
    text = []
    pos = 0
    for n in enc.lengths.tolist():
        text.append(" ".join(f"t{i}" for i in ids[pos : pos + n]))
        pos += n
    joined = "\n".join(text)
    print(f"{args.tokenizer} on {args.corpus}: {ids.size:,} tokens, {np.unique(ids).size:,} types")
    print(f"{'alpha':>7} {'tokkit':>9} {'tokenization-scorer':>20}")
    t_ours = t_theirs = 0.0
    for alpha in (1.0, 1.0001, 2.0, 2.5, 3.0):
        t0 = time.perf_counter()
        ours = renyi_efficiency(np.bincount(ids), alpha)
        t_ours += time.perf_counter() - t0
        t0 = time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()):  # it prints progress and its maths to stderr
            theirs = tokenization_scorer.score(joined, metric="renyi", power=alpha)
        t_theirs += time.perf_counter() - t0
        print(f"{alpha:7.4f} {ours:9.5f} {theirs:20.5f}")
    print(f"ratio (tokenization-scorer time / tokkit time): {t_theirs / t_ours:.0f}")


if __name__ == "__main__":
    main()
