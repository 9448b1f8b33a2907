"""How often tokkit's Turkish analyser (zeyrek, with tokkit's fixes) finds the gold lemma.

    python benchmarks/turkish_lemmas.py [LEMMAS_TSV]

Default input: ../shared/data/turkish/boun_devtest_lemmas.tsv (UD Turkish BOUN dev+test gold
lemmas). For every alphabetic word (multiword-token parts skipped), reports the share with at
least one parse, the share whose gold lemma is the root of some parse, and of the first parse.
Also checks that the order of analysis does not change results (zeyrek#42): the words are
analysed forwards and backwards and the parse counts compared.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "turkish" / "boun_devtest_lemmas.tsv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tsv", nargs="?", type=Path, default=DEFAULT)
    args = parser.parse_args()
    from tokkit.io.oracles import load_oracle
    from tokkit.languages import fold_case

    rows = []
    with args.tsv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if "-" in row["id"] or not row["form"].isalpha():
                continue
            rows.append((row["form"], row["lemma"]))
    t0 = time.perf_counter()
    oracle = load_oracle("tur")
    load = time.perf_counter() - t0
    analyser = oracle._analyser  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    parsed = any_root = first_root = 0
    forward = []
    for form, lemma in rows:
        analyses = analyser._parse(form)
        forward.append(len(analyses))
        lemmas = [fold_case(a.dict_item.root, "tur") for a in analyses]  # "bitir", not the lemma "bitirmek"
        gold = fold_case(lemma, "tur")
        parsed += bool(analyses)
        any_root += gold in lemmas
        first_root += bool(lemmas) and lemmas[0] == gold
    seconds = time.perf_counter() - t0
    backward = [len(analyser._parse(form)) for form, _ in reversed(rows)][::-1]
    n = len(rows)
    print(f"words: {n:,} (analyser loaded in {load:.1f} s; {1000 * seconds / n:.2f} ms per word)")
    print(f"with a parse:                    {parsed / n:.1%}")
    print(f"gold lemma is the root of a parse:{any_root / n:.1%}")
    print(f"gold lemma is the first parse's root:{first_root / n:.1%}")
    print(f"order of analysis changes parse counts for {sum(a != b for a, b in zip(forward, backward)):,} words")


if __name__ == "__main__":
    main()
