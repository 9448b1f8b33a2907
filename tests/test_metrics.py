"""Every metric against a hand-computed example, plus properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokkit.evaluation.metrics import (
    bytes_per_token,
    chars_per_token,
    covered_characters,
    fertility,
    flag_share,
    mb_per_s,
    mean_increase,
    mean_spanning_tokens,
    paired_p_values,
    pieces_per_word,
    ratio,
    renyi_efficiency,
    renyi_entropy,
    split_word_share,
    split_words_utf8,
    token_premiums,
    unk_share,
    violation_rate,
    vocab_used,
    whitespace_bytes,
    word_spans,
)
from tokkit.io.tokenizers import char_spans_from_byte_lengths

counts_st = st.lists(st.integers(0, 1000), min_size=2, max_size=40).filter(lambda c: sum(1 for x in c if x) >= 2)


def test_renyi_entropy_hand_computed() -> None:
    counts = np.array([1, 1, 3])  # p = (0.2, 0.2, 0.6)
    assert renyi_entropy(counts, 2.0) == pytest.approx(-math.log2(0.04 + 0.04 + 0.36))
    shannon = -(2 * 0.2 * math.log2(0.2) + 0.6 * math.log2(0.6))
    assert renyi_entropy(counts, 1.0) == pytest.approx(shannon)
    assert renyi_entropy(counts, 0.0) == pytest.approx(math.log2(3))
    assert renyi_entropy(counts, 2.5) == pytest.approx(math.log2(2 * 0.2**2.5 + 0.6**2.5) / (1 - 2.5))


def test_renyi_efficiency_hand_computed() -> None:
    counts = np.array([1, 0, 1, 3])  # the zero count is not a used type
    assert renyi_efficiency(counts, 2.0) == pytest.approx(-math.log2(0.44) / math.log2(3))
    assert renyi_efficiency(counts, 1.0) == pytest.approx(1.3709505944546687 / math.log2(3))
    assert renyi_efficiency(np.array([5, 5, 5, 5]), 2.5) == pytest.approx(1.0)
    assert math.isnan(renyi_efficiency(np.array([7, 0]), 2.5))


@given(counts_st)
def test_renyi_is_continuous_at_alpha_one(counts: list[int]) -> None:
    c = np.array(counts)
    assert renyi_efficiency(c, 1.0) == pytest.approx(renyi_efficiency(c, 1.0 + 1e-7), abs=1e-4)
    assert renyi_efficiency(c, 1.0) == pytest.approx(renyi_efficiency(c, 1.0 - 1e-7), abs=1e-4)


@given(counts_st, st.floats(0.0, 10.0))
def test_renyi_efficiency_is_in_unit_interval_and_decreasing_in_alpha(counts: list[int], alpha: float) -> None:
    c = np.array(counts)
    e = renyi_efficiency(c, alpha)
    assert -1e-9 <= e <= 1 + 1e-9
    assert renyi_efficiency(c, alpha + 0.5) <= e + 1e-9


def test_token_premiums_hand_computed() -> None:
    assert token_premiums({"eng": 100, "tur": 190, "zho": 50}, reference="eng") == {
        "eng": 1.0,
        "tur": 1.9,
        "zho": 0.5,
    }
    with pytest.raises(ValueError, match="reference"):
        token_premiums({"eng": 1}, reference="deu")


@given(
    st.dictionaries(st.sampled_from(["eng", "deu", "tur", "zho"]), st.integers(1, 10**6), min_size=1),
    st.integers(2, 1000),
)
def test_premium_is_invariant_to_duplicating_the_corpus(n_tokens: dict[str, int], k: int) -> None:
    ref = next(iter(n_tokens))
    once = token_premiums(n_tokens, reference=ref)
    many = token_premiums({lang: n * k for lang, n in n_tokens.items()}, reference=ref)
    assert many == pytest.approx(once)


def test_ratio() -> None:
    assert ratio(3, 4) == 0.75
    assert math.isnan(ratio(1, 0))


def test_word_spans_whitespace_and_characters() -> None:
    text = "  ab c\u3000de\n"
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    starts, ends = word_spans(cps, per_character=False)
    assert [text[s:e] for s, e in zip(starts, ends)] == ["ab", "c", "de"]
    starts, ends = word_spans(cps, per_character=True)
    assert [text[s:e] for s, e in zip(starts, ends)] == ["a", "b", "c", "d", "e"]


def test_pieces_per_word_hand_computed() -> None:
    # text "unbelievable a" tokenised as [un][believ][able][ a]: word 1 has 3 pieces, word 2 has 1
    starts, ends = np.array([0, 2, 8, 12]), np.array([2, 8, 12, 14])
    w_starts, w_ends = np.array([0, 13]), np.array([12, 14])
    assert pieces_per_word(starts, ends, w_starts, w_ends).tolist() == [3, 1]
    # a zero-width token covers nothing; a token spanning two words counts for both
    starts, ends = np.array([0, 0, 3]), np.array([0, 5, 6])
    assert pieces_per_word(starts, ends, np.array([0, 4]), np.array([3, 6])).tolist() == [1, 2]


spans_st = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 6)), max_size=30)


@given(spans_st, spans_st)
def test_pieces_per_word_matches_brute_force(tokens: list[tuple[int, int]], words: list[tuple[int, int]]) -> None:
    ts = np.array([s for s, _ in tokens], dtype=np.int64)
    te = np.array([s + n for s, n in tokens], dtype=np.int64)
    ws = np.array([s for s, _ in words], dtype=np.int64)
    we = np.array([s + n + 1 for s, n in words], dtype=np.int64)
    expected = [sum(1 for s, e in zip(ts, te) if e > s and s < b and e > a) for a, b in zip(ws, we)]
    assert pieces_per_word(ts, te, ws, we).tolist() == expected


def test_covered_characters_counts_each_character_once() -> None:
    # three byte-fallback tokens of one character at 2, plus a span 5..8
    assert covered_characters(np.array([2, 2, 2, 5]), np.array([3, 3, 3, 8]), 10) == 4
    assert covered_characters(np.array([], dtype=np.int64), np.array([], dtype=np.int64), 10) == 0


# text whose characters are drawn from ASCII, Latin-1 (with U+0085, U+00A0), 3-byte spaces and CJK, emoji
text_st = st.text(
    st.one_of(
        st.characters(max_codepoint=0x17F),
        st.sampled_from("\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\u3001é日本\U0001f600\x1c\x1f"),
    ),
    max_size=40,
)


@given(text_st)
def test_whitespace_bytes_matches_str_isspace(text: str) -> None:
    expected = [c.isspace() for c in text for _ in c.encode("utf-8")]
    assert whitespace_bytes(text.encode("utf-8")).tolist() == expected


def test_split_words_utf8_hand_computed() -> None:
    text = "ab cd\u00a0é".encode()  # é is two bytes (7, 8); U+00A0 is a space
    # tokens [a][b cd][\xa0][é]: "ab" is cut at 1; "cd" and "é" are whole
    assert split_words_utf8(text, np.array([1, 5, 7, 9]), per_character=False) == (3, 1)
    # a cut inside é splits it; per character, "a" "b" "c" "d" "é" are five words
    assert split_words_utf8(text, np.array([1, 5, 7, 8, 9]), per_character=False) == (3, 2)
    assert split_words_utf8(text, np.array([1, 5, 7, 8, 9]), per_character=True) == (5, 1)
    assert split_words_utf8(b"", np.array([], dtype=np.int64), per_character=False) == (0, 0)


@given(text_st, st.lists(st.integers(0, 200), max_size=20), st.booleans())
def test_byte_split_counts_equal_character_span_counts(text: str, cuts: list[int], per_character: bool) -> None:
    """Counting in bytes gives what `word_spans` + `pieces_per_word` give on character spans."""
    raw = text.encode("utf-8")
    bounds = sorted({c for c in cuts if 0 < c < len(raw)} | {len(raw)}) if raw else []
    nbytes = np.diff([0, *bounds]).astype(np.int64)
    starts, ends = char_spans_from_byte_lengths([text], np.array([nbytes.size]), nbytes)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    w_starts, w_ends = word_spans(cps, per_character=per_character)
    pieces = pieces_per_word(starts, ends, w_starts, w_ends)
    expected = (int(pieces.size), int(np.count_nonzero(pieces >= 2)))
    assert split_words_utf8(raw, np.array(bounds, dtype=np.int64), per_character=per_character) == expected


@given(st.lists(st.tuples(text_st, st.lists(st.integers(0, 60), max_size=6)), max_size=5), st.booleans())
def test_split_words_utf8_on_concatenated_lines_equals_the_sum_per_line(
    lines: list[tuple[str, list[int]]], per_character: bool
) -> None:
    total, texts, bounds, breaks = (0, 0), [], [], []
    offset = 0
    for text, cuts in lines:
        raw = text.encode("utf-8")
        own = sorted({c for c in cuts if 0 < c < len(raw)} | {len(raw)}) if raw else []
        words, split = split_words_utf8(raw, np.array(own, dtype=np.int64), per_character=per_character)
        total = (total[0] + words, total[1] + split)
        texts.append(raw)
        breaks.append(offset)
        bounds += [offset + b for b in own]
        offset += len(raw)
    got = split_words_utf8(
        b"".join(texts), np.array(bounds, dtype=np.int64), per_character=per_character,
        breaks=np.array(breaks, dtype=np.int64),
    )  # fmt: skip
    assert got == total


def test_per_token_and_per_word_metrics_hand_computed() -> None:
    # "unhäppy cats" cut as "un" | "häppy" | " cats": 13 bytes (ä is 2), 12 characters, 2 words, 3 tokens
    text = "unhäppy cats".encode()
    n_words, n_split = split_words_utf8(text, np.array([2, 8, 13]), per_character=False)
    assert (len(text), n_words, n_split) == (13, 2, 1)  # "unhäppy" is split, "cats" is not
    assert bytes_per_token(13, 3) == pytest.approx(13 / 3)
    assert chars_per_token(12, 3) == 4.0
    assert fertility(3, 2) == 1.5
    assert split_word_share(n_split, n_words) == 0.5
    assert math.isnan(fertility(3, 0)) and math.isnan(bytes_per_token(0, 0))


def test_unk_share_counts_unk_and_byte_fallback_characters() -> None:
    # 100 characters: 4 inside UNK tokens, 6 spelled by byte-fallback tokens
    assert unk_share(4, 100, 6) == 0.10
    assert unk_share(4, 100) == 0.04  # the UNK share of the premium rule, without fallback
    assert math.isnan(unk_share(0, 0))


def test_vocab_used_and_throughput_hand_computed() -> None:
    assert vocab_used(np.array([0, 5, 0, 1, 0, 0, 0, 2]), 10) == 0.3  # ids 1, 3, 7 of a vocabulary of 10
    assert mb_per_s(3_000_000, 1.5) == 2.0
    assert math.isnan(mb_per_s(3_000_000, 0.0))


def test_adversarial_metrics_hand_computed() -> None:
    assert violation_rate([True, False, True, True]) == 0.75
    assert mean_spanning_tokens([2, 0, 1, 1]) == 1.0
    assert math.isnan(violation_rate([])) and math.isnan(mean_spanning_tokens([]))
    case, control = np.array([2.0, 3.0, 4.5]), np.array([1.5, 3.0, 3.0])
    assert mean_increase(case, control) == pytest.approx((0.5 + 0.0 + 1.5) / 3)
    assert flag_share([True, None, False, True]) == pytest.approx(2 / 3)  # None: not tested
    assert math.isnan(flag_share([None, None]))


def test_paired_p_values_match_scipy_and_need_a_difference() -> None:
    from scipy import stats

    case, control = np.array([2.0, 3.1, 4.5, 2.2, 3.3]), np.array([1.5, 3.0, 3.0, 2.0, 3.4])
    p_w, p_t = paired_p_values(case, control)
    # Wilcoxon by hand: differences 0.5, 0.1, 1.5, 0.2, -0.1 → ranks of |d| 4, 1.5, 5, 3, 1.5; W- = 1.5
    assert stats.wilcoxon(case, control).statistic == 1.5
    assert p_w == stats.wilcoxon(case, control).pvalue
    d = case - control  # t = mean / (sd / sqrt(n))
    t = d.mean() / (d.std(ddof=1) / math.sqrt(5))
    assert p_t == pytest.approx(2 * stats.t.sf(abs(t), 4))
    assert all(math.isnan(p) for p in paired_p_values(case, case))
    assert all(math.isnan(p) for p in paired_p_values(case[:1], control[:1]))
