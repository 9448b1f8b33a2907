"""tokkit train vs the raw trainers with the same settings (`tokenizers` BPE, SentencePiece
BPE and Unigram), and SuperBPE vs BPE.

    python benchmarks/train_speed.py [CORPUS_FILE] [--mb 50] [--sp-mb 10] [--vocab-size 32000]
                                     [--repeats 1] [--sp-repeats 3] [--sp-algorithms sp-bpe sp-unigram]
                                     [--raw-unigram-threads N]
                                     [--skip-bpe] [--skip-sp] [--skip-superbpe]

Without CORPUS_FILE a corpus of --mb megabytes is assembled from text already on this machine
(../shared/data when present, then the Python standard library's sources and docs) into
/tmp/tokkit-bench-corpus.txt. The SentencePiece part trains on its first --sp-mb megabytes
(whole lines; SentencePiece Unigram is single-threaded in tokkit and slow on 2 cores).

The raw SentencePiece call is written out here with the settings tokkit/training/spm.py passes
(byte fallback, character coverage 0.9995, identity normalisation, digits split, ...), reading
the file itself; tokkit streams the lines from Python and also converts the `.model` into a
`tokenizer.json` (transformers' converter), which the raw call does not do. The two `.model`
files are compared piece by piece.

Prints wall times (best of --repeats; SentencePiece: best of --sp-repeats, raw and tokkit
interleaved) and a ratio line per algorithm: tokkit/raw (goal <= 1.1),
and superbpe/bpe.
"""

from __future__ import annotations

import argparse
import os
import sys
import sysconfig
import tempfile
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


def head(corpus: Path, mb: int, out: Path) -> Path:
    """The first `mb` megabytes of `corpus`, cut at a line end."""
    if out.is_file() and abs(out.stat().st_size - mb * 1e6) < 1e5:
        return out
    with corpus.open("rb") as src, out.open("wb") as dst:
        dst.write(src.read(int(mb * 1e6)) + src.readline())
    return out


def spm_raw(corpus: Path, model_type: str, vocab_size: int, prefix: Path, *, num_threads: int) -> Path:
    """SentencePiece trained the way a user would, on the file, with tokkit's settings (tokkit/training/spm.py)."""
    import sentencepiece as spm

    spm.set_random_generator_seed(0)
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(prefix),
        model_type=model_type,
        vocab_size=vocab_size,
        byte_fallback=True,
        character_coverage=0.9995,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        allow_whitespace_only_pieces=True,
        split_digits=True,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        user_defined_symbols=[],
        max_sentence_length=4096 * 4,
        num_threads=num_threads,
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


def compare_models(a: bytes, b: bytes) -> str:
    """Whether two SentencePiece models have the same pieces, scores and types, and if not how they differ."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    ma, mb = pb.ModelProto(), pb.ModelProto()
    ma.ParseFromString(a)
    mb.ParseFromString(b)
    pa = [(p.piece, p.score, p.type) for p in ma.pieces]
    pb_ = [(p.piece, p.score, p.type) for p in mb.pieces]
    if a == b:
        return "identical .model files"
    if pa == pb_:
        diff = [f.name for f in ma.trainer_spec.DESCRIPTOR.fields
                if getattr(ma.trainer_spec, f.name) != getattr(mb.trainer_spec, f.name)]  # fmt: skip
        return f"identical pieces and scores (files differ in trainer_spec: {', '.join(diff)})"
    sa, sb = {p[0] for p in pa}, {p[0] for p in pb_}
    return (f"pieces DIFFER: {len(sa & sb)} shared, {len(sa - sb)} only tokkit's (e.g. {sorted(sa - sb)[:5]}), "
            f"{len(sb - sa)} only raw's (e.g. {sorted(sb - sa)[:5]})")  # fmt: skip


def best(repeats: int, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Best wall time of `repeats` calls of fn(*args, **kwargs), and the last result."""
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--sp-mb", type=int, default=10, help="megabytes for the SentencePiece part")
    parser.add_argument("--vocab-size", type=int, default=32000)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each trainer; the best time counts")
    parser.add_argument("--sp-repeats", type=int, default=3, help="interleaved runs of each SentencePiece trainer")
    parser.add_argument(
        "--sp-algorithms", nargs="+", default=["sp-bpe", "sp-unigram"], choices=["sp-bpe", "sp-unigram"]
    )
    parser.add_argument("--raw-unigram-threads", type=int, default=0, help="also time raw Unigram on N threads")
    parser.add_argument("--skip-bpe", action="store_true")
    parser.add_argument("--skip-sp", action="store_true")
    parser.add_argument("--skip-superbpe", action="store_true")
    args = parser.parse_args()
    corpus = args.corpus or assemble(args.mb, Path("/tmp/tokkit-bench-corpus.txt"))
    print(f"corpus: {corpus} ({corpus.stat().st_size / 1e6:.1f} MB), vocab {args.vocab_size}")

    from tokkit.io.corpora import line_source, open_corpus
    from tokkit.training.config import Algorithm, TrainConfig
    from tokkit.training.runner import train_tokenizer

    texts = line_source([open_corpus(corpus, all_files=True)])
    if not args.skip_bpe:
        from tokkit.training.hf import bpe_tokenizer
        from tokkit.training.pretokenizers import WORDS

        config = TrainConfig(vocab_size=args.vocab_size)
        # 1. the raw library: the same tokenizer and trainer, files read by tokenizers itself
        tok, trainer = bpe_tokenizer(config, WORDS)
        raw, _ = best(args.repeats, tok.train, [str(corpus)], trainer)
        # 2. tokkit (streams and validates the corpus in Python)
        kit, ours = best(args.repeats, train_tokenizer, texts, config)
        same = ours.tokenizer.to_str() == tok.to_str()
        print(f"raw tokenizers BPE  {raw:8.1f} s")
        print(f"tokkit train bpe    {kit:8.1f} s   identical tokenizer.json: {same}")
        print(f"ratio (tokkit / raw tokenizers trainer): {kit / raw:.2f}")
        if not args.skip_superbpe:
            t0 = time.perf_counter()
            sb = train_tokenizer(texts, TrainConfig(algorithm=Algorithm.SUPERBPE, vocab_size=args.vocab_size))
            sup = time.perf_counter() - t0
            print(f"tokkit train superbpe {sup:6.1f} s   stats: {sb.stats}")
            print(f"ratio (superbpe / bpe training time): {sup / kit:.2f}")
        sys.stdout.flush()
    if args.skip_sp:
        return

    # 3. SentencePiece BPE and Unigram: raw trainer on the file vs tokkit, same settings
    from tokkit.io.tokenizers import sentencepiece_to_tokenizers

    small = head(corpus, args.sp_mb, Path(f"/tmp/tokkit-bench-corpus-{args.sp_mb}mb.txt"))
    sp_texts = line_source([open_corpus(small, all_files=True)])
    with tempfile.TemporaryDirectory() as tmp:
        # transformers (tokkit's .model -> tokenizer.json conversion) is imported once per process;
        # `tokkit train` pays it for every algorithm (it checks the saved directory with AutoTokenizer)
        t0 = time.perf_counter()
        warm = REPO / "corpora" / "en" / "prose.txt"
        sentencepiece_to_tokenizers(spm_raw(warm, "bpe", 1000, Path(tmp) / "warm", num_threads=2))
        t_warm = time.perf_counter() - t0
    print(f"\nSentencePiece part: {small} ({small.stat().st_size / 1e6:.1f} MB), vocab {args.vocab_size}, "
          f"best of {args.sp_repeats} interleaved runs; warm-up (a 1k model of corpora/en, import "
          f"transformers, first conversion) {t_warm:.1f} s, once per process, not counted below")  # fmt: skip
    threads = min(4, os.cpu_count() or 1)
    for algorithm in map(Algorithm, args.sp_algorithms):
        model_type = "bpe" if algorithm is Algorithm.SP_BPE else "unigram"
        # tokkit/training/spm.py: Unigram on one thread (reproducible across thread counts), BPE on up to 4
        n_threads = 1 if algorithm is Algorithm.SP_UNIGRAM else threads
        config = TrainConfig(algorithm=algorithm, vocab_size=args.vocab_size)
        raw_t, kit_t = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.sp_repeats):  # interleaved, so load from other work hits both alike
                t, model = best(1, spm_raw, small, model_type, args.vocab_size, Path(tmp) / "raw",
                                num_threads=n_threads)  # fmt: skip
                raw_t.append(t)
                t, ours = best(1, train_tokenizer, sp_texts, config)
                kit_t.append(t)
            raw_bytes = model.read_bytes()
            convert, _ = best(1, sentencepiece_to_tokenizers, model)
            line = (
                f"raw sentencepiece {model_type:<8} {min(raw_t):7.1f} s   ({n_threads} thread{'s' * (n_threads > 1)})"
            )
            if algorithm is Algorithm.SP_UNIGRAM and args.raw_unigram_threads:
                raw_mt, _ = best(args.sp_repeats, spm_raw, small, model_type, args.vocab_size, Path(tmp) / "mt",
                                 num_threads=args.raw_unigram_threads)  # fmt: skip
                line += f"; with {args.raw_unigram_threads} threads {raw_mt:.1f} s"
        kit, raw = min(kit_t), min(raw_t)
        print(line)
        print(f"tokkit train {algorithm.value:<12} {kit:7.1f} s   (of which .model -> tokenizer.json {convert:.1f} s)")
        print(f"  vocabularies: {compare_models(ours.extra_files['tokenizer.model'], raw_bytes)}")
        print(f"ratio (tokkit / raw sentencepiece, {algorithm.value}): {kit / raw:.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
