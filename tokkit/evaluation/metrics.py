"""Tokenization metrics as pure functions over counts and offset arrays.

Every function documents its definition; none reads files or prints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

# Lookup table of whitespace code points (as `str.isspace` sees them; none is above U+3000).
_SPACE_LIMIT = 0x3001
_IS_SPACE = np.array([chr(cp).isspace() for cp in range(_SPACE_LIMIT)] + [False], dtype=bool)
# The same set in UTF-8: the ASCII whitespace bytes (\t-\r, \x1c-\x1f, space), and the
# non-ASCII spaces, whose UTF-8 forms start with 0xC2 or 0xE1-0xE3.
assert set(np.flatnonzero(_IS_SPACE[:128])) == {*range(9, 14), *range(28, 33)}
_WIDE_SPACES = [chr(cp).encode("utf-8") for cp in np.flatnonzero(_IS_SPACE[128:_SPACE_LIMIT]) + 128]
assert {b[0] for b in _WIDE_SPACES} == {0xC2, 0xE1, 0xE2, 0xE3}
_WIDE_SPACE_PAIR = np.zeros(1 << 16, dtype=bool)  # their first two bytes
_WIDE_SPACE_PAIR[[b[0] << 8 | b[1] for b in _WIDE_SPACES]] = True
_WIDE_SPACE_PAIRS = sorted({b[:2] for b in _WIDE_SPACES})


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, or NaN when the denominator is zero."""
    return numerator / denominator if denominator else math.nan


def bytes_per_token(n_bytes: int, n_tokens: int) -> float:
    """Compression in bytes: B / T, the UTF-8 bytes of the text per token (NaN without tokens).

    Confounded across languages by how many bytes a script needs (Arnett et al. 2025, §2.2).
    """
    return ratio(n_bytes, n_tokens)


def chars_per_token(n_chars: int, n_tokens: int) -> float:
    """Compression in characters: C / T, code points per token (NaN without tokens)."""
    return ratio(n_chars, n_tokens)


def fertility(n_tokens: int, n_words: int) -> float:
    """Subword fertility (Rust et al. 2021): T / W, tokens per word (NaN without words)."""
    return ratio(n_tokens, n_words)


def split_word_share(n_split_words: int, n_words: int) -> float:
    """Proportion of continued words (Rust et al. 2021): words cut by at least one token boundary / W.

    A word is split when two or more tokens cover its characters (`split_words_utf8` counts them).
    """
    return ratio(n_split_words, n_words)


def unk_share(n_unk_chars: int, n_chars: int, n_fallback_chars: int = 0) -> float:
    """Share of the text the vocabulary could not spell with its own pieces:
    (characters in UNK tokens + characters in byte-fallback tokens) / C.

    With `n_fallback_chars` = 0 it is the UNK share behind Petrov et al. (2023)'s rule that blanks
    a premium when more than 10% of the characters became UNK (`tables.MAX_UNK_SHARE`).
    """
    return ratio(n_unk_chars + n_fallback_chars, n_chars)


def vocab_used(token_counts: np.ndarray, vocab_size: int) -> float:
    """|V_used| / |V|: the share of the vocabulary's ids that occur (count > 0) in the text."""
    return ratio(int(np.count_nonzero(token_counts)), vocab_size)


def mb_per_s(n_bytes: int, seconds: float) -> float:
    """Encode throughput: B / 10^6 / seconds spent in the tokenizer's encode calls (NaN for no time)."""
    return ratio(n_bytes / 1e6, seconds) if seconds > 0 else math.nan


def violation_rate(violated: Sequence[bool] | np.ndarray) -> float:
    """Share of adversarial cases that are violated: #violated / #cases (NaN without cases).

    What makes a case violated depends on its family (`attacks.score.judge`); the idea is Wang
    et al. 2024 ("Tokenization Matters!").
    """
    v = np.asarray(violated, dtype=np.float64)
    return float(v.mean()) if v.size else math.nan


def mean_spanning_tokens(n_spanning: Sequence[int] | np.ndarray) -> float:
    """Mean over cases of the number of tokens that cross an intended unit boundary (NaN without cases)."""
    n = np.asarray(n_spanning, dtype=np.float64)
    return float(n.mean()) if n.size else math.nan


def mean_increase(case_bpb: np.ndarray, control_bpb: np.ndarray) -> float:
    """Mean over cases of case_bpb − control_bpb: the bits per byte a model loses on the adversarial
    text compared with its spaced control."""
    return float((case_bpb - control_bpb).mean())


def paired_p_values(case_bpb: np.ndarray, control_bpb: np.ndarray) -> tuple[float, float]:
    """Two-sided p-values of the paired Wilcoxon signed-rank test and the paired t-test of case vs
    control bits per byte (`scipy.stats.wilcoxon`, `ttest_rel`); NaN for fewer than 2 cases or no
    difference at all."""
    from scipy import stats

    if case_bpb.size >= 2 and np.any(case_bpb - control_bpb != 0):
        return float(stats.wilcoxon(case_bpb, control_bpb).pvalue), float(stats.ttest_rel(case_bpb, control_bpb).pvalue)
    return math.nan, math.nan


def flag_share(flags: Sequence[bool | None]) -> float:
    """Share of True among the cases that have the flag (None: not tested); NaN when none has it.

    `wrong_reading_share` (the model prefers the misreading) and `split_better_share` (the
    unit-aligned ids get a lower loss than the canonical ones).
    """
    known = np.array([f for f in flags if f is not None and f == f], dtype=np.float64)  # f == f: not NaN
    return float(known.mean()) if known.size else math.nan


def renyi_entropy(counts: np.ndarray, alpha: float) -> float:
    """Rényi entropy in bits of the distribution p_i = counts_i / sum(counts).

    H_α(p) = 1/(1-α) · log2 Σ p_i^α for α ≠ 1, and the Shannon entropy -Σ p_i log2 p_i at α = 1
    (its limit). Zero counts are ignored. An empty distribution has entropy NaN.
    """
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    c = np.asarray(counts, dtype=np.float64)
    c = c[c > 0]
    if c.size == 0:
        return math.nan
    p = c / c.sum()
    if abs(alpha - 1.0) < 1e-12:
        return float(-(p * np.log2(p)).sum())
    if alpha == 0:
        return math.log2(p.size)
    # log-sum-exp in base 2 keeps large alpha stable: log2 Σ 2^(α log2 p_i)
    a = alpha * np.log2(p)
    m = a.max()
    return float((m + math.log2(np.exp2(a - m).sum())) / (1.0 - alpha))


def renyi_efficiency(counts: np.ndarray, alpha: float = 2.5) -> float:
    """Rényi efficiency (Zouhar et al. 2023): H_α(p) / H_0(p) = H_α(p) / log2 |V_used|.

    |V_used| is the number of token types with a non-zero count, as in tokenization-scorer.
    The value lies in [0, 1]; it is 1 for a uniform distribution and NaN when fewer than two
    types occur. At α = 1 it is the Shannon efficiency (continuous in α).
    """
    n_types = int(np.count_nonzero(np.asarray(counts)))
    if n_types < 2:
        return math.nan
    return renyi_entropy(counts, alpha) / math.log2(n_types)


def token_premiums(n_tokens: Mapping[str, int], *, reference: str) -> dict[str, float]:
    """Token premium of each language on a parallel corpus: CTC(lang) / CTC(reference).

    CTC is the corpus token count (Petrov et al. 2023; Arnett et al. 2025). A premium of 1.5
    means the language needs 50% more tokens than the reference for the same content.
    """
    if reference not in n_tokens:
        raise ValueError(f"reference {reference!r} not among {sorted(n_tokens)}")
    ref = n_tokens[reference]
    return {lang: ratio(n, ref) for lang, n in n_tokens.items()}


def word_spans(codepoints: np.ndarray, *, per_character: bool) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the words in a text given as code points.

    Words are maximal runs of non-whitespace characters; with `per_character`, every
    non-whitespace character is its own word (for languages written without spaces).
    """
    is_space = _IS_SPACE[np.minimum(codepoints, _SPACE_LIMIT)]
    if per_character:
        starts = np.flatnonzero(~is_space)
        return starts, starts + 1
    is_word = (~is_space).astype(np.int8)
    edges = np.diff(np.concatenate(([0], is_word, [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def pieces_per_word(
    token_starts: np.ndarray,
    token_ends: np.ndarray,
    word_starts: np.ndarray,
    word_ends: np.ndarray,
) -> np.ndarray:
    """Number of tokens whose character span overlaps each word's span.

    A token [s, e) overlaps a word [ws, we) when s < we and e > ws. Zero-width tokens cover no
    character and are ignored. Since every token with e <= ws also has s < we, the count is
    #{s < we} - #{e <= ws}, computed with two sorted searches (any token order is fine).
    """
    keep = token_ends > token_starts
    starts, ends = token_starts[keep], token_ends[keep]
    if starts.size > 1 and not (np.all(starts[1:] >= starts[:-1]) and np.all(ends[1:] >= ends[:-1])):
        starts, ends = np.sort(starts), np.sort(ends)
    return np.searchsorted(starts, word_ends, side="left") - np.searchsorted(ends, word_starts, side="right")


def whitespace_bytes(text: bytes) -> np.ndarray:
    """Mask of the bytes of a UTF-8 text that belong to whitespace characters (`str.isspace`)."""
    buf = np.frombuffer(text, dtype=np.uint8)
    u = np.uint8
    mask: np.ndarray = (buf == 32) | (buf - u(9) <= u(4)) | (buf - u(28) <= u(3))  # uint8 arithmetic wraps
    if not any(pair in text for pair in _WIDE_SPACE_PAIRS):  # a fast scan: most texts have none
        return mask
    lead = np.flatnonzero(((buf == 0xC2) | (buf - u(0xE1) <= u(2)))[:-1])  # the 2- and 3-byte spaces
    lead = lead[_WIDE_SPACE_PAIR[buf[lead].astype(np.int64) << 8 | buf[lead + 1]]]
    if lead.size:
        last = buf.size - 1
        b0, b1 = buf[lead].astype(np.int64), buf[lead + 1].astype(np.int64)
        b2 = buf[np.minimum(lead + 2, last)].astype(np.int64)
        two = b0 < 0xE0
        cp = np.where(two, ((b0 & 0x1F) << 6) | (b1 & 0x3F), ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F))
        hit = _IS_SPACE[np.minimum(cp, _SPACE_LIMIT)]
        for width, sel in ((2, hit & two), (3, hit & ~two)):
            for k in range(width):
                mask[lead[sel] + k] = True
    return mask


def _character_starts(buf: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The first byte of the UTF-8 character that holds each byte position."""
    out = positions
    for _ in range(3):  # a character has at most three continuation bytes
        out = np.where((buf[out] & 0xC0) == 0x80, out - 1, out)
    return out


def _distinct_sorted(values: np.ndarray) -> int:
    """Number of distinct values in a non-decreasing array."""
    return int(values.size and 1 + np.count_nonzero(values[1:] != values[:-1]))


def split_words_utf8(
    text: bytes, boundaries: np.ndarray, *, per_character: bool, breaks: np.ndarray | None = None
) -> tuple[int, int]:
    """(words, words split by a token boundary) in a UTF-8 text cut into tokens at `boundaries`.

    Words are maximal runs of non-whitespace characters, also ended at the byte positions
    `breaks` (line starts, when lines are concatenated); with `per_character`, every
    non-whitespace character is its own word. `boundaries` are the byte positions where a token
    ends, in non-decreasing order. A word is split when a boundary falls strictly inside it:
    when the tokens tile the text, that is exactly a word overlapped by two or more tokens
    (as `pieces_per_word` counts them), and a character cut between two tokens splits its word.
    """
    buf = np.frombuffer(text, dtype=np.uint8)
    word = ~whitespace_bytes(text)
    start = word & ((buf & 0xC0) != 0x80) if per_character else word.copy()
    if not per_character:
        start[1:] &= ~word[:-1]
        if breaks is not None and breaks.size:
            breaks = breaks[breaks < buf.size]
            start[breaks] = word[breaks]
    b = boundaries[(boundaries > 0) & (boundaries < buf.size)]
    inside = b[word[b] & ~start[b]]  # byte b continues the word of byte b - 1
    if per_character:
        return int(np.count_nonzero(start)), _distinct_sorted(_character_starts(buf, inside))
    word_of = np.cumsum(start, dtype=np.int32 if buf.size < 2**31 else np.int64)[inside]
    return int(np.count_nonzero(start)), _distinct_sorted(word_of)


def covered_characters(starts: np.ndarray, ends: np.ndarray, n_chars: int) -> int:
    """Number of distinct character positions in [0, n_chars) covered by the spans [starts, ends).

    Overlapping spans (e.g. several byte-fallback tokens of one character) count each character once.
    """
    if starts.size == 0:
        return 0
    delta = np.zeros(n_chars + 1, dtype=np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, ends, -1)
    return int(np.count_nonzero(np.cumsum(delta[:-1]) > 0))
