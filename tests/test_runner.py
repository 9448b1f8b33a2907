"""count_tokens + evaluation_table on tiny corpora whose numbers are computed by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import wordlevel_json, wordpiece_json

from tokkit.evaluation.runner import count_tokens
from tokkit.io.corpora import open_corpus
from tokkit.io.tokenizers import load_tokenizer
from tokkit.tables import EVALUATE_COLUMNS, evaluation_table


def _write(d: Path, name: str, text: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    p.write_text(text, encoding="utf-8")
    return p


def test_wordlevel_counts_by_hand(tmp_path: Path) -> None:
    tok = load_tokenizer(str(wordlevel_json(tmp_path, {"[UNK]": 0, "a": 1, "b": 2})))
    corpus = open_corpus(_write(tmp_path / "c", "eng.txt", "a b c\nb b\n"))
    [c] = count_tokens(tok, corpus)
    # tokens [a b UNK] [b b]; chars 5 + 3; "c" is UNK
    assert (c.n_lines, c.n_chars, c.n_bytes, c.n_words, c.n_tokens) == (2, 8, 8, 5, 5)
    assert (c.n_split_words, c.n_unk_chars, c.n_fallback_chars) == (0, 1, 0)
    assert c.token_counts.tolist() == [1, 1, 3]
    row = evaluation_table([c], reference=None, parallel={}).table.iloc[0]
    assert row.bytes_per_token == pytest.approx(8 / 5)
    assert row.fertility == pytest.approx(1.0)
    assert row.unk_share == pytest.approx(1 / 8)
    assert row.vocab_used == pytest.approx(1.0)
    assert row.renyi_efficiency == pytest.approx(math.log2(2 * 0.2**2.5 + 0.6**2.5) / (1 - 2.5) / math.log2(3))
    assert math.isnan(row.token_premium)


def test_wordpiece_split_words_by_hand(tmp_path: Path) -> None:
    vocab = {"[UNK]": 0, "un": 1, "##believ": 2, "##able": 3, "a": 4, "é": 5}
    tok = load_tokenizer(str(wordpiece_json(tmp_path, vocab)))
    corpus = open_corpus(_write(tmp_path / "c", "eng.txt", "unbelievable a é\n"))
    [c] = count_tokens(tok, corpus)
    assert (c.n_words, c.n_tokens, c.n_split_words) == (3, 5, 1)
    assert (c.n_chars, c.n_bytes) == (16, 17)
    row = evaluation_table([c], reference=None, parallel={}).table.iloc[0]
    assert row.fertility == pytest.approx(5 / 3)
    assert row.split_word_share == pytest.approx(1 / 3)
    assert row.chars_per_token == pytest.approx(16 / 5)


def test_premiums_on_a_parallel_corpus_by_hand(tmp_path: Path) -> None:
    tok = load_tokenizer(str(wordlevel_json(tmp_path, {"[UNK]": 0, "a": 1, "b": 2})))
    d = tmp_path / "par"
    _write(d, "eng.txt", "a b\na\n")  # 3 tokens
    _write(d, "deu.txt", "a a a\nb b b\n")  # 6 tokens
    _write(d, "zho.txt", "ab\nba\n")  # 2 tokens, both UNK: premium blanked
    corpus = open_corpus(d)
    assert corpus.is_parallel
    result = evaluation_table(count_tokens(tok, corpus), reference="eng", parallel={corpus.name: True})
    premium = dict(zip(result.table.lang, result.table.token_premium))
    assert premium["eng"] == 1.0 and premium["deu"] == 2.0
    assert math.isnan(premium["zho"])
    assert any("zho" in n and "UNK" in n for n in result.notes)
    assert list(result.table.columns) == EVALUATE_COLUMNS
    # zho is written without spaces: words are characters
    zho = result.table.set_index("lang").loc["zho"]
    assert (zho.word_unit, zho.n_words) == ("character", 4)


def test_byte_fallback_characters_are_counted_once(tmp_path: Path) -> None:
    tok = load_tokenizer("mistral-v1")
    corpus = open_corpus(_write(tmp_path / "c", "eng.txt", "a \U0001fab8 b\n"))  # a rare emoji: 4 byte tokens
    [c] = count_tokens(tok, corpus)
    assert c.n_fallback_chars == 1 and c.n_unk_chars == 0
    assert c.n_tokens == len(tok.encode("a \U0001fab8 b"))


def test_duplicating_the_corpus_keeps_premiums(tmp_path: Path, corpora: Path) -> None:
    tok = load_tokenizer("cl100k_base")
    once, twice = tmp_path / "once", tmp_path / "twice"
    for lang in ("eng", "tur", "zho"):
        text = (corpora / "parallel" / f"{lang}.txt").read_text(encoding="utf-8")
        _write(once, f"{lang}.txt", text)
        _write(twice, f"{lang}.txt", text + text)
    p1 = evaluation_table(count_tokens(tok, open_corpus(once)), reference="eng", parallel={"once": True}).table
    p2 = evaluation_table(count_tokens(tok, open_corpus(twice)), reference="eng", parallel={"twice": True}).table
    assert p1.token_premium.tolist() == pytest.approx(p2.token_premium.tolist())
    assert (p2.n_tokens == 2 * p1.n_tokens).all()


MIXED = [
    "Cafe\u0301 au lait\u00a0: 12 345,67 €",  # NFD: not exact for an NFC-normalising tokenizer
    "naïve  coöperation\tdone",
    "日本語のテキスト、そして\u3000全角スペース",
    "ภาษาไทย 😀 emoji",
    "a\x1cb\u2028c",
]


@pytest.mark.parametrize("name", ["mistral-v1", "cl100k_base", "qwen2.5", "tiny-bpe"])
@pytest.mark.parametrize("text", ["shipped", "mixed"])
def test_byte_counting_equals_library_offsets(name: str, text: str, tiny_bpe_path: Path, tmp_path: Path) -> None:
    """Counts from token surface bytes equal counts from the library's own character offsets."""
    from dataclasses import asdict

    if text == "mixed":
        corpus = open_corpus(_write(tmp_path, "eng.txt", "\n".join(MIXED * 30) + "\n"))
    else:
        corpus = open_corpus(Path(__file__).parent.parent / "corpora" / "parallel").select(
            ["eng", "hin", "jpn", "tha", "zho", "fra", "ell"]
        )
    spec = str(tiny_bpe_path) if name == "tiny-bpe" else name
    fast, slow = load_tokenizer(spec), load_tokenizer(spec)
    assert fast.surfaces is not None
    slow.surfaces = None  # the library's offsets (tiktoken has none: spans from its token bytes)
    skip = {"encode_seconds", "token_counts"}
    for a, b in zip(count_tokens(fast, corpus, batch_size=64), count_tokens(slow, corpus, batch_size=64), strict=True):
        assert {k: v for k, v in asdict(a).items() if k not in skip} == {k: v for k, v in asdict(b).items() if k not in skip}
        assert np.array_equal(a.token_counts, b.token_counts)
