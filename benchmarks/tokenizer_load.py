"""Loading a tokenizer.json: tokkit's `load_tokenizer` against `tokenizers.Tokenizer.from_file`.

    python benchmarks/tokenizer_load.py [SPEC ...] [--repeats 3]

tokkit does more than the library: it validates the JSON, reads the special-token roles and
builds the surface-bytes table of every id (for counting in bytes and for transplant). The
ratio line says what that costs. Default specs: qwen2.5 and llama-3 (offline), and Gemma-3-270M
(262,144 ids) when benchmarks/transplant_methods.py has prepared it in the cache.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from timing import best_of

GEMMA = Path("~/.cache/tokkit/bench/gemma-3-270m").expanduser()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", default=["qwen2.5", "llama-3", *([str(GEMMA)] if GEMMA.is_dir() else [])])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from tokenizers import Tokenizer

    from tokkit.io.tokenizers import load_tokenizer

    print(f"{'tokenizer':<16} {'ids':>8} {'tokenizers s':>13} {'tokkit s':>9} {'ratio':>6}")
    for spec in args.specs:
        tok = load_tokenizer(spec)
        files = [f for f in tok.files if f.name == "tokenizer.json"]
        if not files:
            print(f"{spec}: not a tokenizer.json tokenizer, skipped")
            continue
        raw = best_of(lambda: Tokenizer.from_file(str(files[0])), args.repeats)  # noqa: B023
        ours = best_of(lambda: load_tokenizer(spec), args.repeats)  # noqa: B023
        print(f"{Path(spec).name:<16} {tok.vocab_size:>8,} {raw:>13.2f} {ours:>9.2f} {ours / raw:>6.2f}")


if __name__ == "__main__":
    main()
