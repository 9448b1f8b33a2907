"""%TR / %Pure: hand-made cases, the zeyrek work-arounds, the CLI, and correlations with scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokkit.cli import app
from tokkit.evaluation.linguistic import ShortTokens, category, linguistic_counts
from tokkit.languages import fold_case
from tokkit.tokens import strip_markers

runner = CliRunner()
WORDS = ["çalışmak", "çalışıyor", "çalıştı", "gelmek", "geliyorum", "geldi", "kitaplarımızdan", "evde", "okula"]


@pytest.fixture(scope="module")
def turkish():  # type: ignore[no-untyped-def]
    from tokkit.io.oracles import load_oracle

    return load_oracle("tur")


@pytest.mark.parametrize("text", ["kitap", "lar", "ımız", "dan"])
def test_roots_and_suffixes_are_turkish_and_pure(turkish, text: str) -> None:  # type: ignore[no-untyped-def]
    assert turkish.is_valid(text) and turkish.is_pure(text)


def test_a_whole_word_is_turkish_but_not_pure(turkish) -> None:  # type: ignore[no-untyped-def]
    assert turkish.is_valid("kitaplarımızdan") and not turkish.is_pure("kitaplarımızdan")
    assert not turkish.is_valid("xqzt") and not turkish.is_pure("xqzt")


def test_markers_of_every_family_are_stripped_alike() -> None:
    assert strip_markers("Ġkitap") == strip_markers("▁kitap") == strip_markers(" kitap") == "kitap"
    assert strip_markers("##lar") == "lar"
    assert fold_case("KİTAPLARI", "tur") == "kitapları" and fold_case("IĞDIR", "tr") == "ığdır"
    assert fold_case("KITAP", "eng") == "kitap"


def test_categories() -> None:
    assert [category(x) for x in ["kitap", " ", "", ",.", "12", "a1", "\ufffd", "€"]] == [
        "word", "space", "space", "punct", "digit", "digit", "byte", "punct",
    ]  # fmt: skip


def test_order_of_analysis_does_not_change_results(turkish) -> None:  # type: ignore[no-untyped-def]
    """zeyrek#42: analysing one form of a verb broke later forms; tokkit's copies fix it."""
    parse = turkish._analyser._parse

    def shapes(words: list[str]) -> dict[str, int]:
        return {w: len(parse(w)) for w in words}

    forward = shapes(WORDS)
    assert forward == shapes(list(reversed(WORDS))) == shapes(WORDS)
    assert forward["çalışıyor"] > 0 and forward["geliyorum"] > 0

    @settings(max_examples=20, deadline=None)
    @given(st.permutations(WORDS))
    def any_order(order: list[str]) -> None:
        assert shapes(order) == forward

    any_order()


def test_linguistic_counts_by_hand() -> None:
    verdicts = {"kitap": (True, True), "kitaplar": (True, False), "xqzt": (False, False), "da": (True, True),
                "qj": (True, True), "boom": None}  # fmt: skip
    counts = {"kitap": 3, "kitaplar": 2, "xqzt": 1, "da": 4, "qj": 5, "boom": 7, ",": 9, "12": 1, "": 2}
    lc = linguistic_counts(
        counts, verdicts.get, oracle="fake", is_short_word=lambda t: t == "da", excluded={"special": 1, "byte": 2}
    )
    # judged types: kitap, kitaplar, xqzt, da, qj (a short non-word: invalid under "strict"); boom unanalysable
    assert (lc.n_types, lc.n_lang_types, lc.n_pure_types, lc.n_unanalysable) == (5, 3, 2, 1)
    assert (lc.n_tokens, lc.n_lang_tokens, lc.n_pure_tokens) == (15, 9, 7)
    assert lc.percentages() == pytest.approx(
        {"pct_lang_token": 60.0, "pct_lang_type": 60.0, "pct_pure_token": 100 * 7 / 15, "pct_pure_type": 40.0}
    )
    assert lc.excluded_types == {"special": 1, "byte": 2, "space": 1, "punct": 1, "digit": 1, "short": 0}
    judged = linguistic_counts(counts, verdicts.get, oracle="fake", is_short_word=lambda t: False,
                               short_tokens=ShortTokens.JUDGE)  # fmt: skip
    assert (judged.n_types, judged.n_lang_types) == (5, 4)
    dropped = linguistic_counts(counts, verdicts.get, oracle="fake", is_short_word=lambda t: False,
                                short_tokens=ShortTokens.EXCLUDE)  # fmt: skip
    assert (dropped.n_types, dropped.excluded_types["short"]) == (3, 2)


def test_cli_turkish_tokenizer_beats_english_centric(tmp_path: Path, corpora: Path) -> None:
    out = tmp_path / "tr"
    result = runner.invoke(app, ["train", str(corpora / "tr"), "--vocab-size", "2000", "-o", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        [
            "evaluate",
            "cl100k_base",
            str(out),
            "-c",
            str(corpora / "parallel" / "tur.txt"),
            "--lang",
            "tr",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {r["tokenizer"]: r for r in json.loads(result.stdout)}
    ours, cl100k = rows["tr"], rows["cl100k_base"]
    assert ours["oracle"] == "zeyrek+wordfreq"
    assert ours["pct_lang_token"] > cl100k["pct_lang_token"] + 3
    assert ours["pct_pure_token"] > cl100k["pct_pure_token"] + 3
    for r in (ours, cl100k):
        assert 0 < r["pct_pure_type"] <= 100 and r["n_types"] > 100 and r["n_punct_types"] > 0


def test_cli_unsupported_language(tmp_path: Path, corpora: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_text("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "cl100k_base", "-c", str(p), "--lang", "chr", "--metrics", "linguistic"])
    assert result.exit_code == 2 and "no %TR/%Pure oracle" in result.stderr and "tur" in result.stderr
    result = runner.invoke(app, ["evaluate", "cl100k_base", "-c", str(p), "--lang", "chr", "-f", "json"])
    assert result.exit_code == 0 and "no %TR/%Pure" in result.stderr
    assert json.loads(result.stdout)[0]["oracle"] is None


def test_scores_correlation(tmp_path: Path, corpora: Path) -> None:
    d = tmp_path / "c"
    d.mkdir()
    (d / "eng.txt").write_text((corpora / "parallel" / "eng.txt").read_text("utf-8"), "utf-8")
    names = ["cl100k_base", "tekken", "mistral-v1", "llama-3"]
    scores = tmp_path / "scores.csv"
    scores.write_text("tokenizer,score\ncl100k_base,0.5\ntekken,0.7\nmistral-v1,0.2\nllama-3,0.6\n")
    result = runner.invoke(app, ["evaluate", *names, "-c", str(d), "--scores", str(scores), "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["metric"]: r for r in json.loads(result.stdout)}
    table = json.loads(runner.invoke(app, ["evaluate", *names, "-c", str(d), "-f", "json"]).stdout)
    x = np.array([next(r["bytes_per_token"] for r in table if r["tokenizer"] == n) for n in names])
    y = np.array([0.5, 0.7, 0.2, 0.6])
    assert rows["bytes_per_token"]["n"] == 4
    assert rows["bytes_per_token"]["pearson_r"] == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert 0 <= rows["bytes_per_token"]["pearson_p"] <= 1
    bad = tmp_path / "bad.csv"
    bad.write_text("name,value\na,1\n")
    result = runner.invoke(app, ["evaluate", "tekken", "-c", str(d), "--scores", str(bad)])
    assert result.exit_code == 2 and "tokenizer,score" in result.stderr


def test_morfessor_oracle_is_trained_once_and_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokkit.io.oracles import MorfessorOracle

    monkeypatch.setenv("TOKKIT_CACHE", str(tmp_path))
    oracle = MorfessorOracle.load("eng", n_words=400)
    cached = tmp_path / "morfessor" / "eng-400.pickle"
    assert cached.is_file()
    assert oracle.is_valid("the") and oracle.is_pure("the") and not oracle.is_valid("xqzt")
    again = MorfessorOracle.load("eng", n_words=400)
    assert again.segments("nation") == oracle.segments("nation")


def test_wordfreq_fallback_languages_are_refused() -> None:
    from tokkit.errors import InputError
    from tokkit.io.oracles import load_oracle, supported_languages

    assert "swa" not in supported_languages() and "tur" in supported_languages() and "eng" in supported_languages()
    with pytest.raises(InputError, match="no %TR/%Pure oracle"):
        load_oracle("swa")  # wordfreq would silently answer with English
