"""Turn raw counts into tidy result tables (pandas): one record per tokenizer × corpus × language."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from tokkit.evaluation.linguistic import LinguisticCounts
from tokkit.evaluation.metrics import (
    bytes_per_token,
    chars_per_token,
    fertility,
    flag_share,
    mb_per_s,
    mean_increase,
    mean_spanning_tokens,
    paired_p_values,
    renyi_efficiency,
    split_word_share,
    token_premiums,
    unk_share,
    violation_rate,
    vocab_used,
)
from tokkit.evaluation.runner import LangCounts

# The record keys of `tokkit evaluate`: an API, extended only by adding keys at the end.
EVALUATE_COLUMNS = [
    "tokenizer", "corpus", "lang", "n_lines", "n_bytes", "n_chars", "n_words", "n_tokens",
    "bytes_per_token", "chars_per_token", "fertility", "split_word_share", "unk_share", "vocab_used",
    "renyi_efficiency", "token_premium", "mb_per_s", "word_unit",
]  # fmt: skip

# Added by --metrics linguistic (one record per tokenizer × corpus × language, same keys as above).
LINGUISTIC_COLUMNS = [
    "oracle", "n_types", "n_lang_types", "n_pure_types", "pct_lang_token", "pct_lang_type", "pct_pure_token",
    "pct_pure_type", "n_unanalysable", "n_special_types", "n_byte_types", "n_space_types", "n_punct_types",
    "n_digit_types", "n_short_types",
]  # fmt: skip
CORRELATION_COLUMNS = ["metric", "n", "pearson_r", "pearson_p", "spearman_rho", "spearman_p"]

# Premiums are blanked where more than this share of characters became UNK (Petrov et al. 2023).
MAX_UNK_SHARE = 0.10


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """The table plus warnings worth telling the user (printed on stderr by the CLI)."""

    table: pd.DataFrame
    notes: tuple[str, ...]


def evaluation_table(
    counts: Sequence[LangCounts],
    *,
    reference: str | Mapping[str, str] | None,
    parallel: dict[str, bool],
    alpha: float = 2.5,
) -> EvaluationResult:
    """Metrics per tokenizer × corpus × language; premiums where the corpus is parallel.

    `parallel` says per corpus name whether its languages are line-aligned. Premiums need the
    reference language in that corpus (one for all corpora, or one per corpus name); they are
    blanked (NaN) where UNK covers > 10% of characters.
    """
    notes: list[str] = []
    rows = []
    premiums: dict[tuple[str, str, str], float] = {}
    groups: dict[tuple[str, str], dict[str, LangCounts]] = {}
    for c in counts:
        groups.setdefault((c.tokenizer, c.corpus), {})[c.lang] = c
    for (tok, corpus), by_lang in groups.items():
        ref = reference.get(corpus) if isinstance(reference, Mapping) else reference
        if ref is None or not parallel.get(corpus, False) or ref not in by_lang:
            continue
        values = token_premiums({lang: c.n_tokens for lang, c in by_lang.items()}, reference=ref)
        for lang, value in values.items():
            unk = unk_share(by_lang[lang].n_unk_chars, by_lang[lang].n_chars)
            ref_unk = unk_share(by_lang[ref].n_unk_chars, by_lang[ref].n_chars)
            if unk > MAX_UNK_SHARE or ref_unk > MAX_UNK_SHARE:
                notes.append(f"{tok}: premium for {lang} blanked, {max(unk, ref_unk):.0%} of characters are UNK")
                value = math.nan
            premiums[(tok, corpus, lang)] = value
    for c in counts:
        rows.append(
            {
                "tokenizer": c.tokenizer,
                "corpus": c.corpus,
                "lang": c.lang,
                "n_lines": c.n_lines,
                "n_bytes": c.n_bytes,
                "n_chars": c.n_chars,
                "n_words": c.n_words,
                "n_tokens": c.n_tokens,
                "bytes_per_token": bytes_per_token(c.n_bytes, c.n_tokens),
                "chars_per_token": chars_per_token(c.n_chars, c.n_tokens),
                "fertility": fertility(c.n_tokens, c.n_words),
                "split_word_share": split_word_share(c.n_split_words, c.n_words),
                "unk_share": unk_share(c.n_unk_chars, c.n_chars, c.n_fallback_chars),
                "vocab_used": vocab_used(c.token_counts, c.vocab_size),
                "renyi_efficiency": renyi_efficiency(c.token_counts, alpha),
                "token_premium": premiums.get((c.tokenizer, c.corpus, c.lang), math.nan),
                "mb_per_s": mb_per_s(c.n_bytes, c.encode_seconds),
                "word_unit": c.word_unit,
            }
        )
    table = pd.DataFrame(rows, columns=EVALUATE_COLUMNS)
    return EvaluationResult(table, tuple(notes))


def add_linguistic(table: pd.DataFrame, results: dict[tuple[str, str, str], LinguisticCounts]) -> pd.DataFrame:
    """Append the %TR/%Pure columns; keys are (tokenizer, corpus, lang)."""
    rows: list[dict[str, object]] = []
    for tok, corpus, lang in zip(table.tokenizer, table.corpus, table.lang, strict=True):
        lc = results.get((tok, corpus, lang))
        if lc is None:
            rows.append({**dict.fromkeys(LINGUISTIC_COLUMNS, math.nan), "oracle": None})
            continue
        rows.append(
            {
                "oracle": lc.oracle,
                "n_types": lc.n_types,
                "n_lang_types": lc.n_lang_types,
                "n_pure_types": lc.n_pure_types,
                **lc.percentages(),
                "n_unanalysable": lc.n_unanalysable,
                **{f"n_{k}_types": v for k, v in lc.excluded_types.items()},
            }
        )
    extra = pd.DataFrame(rows, columns=LINGUISTIC_COLUMNS, index=table.index)
    return pd.concat([table, extra], axis=1)


def score_correlations(table: pd.DataFrame, scores: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Pearson and Spearman correlation of each numeric metric with a downstream score per tokenizer.

    A tokenizer's metric is its mean over the table's languages. p-values are two-sided; with
    fewer than 3 tokenizers they are NaN. n is printed so that nobody reads much into n = 4.
    """
    from scipy import stats

    notes = []
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    per_tok = table.groupby("tokenizer")[numeric].mean()
    if table.lang.nunique() > 1:
        notes.append(f"metrics averaged over {table.lang.nunique()} languages per tokenizer")
    merged = per_tok.join(scores.set_index("tokenizer")["score"], how="inner")
    missing = sorted(set(per_tok.index) - set(merged.index))
    if missing:
        notes.append(f"no score for {', '.join(missing)}")
    rows = []
    for metric in numeric:
        pair = merged[[metric, "score"]].dropna()
        n = len(pair)
        if n >= 3 and pair[metric].nunique() > 1 and pair["score"].nunique() > 1:
            r, rp = stats.pearsonr(pair[metric], pair["score"])
            rho, sp = stats.spearmanr(pair[metric], pair["score"])
        else:
            r = rp = rho = sp = math.nan
        rows.append(
            {
                "metric": metric,
                "n": n,
                "pearson_r": float(r),
                "pearson_p": float(rp),
                "spearman_rho": float(rho),
                "spearman_p": float(sp),
            }
        )
    return pd.DataFrame(rows, columns=CORRELATION_COLUMNS), notes


ADVERSARIAL_COLUMNS = ["tokenizer", "lang", "family", "n_cases", "violation_rate", "mean_spanning_tokens"]
MODEL_COLUMNS = [
    "model", "lang", "family", "n_cases", "mean_case_bpb", "mean_control_bpb", "mean_increase", "p_wilcoxon",
    "p_ttest", "wrong_reading_share", "split_better_share",
]  # fmt: skip


def adversarial_table(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """Violation rate and mean spanning tokens per tokenizer × language × family (and overall)."""
    df = pd.DataFrame(rows, columns=["tokenizer", "lang", "family", "violated", "n_spanning"])
    parts = [df, df.assign(family="all")]
    out = (
        pd.concat(parts)
        .groupby(["tokenizer", "lang", "family"], sort=True)
        .agg(
            n_cases=("violated", "size"),
            violation_rate=("violated", violation_rate),
            mean_spanning_tokens=("n_spanning", mean_spanning_tokens),
        )
        .reset_index()
    )
    return out[ADVERSARIAL_COLUMNS]


def model_table(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """Per-byte loss of cases vs controls with paired tests, per model × language × family."""
    df = pd.DataFrame(rows)
    records = []
    for (model, lang, family), g in pd.concat([df, df.assign(family="all")]).groupby(["model", "lang", "family"]):
        case, control = g.case_bpb.to_numpy(float), g.control_bpb.to_numpy(float)
        p_w, p_t = paired_p_values(case, control)
        records.append(
            {
                "model": model,
                "lang": lang,
                "family": family,
                "n_cases": len(g),
                "mean_case_bpb": float(case.mean()),
                "mean_control_bpb": float(control.mean()),
                "mean_increase": mean_increase(case, control),
                "p_wilcoxon": p_w,
                "p_ttest": p_t,
                "wrong_reading_share": flag_share(g.wrong_reading_preferred.tolist()),
                "split_better_share": flag_share(g.split_better.tolist()),
            }
        )
    return pd.DataFrame(records, columns=MODEL_COLUMNS)
