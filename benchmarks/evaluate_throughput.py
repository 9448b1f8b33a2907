"""tokkit evaluate vs raw HF `encode_batch` vs raw tiktoken, same corpus, same tokenizer, one run.

For each byte-level BPE tokenizer: MB/s of (1) a bare loop of HF `tokenizers` `encode_batch`,
(2) a bare loop of tiktoken's `encode_ordinary` on an Encoding with the same vocabulary and
split regex (what RESOURCES.md found fastest: a plain loop, not `encode_ordinary_batch`),
(3) tokkit's `count_tokens` with every default metric and `--counting auto` (the fast path),
(4) the same with `--counting exact`; best of --repeats, and whether all four count the same tokens.
Goals: tokkit (auto) >= 4x HF encode_batch and >= 0.8x raw tiktoken, with identical counts.

    python benchmarks/evaluate_throughput.py [--size-mb 50] [--tokenizers llama-3 qwen2.5]

The corpus (>= --size-mb of real text, one file per language) is built once under
$TMPDIR/tokkit-bench/ from ../shared/data (NTREX news, Bible verses) when present, else from the
shipped corpora/, by repeating each language's lines (HF's word cache helps it on repeats, so
the ratios are, if anything, in HF's favour).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"


def build_corpus(size_mb: float) -> Path:
    """One <lang>.txt per language, every source file's lines repeated until the total is >= size_mb."""
    from tokkit.languages import LANGUAGES, Language, LanguageError

    sources = sorted((SHARED / "parallel-ntrex").glob("*.txt")) + sorted((SHARED / "parallel-bible").glob("*.txt"))
    if not sources:
        sources = sorted((REPO / "corpora" / "parallel").glob("*.txt"))
    by_lang: dict[str, list[str]] = {}
    for p in sources:
        try:
            parsed = Language.parse(p.stem)
        except LanguageError:
            continue
        if parsed.base in LANGUAGES:
            by_lang.setdefault(parsed.tag, []).extend(x for x in p.read_text(encoding="utf-8").splitlines() if x.strip())
    total = sum(len(x.encode()) + 1 for lines in by_lang.values() for x in lines)
    copies = max(1, -(-int(size_mb * 1e6) // total))
    out = Path(tempfile.gettempdir()) / "tokkit-bench" / f"evaluate-{size_mb:g}mb"
    if not (out / ".done").is_file():
        out.mkdir(parents=True, exist_ok=True)
        for lang, lines in by_lang.items():
            (out / f"{lang}.txt").write_text("\n".join(lines * copies) + "\n", encoding="utf-8")
        (out / ".done").write_text(f"{copies}\n")
    return out


def read_lines(files: list[Path]) -> list[list[str]]:
    return [[line for line in p.read_text(encoding="utf-8").splitlines() if line] for p in files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=50.0)
    parser.add_argument("--tokenizers", nargs="+", default=["llama-3", "qwen2.5"])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=2048)
    args = parser.parse_args()

    import tiktoken
    from tokenizers import Tokenizer

    from tokkit.evaluation.counting import Counting, choose_counting
    from tokkit.evaluation.runner import count_tokens
    from tokkit.io import catalog
    from tokkit.io.corpora import open_corpus
    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.io.tokenizers.fast_bpe import fast_plan

    corpus_dir = build_corpus(args.size_mb)
    files = sorted(corpus_dir.glob("*.txt"))
    corpus = open_corpus(corpus_dir)
    n_bytes = sum(p.stat().st_size for p in files)
    load = os.getloadavg()[0]
    print(f"corpus: {corpus_dir} ({len(files)} languages, {n_bytes / 1e6:.1f} MB); load average {load:.2f}")
    print(f"{'tokenizer':<10} {'HF MB/s':>8} {'tiktoken MB/s':>14} {'tokkit auto':>12} {'tokkit exact':>13}"
          f" {'auto/HF':>8} {'auto/tiktoken':>14}  path   counts equal")  # fmt: skip
    for name in args.tokenizers:
        import json

        path = catalog.resolve(name)
        hf = Tokenizer.from_file(str(path))
        plan = fast_plan(json.loads(path.read_text(encoding="utf-8")))
        enc = tiktoken.Encoding(name, pat_str=plan.pattern, mergeable_ranks=plan.ranks, special_tokens=plan.added)
        nfc = plan.nfc
        import unicodedata

        def hf_loop(hf=hf) -> int:  # type: ignore[no-untyped-def]
            total = 0
            for lines in read_lines(files):  # reading is part of every loop
                for i in range(0, len(lines), args.batch_size):
                    encs = hf.encode_batch(lines[i : i + args.batch_size], add_special_tokens=False)
                    total += sum(len(e.ids) for e in encs)
            return total

        def tiktoken_loop(enc=enc, nfc=nfc) -> int:  # type: ignore[no-untyped-def]
            total = 0
            encode = enc.encode_ordinary
            for lines in read_lines(files):
                if nfc:
                    lines = [unicodedata.normalize("NFC", s) for s in lines]
                total += sum(len(encode(s)) for s in lines)
            return total

        fast_tok, exact_tok = load_tokenizer(name), load_tokenizer(name)
        took = choose_counting(fast_tok, Counting.AUTO).path
        choose_counting(exact_tok, Counting.EXACT)

        def tokkit_loop(tok):  # type: ignore[no-untyped-def]
            return lambda: sum(c.n_tokens for c in count_tokens(tok, corpus, batch_size=args.batch_size))

        runs = {"hf": hf_loop, "tiktoken": tiktoken_loop, "auto": tokkit_loop(fast_tok), "exact": tokkit_loop(exact_tok)}
        best: dict[str, float] = {}
        totals: dict[str, int] = {}
        for _ in range(args.repeats):
            for key, run in runs.items():
                t0 = time.perf_counter()
                totals[key] = run()
                best[key] = min(best.get(key, float("inf")), time.perf_counter() - t0)
        mb = {k: n_bytes / 1e6 / t for k, t in best.items()}
        same = len(set(totals.values())) == 1
        print(f"{name:<10} {mb['hf']:8.2f} {mb['tiktoken']:14.2f} {mb['auto']:12.2f} {mb['exact']:13.2f}"
              f" {mb['auto'] / mb['hf']:8.2f} {mb['auto'] / mb['tiktoken']:14.2f}  {took:<6} {same} ({totals['auto']:,} tokens)")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
