"""%TR and %Pure (Bayram et al. 2025), defined precisely, as pure functions over token strings.

A token is judged on its own text: the id decoded alone, word-start markers of every family
stripped (byte-level `Ġ`, SentencePiece `▁`, WordPiece `##`) with surrounding whitespace, then
case-folded for the language (Turkish İ/ı). Tokens that are not word material are excluded from
the denominators and counted apart: special tokens, byte-fallback tokens and partial UTF-8
characters (`byte`), whitespace (`space`), punctuation and symbols (`punct`), anything with a
digit (`digit`). Strings are merged after normalisation (`Ġkitap` and `kitap` are one type).

- pct_lang_token = 100 · Σ count(valid) / Σ count(judged)   (the paper's formula: over tokens)
- pct_lang_type  = 100 · #valid types / #judged types         (what the paper's code computes)
- pct_pure_token, pct_pure_type: the same with "pure" (exactly one root or one suffix morpheme)

1–2 character tokens (`short_tokens`): "strict" (default) counts them as valid/pure only when
they are a suffix morpheme of the analyser or one of the language's most frequent words;
"judge" judges them like any other token (both resources accept many fragments); "exclude"
drops them from the denominators (counted as `short`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum


class ShortTokens(str, Enum):
    STRICT = "strict"
    JUDGE = "judge"
    EXCLUDE = "exclude"


EXCLUDED = ("special", "byte", "space", "punct", "digit", "short")


def category(text: str) -> str:
    """`byte`, `space`, `punct`, `digit` or `word` for a marker-stripped token string."""
    if "\ufffd" in text:
        return "byte"
    if not text or text.isspace():
        return "space"
    if any(ch.isdigit() for ch in text):
        return "digit"
    if all(unicodedata.category(ch)[0] in "PSZC" for ch in text):
        return "punct"
    return "word"


@dataclass(frozen=True, slots=True)
class LinguisticCounts:
    """Counts behind %TR and %Pure for one tokenizer on one language."""

    oracle: str
    n_types: int = 0
    n_lang_types: int = 0
    n_pure_types: int = 0
    n_tokens: int = 0  # occurrences of judged tokens
    n_lang_tokens: int = 0
    n_pure_tokens: int = 0
    n_unanalysable: int = 0
    excluded_types: dict[str, int] = field(default_factory=dict)

    def percentages(self) -> dict[str, float]:
        def pct(a: int, b: int) -> float:
            return 100.0 * a / b if b else float("nan")

        return {
            "pct_lang_token": pct(self.n_lang_tokens, self.n_tokens),
            "pct_lang_type": pct(self.n_lang_types, self.n_types),
            "pct_pure_token": pct(self.n_pure_tokens, self.n_tokens),
            "pct_pure_type": pct(self.n_pure_types, self.n_types),
        }


def linguistic_counts(
    type_counts: Mapping[str, int],
    judge: Callable[[str], tuple[bool, bool] | None],
    *,
    oracle: str,
    is_short_word: Callable[[str], bool],
    short_tokens: ShortTokens = ShortTokens.STRICT,
    excluded: Mapping[str, int] | None = None,
) -> LinguisticCounts:
    """%TR/%Pure counts from normalised token strings and their corpus counts.

    `judge(text)` gives (valid, pure), or None when the analyser failed on it (counted as
    unanalysable and left out of the denominators). `excluded` carries types the caller has
    already set aside by id (special and byte-fallback tokens).
    """
    out = dict.fromkeys(EXCLUDED, 0)
    for key, n in (excluded or {}).items():
        out[key] += n
    n_types = n_lang = n_pure = n_tok = n_lang_tok = n_pure_tok = n_bad = 0
    for text, count in type_counts.items():
        kind = category(text)
        if kind != "word":
            out[kind] += 1
            continue
        short = len(text) <= 2
        if short and short_tokens is ShortTokens.EXCLUDE:
            out["short"] += 1
            continue
        verdict = judge(text)
        if verdict is None:
            n_bad += 1
            continue
        valid, pure = verdict
        if short and short_tokens is ShortTokens.STRICT and not is_short_word(text):
            valid = pure = False
        n_types += 1
        n_tok += count
        if valid:
            n_lang += 1
            n_lang_tok += count
        if pure:
            n_pure += 1
            n_pure_tok += count
    return LinguisticCounts(oracle, n_types, n_lang, n_pure, n_tok, n_lang_tok, n_pure_tok, n_bad, out)
