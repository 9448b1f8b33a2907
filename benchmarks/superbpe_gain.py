"""SuperBPE vs BPE at the same vocabulary: tokens on held-out English, and training time.

    python benchmarks/superbpe_gain.py [HELD_OUT] [--vocab-sizes 8000 16000]

Training text: English on this machine (Python's own documentation `pydoc_data/topics.py`,
the standard library's .txt files, Debian's license texts) plus corpora/en; held out:
../shared/data/parallel-ntrex/eng.txt when present, else corpora/eval/heldout-en.txt.
Prints tokens per tokenizer and the ratio line (1 - superbpe/bpe = the compression gain).
"""

from __future__ import annotations

import argparse
import sysconfig
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NTREX = REPO.parent / "shared" / "data" / "parallel-ntrex" / "eng.txt"


def english_text() -> list[str]:
    lib = Path(sysconfig.get_paths()["stdlib"])
    sources = [
        lib / "pydoc_data" / "topics.py",
        *sorted(lib.rglob("*.txt")),
        *sorted(Path("/usr/share/common-licenses").glob("*")),
    ]
    lines: list[str] = []
    for p in [*sources, REPO / "corpora" / "en" / "prose.txt"]:
        try:
            lines += [x for x in p.read_text("utf-8").splitlines() if x.strip()]
        except (OSError, UnicodeDecodeError):
            continue
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "held_out",
        nargs="?",
        type=Path,
        default=NTREX if NTREX.is_file() else REPO / "corpora" / "eval" / "heldout-en.txt",
    )
    parser.add_argument("--vocab-sizes", type=int, nargs="+", default=[8000, 16000])
    args = parser.parse_args()
    from tokkit.training.config import Algorithm, TrainConfig
    from tokkit.training.hf import train_hf
    from tokkit.training.superbpe import train_superbpe

    train = english_text()
    held = [x for x in args.held_out.read_text("utf-8").splitlines() if x]
    print(f"training text: {sum(len(x) for x in train) / 1e6:.1f} MB; held out: {args.held_out} ({len(held)} lines)")
    for v in args.vocab_sizes:
        t0 = time.perf_counter()
        bpe = train_hf(iter(train), TrainConfig(vocab_size=v))
        t_bpe = time.perf_counter() - t0
        t0 = time.perf_counter()
        sb, _, stage2 = train_superbpe(lambda: iter(train), TrainConfig(algorithm=Algorithm.SUPERBPE, vocab_size=v))
        t_sb = time.perf_counter() - t0
        n_bpe = sum(len(bpe.encode(x).ids) for x in held)
        n_sb = sum(len(sb.encode(x).ids) for x in held)
        print(f"vocab {v}: bpe {n_bpe} tokens ({t_bpe:.1f} s), superbpe t=0.9 {n_sb} tokens ({t_sb:.1f} s, "
              f"{len(stage2.merges)} stage-2 merges)")  # fmt: skip
        print(f"ratio (compression gain 1 - superbpe/bpe, vocab {v}): {1 - n_sb / n_bpe:.3f}")


if __name__ == "__main__":
    main()
