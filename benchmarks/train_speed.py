"""tokkit train vs the raw `tokenizers` trainer with the same settings, and SuperBPE vs BPE.

    python benchmarks/train_speed.py [CORPUS_FILE] [--mb 50] [--vocab-size 32000]

Without CORPUS_FILE a corpus of --mb megabytes is assembled from text already on this machine
(../shared/data when present, then the Python standard library's sources and docs) into
/tmp/tokkit-bench-corpus.txt. Prints wall times and two ratio lines: tokkit/raw (goal <= 1.1)
and superbpe/bpe.
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def assemble(mb: int, out: Path) -> Path:
    if out.is_file() and out.stat().st_size >= mb * 1e6 * 0.95:
        return out
    sources = sorted((REPO.parent / "shared" / "data").rglob("*.txt"))
    sources += sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py"))
    written = 0
    with out.open("w", encoding="utf-8") as fh:
        for p in sources:
            try:
                text = p.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            fh.write(text if text.endswith("\n") else text + "\n")
            written += len(text.encode())
            if written >= mb * 1e6:
                break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--vocab-size", type=int, default=32000)
    parser.add_argument("--skip-superbpe", action="store_true")
    args = parser.parse_args()
    corpus = args.corpus or assemble(args.mb, Path("/tmp/tokkit-bench-corpus.txt"))
    print(f"corpus: {corpus} ({corpus.stat().st_size / 1e6:.1f} MB), vocab {args.vocab_size}")

    from tokkit.io.corpora import line_source, open_corpus
    from tokkit.train.config import Algorithm, TrainConfig
    from tokkit.train.hf import bpe_tokenizer
    from tokkit.train.pretokenizers import WORDS
    from tokkit.train.runner import train_tokenizer

    config = TrainConfig(vocab_size=args.vocab_size)
    # 1. the raw library: the same tokenizer and trainer, files read by tokenizers itself
    tok, trainer = bpe_tokenizer(config, WORDS)
    t0 = time.perf_counter()
    tok.train([str(corpus)], trainer)
    raw = time.perf_counter() - t0
    # 2. tokkit (streams and validates the corpus in Python)
    texts = line_source([open_corpus(corpus, all_files=True)])
    t0 = time.perf_counter()
    ours = train_tokenizer(texts, config)
    kit = time.perf_counter() - t0
    same = ours.tokenizer.to_str() == tok.to_str()
    print(f"raw tokenizers BPE  {raw:8.1f} s")
    print(f"tokkit train bpe    {kit:8.1f} s   identical tokenizer.json: {same}")
    print(f"ratio (tokkit / raw tokenizers trainer): {kit / raw:.2f}")
    if args.skip_superbpe:
        return
    t0 = time.perf_counter()
    sb = train_tokenizer(texts, TrainConfig(algorithm=Algorithm.SUPERBPE, vocab_size=args.vocab_size))
    sup = time.perf_counter() - t0
    print(f"tokkit train superbpe {sup:6.1f} s   stats: {sb.stats}")
    print(f"ratio (superbpe / bpe training time): {sup / kit:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
