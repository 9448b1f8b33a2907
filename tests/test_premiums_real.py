"""Premiums of real offline tokenizers on the shipped parallel corpus vs an independent raw-library count."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokkit.evaluation.runner import count_tokens
from tokkit.io import catalog
from tokkit.io.corpora import open_corpus
from tokkit.io.tokenizers import load_tokenizer
from tokkit.tables import evaluation_table


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]


def _raw_counts(corpus_dir: Path, encode) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {p.stem: sum(len(encode(line)) for line in _lines(p)) for p in sorted(corpus_dir.glob("*.txt"))}


@pytest.fixture(scope="module")
def raw_cl100k():  # type: ignore[no-untyped-def]
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    from tokkit.io.tokenizers import TIKTOKEN_PATTERNS

    ranks = load_tiktoken_bpe(str(catalog.resolve("cl100k_base")))
    enc = tiktoken.Encoding(
        "cl100k-test", pat_str=TIKTOKEN_PATTERNS["cl100k_base"], mergeable_ranks=ranks, special_tokens={}
    )
    return enc.encode_ordinary


@pytest.fixture(scope="module")
def raw_tekken():  # type: ignore[no-untyped-def]
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer

    tekken = Tekkenizer.from_file(catalog.resolve("tekken"))
    return lambda line: tekken.encode(line, bos=False, eos=False)


@pytest.mark.parametrize("name,raw", [("cl100k_base", "raw_cl100k"), ("tekken", "raw_tekken")])
def test_premiums_match_an_independent_count(
    name: str, raw: str, request: pytest.FixtureRequest, corpora: Path
) -> None:
    encode = request.getfixturevalue(raw)
    corpus = open_corpus(corpora / "parallel")
    table = evaluation_table(
        count_tokens(load_tokenizer(name), corpus), reference="eng", parallel={corpus.name: True}
    ).table
    expected = _raw_counts(corpora / "parallel", encode)
    got = dict(zip(table.lang, table.n_tokens))
    assert got == expected
    premiums = dict(zip(table.lang, table.token_premium))
    for lang, n in expected.items():
        assert premiums[lang] == pytest.approx(n / expected["eng"], rel=1e-12)
    assert premiums["tur"] > 1.2  # Turkish costs English-centric tokenizers more tokens
