"""tokkit evaluate vs a bare encode loop with the raw library, same corpus, same tokenizer.

Prints one row per tokenizer (MB/s of each, best of --repeats) and a final ratio line:
tokkit's throughput with all default metrics divided by the bare loop's. Goal: >= 0.8.

    python benchmarks/evaluate_throughput.py [CORPUS_DIR] [--tokenizers qwen2.5 cl100k_base mistral-v1]

CORPUS_DIR defaults to ../shared/data/parallel-ntrex when present (6.8 MB of real news text in
34 languages), else the shipped corpora/parallel.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "parallel-ntrex"


def read_lines(files: list[Path]) -> list[list[str]]:
    return [[line for line in p.read_text(encoding="utf-8").splitlines() if line] for p in files]


def raw_encoder(name: str):  # type: ignore[no-untyped-def]
    """The loop a user would write with the library itself (no tokkit code on the hot path)."""
    from tokkit.io import catalog

    path = catalog.resolve(name)
    if path.suffix == ".tiktoken":
        import tiktoken
        from tiktoken.load import load_tiktoken_bpe

        from tokkit.io.tokenizers import TIKTOKEN_PATTERNS

        enc = tiktoken.Encoding(
            name, pat_str=TIKTOKEN_PATTERNS[name], mergeable_ranks=load_tiktoken_bpe(str(path)), special_tokens={}
        )
        return lambda lines: sum(len(enc.encode_ordinary(s)) for s in lines)
    if ".model" in path.name:
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=str(path))
        return lambda lines: sum(len(x) for x in sp.encode(lines))
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    return lambda lines: sum(len(e.ids) for e in tok.encode_batch(lines, add_special_tokens=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus", nargs="?", type=Path, default=SHARED if SHARED.is_dir() else REPO / "corpora" / "parallel"
    )
    parser.add_argument("--tokenizers", nargs="+", default=["qwen2.5", "cl100k_base", "mistral-v1"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=2048)
    args = parser.parse_args()

    from tokkit.evaluate.runner import count_tokens
    from tokkit.io.corpora import open_corpus
    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.languages import LANGUAGES, Language, normalize_lang

    files = sorted(p for p in args.corpus.glob("*.txt") if Language.parse(p.stem).base in LANGUAGES)
    corpus_dir = args.corpus
    corpus = open_corpus(corpus_dir)
    corpus = corpus.select(normalize_lang(p.stem) for p in files)
    n_bytes = sum(len(line.encode()) for lines in read_lines(files) for line in lines)
    print(f"corpus: {corpus_dir} ({len(files)} languages, {n_bytes / 1e6:.2f} MB)")
    print(f"{'tokenizer':<14} {'raw MB/s':>9} {'tokkit MB/s':>12} {'ratio':>6}  tokens equal")
    ratios = []
    for name in args.tokenizers:
        tok = load_tokenizer(name)
        encode = raw_encoder(name)
        raw_t, kit_t = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            raw_total = 0
            for lines in read_lines(files):  # reading is part of both loops
                for i in range(0, len(lines), args.batch_size):
                    raw_total += encode(lines[i : i + args.batch_size])
            raw_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            counts = count_tokens(tok, corpus, batch_size=args.batch_size)
            kit_t.append(time.perf_counter() - t0)
        kit_total = sum(c.n_tokens for c in counts)
        raw_mb, kit_mb = n_bytes / 1e6 / min(raw_t), n_bytes / 1e6 / min(kit_t)
        ratios.append(kit_mb / raw_mb)
        print(f"{name:<14} {raw_mb:9.2f} {kit_mb:12.2f} {kit_mb / raw_mb:6.2f}  {raw_total == kit_total}")
    print(f"ratio (tokkit evaluate / bare encode loop, median over tokenizers): {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
