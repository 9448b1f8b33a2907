"""`--counting fast`: tiktoken built from a byte-level BPE's vocabulary gives the library's ids, line by line."""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokkit.cli import app
from tokkit.errors import InputError
from tokkit.evaluation.counting import Counting, choose_counting
from tokkit.evaluation.runner import IdMasks, _Accumulator, count_tokens, nfc_view
from tokkit.io.corpora import open_corpus
from tokkit.io.tokenizers import load_tokenizer
from tokkit.io.tokenizers.fast_bpe import PROBE_LINES, FastBPE, NotExpressible, fast_plan

runner = CliRunner()
CORPORA = Path(__file__).resolve().parents[1] / "corpora"
# Every real tokenizer tests load, and the path each takes: tiktoken for byte-level BPE it can express.
EXPECTED = {
    "qwen2.5": "fast",
    "llama-3": "fast",
    "cl100k_base": "fast",
    "tekken": "fast",
    "deepseek-v3": "exact",  # three Split steps in a row
    "mistral-v1": "exact",  # SentencePiece
    "minilm": "exact",  # WordPiece with a BERT normaliser
}


@functools.cache
def _loaded(name: str):  # type: ignore[no-untyped-def]
    """A tokenizer switched to the fast path where it can take it, and the path it took."""
    tok = load_tokenizer(name)
    return tok, choose_counting(tok, Counting.AUTO)


def _fast(name: str):  # type: ignore[no-untyped-def]
    return _loaded(name)[0]


def _lists(per_line) -> list[list[int]]:  # type: ignore[no-untyped-def]
    """Ids per line as lists (the fast path gives uint32 arrays)."""
    return [[int(i) for i in x] for x in per_line]


def _shipped_lines() -> list[str]:
    """Every non-empty line of every shipped corpus file (22 languages, English, Turkish, code, maths)."""
    return [line for p in sorted(CORPORA.rglob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines()]


def test_counting_path_of_every_real_tokenizer(smollm2_gguf: Path) -> None:
    for name, path in EXPECTED.items():
        assert _loaded(name)[1].path == path, name
    reasons = {n: _loaded(n)[1].reason for n in ("deepseek-v3", "mistral-v1")}
    assert "3 split steps" in reasons["deepseek-v3"]
    assert "sentencepiece" in reasons["mistral-v1"]
    smollm2 = choose_counting(load_tokenizer(str(smollm2_gguf)), Counting.AUTO)
    assert smollm2.path == "exact" and "lacks 21 of the 256" in smollm2.reason


@pytest.mark.parametrize("name", ["qwen2.5", "llama-3"])
def test_fast_ids_equal_the_library_on_every_shipped_line(name: str) -> None:
    tok = _fast(name)
    lines = _shipped_lines()
    assert len(lines) > 4000
    assert _lists(tok._ids_batch(lines)) == tok._library_ids(lines)


def test_fast_ids_of_small_trained_bpes(tiny_bpe_path: Path) -> None:
    """A BPE trained here (GPT-2 ByteLevel regex) and tokkit's own (one Split + ByteLevel)."""
    from tokkit.training.config import NumberScheme, TrainConfig
    from tokkit.training.hf import train_hf

    lines = _shipped_lines()
    tiny = load_tokenizer(str(tiny_bpe_path))
    assert choose_counting(tiny, Counting.FAST).path == "fast"
    assert _lists(tiny._ids_batch(lines)) == tiny._library_ids(lines)
    prose = (CORPORA / "en" / "prose.txt").read_text(encoding="utf-8").splitlines()
    trained = train_hf(iter(prose), TrainConfig(vocab_size=800, numbers_option=NumberScheme.NONE))
    from tokkit.io.tokenizers import HFTokenizer

    tok = HFTokenizer(trained, name="trained", source="memory", files=())
    assert choose_counting(tok, Counting.FAST).path == "fast"
    assert _lists(tok._ids_batch(lines)) == tok._library_ids(lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40), min_size=1, max_size=8))
def test_fast_ids_equal_the_library_on_random_unicode(lines: list[str]) -> None:
    for name in ("qwen2.5", "llama-3"):
        tok = _fast(name)
        assert _lists(tok._ids_batch(lines)) == tok._library_ids(lines), name


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(" \t\n\r\u00a0'sdmtlvre0123456789aAéİı中ー-.,!?"), max_size=60))
def test_fast_ids_on_spacing_digit_and_contraction_soup(text: str) -> None:
    for name in ("qwen2.5", "llama-3"):
        tok = _fast(name)
        assert _lists(tok._ids_batch([text])) == tok._library_ids([text]), name


@pytest.mark.parametrize("name", ["llama-3", "qwen2.5"])  # qwen2.5 normalises to NFC
def test_counts_are_identical_fast_and_exact(name: str) -> None:
    corpus = open_corpus(CORPORA / "parallel")
    fast = count_tokens(_fast(name), corpus)
    exact_tok = load_tokenizer(name)
    assert choose_counting(exact_tok, Counting.EXACT).path == "exact"
    exact = count_tokens(exact_tok, corpus)
    assert len(fast) == len(exact) == 22
    for a, b in zip(fast, exact):
        assert np.array_equal(a.token_counts, b.token_counts)
        assert dataclasses.replace(a, encode_seconds=0.0, token_counts=None) == dataclasses.replace(
            b, encode_seconds=0.0, token_counts=None
        )


@functools.cache
def _exact(name: str):  # type: ignore[no-untyped-def]
    tok = load_tokenizer(name)
    choose_counting(tok, Counting.EXACT)
    return tok


def _batch_counts(tok, lines: list[str], text: list[str]) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    acc = _Accumulator(tok.vocab_size, per_character=False)
    acc.add(lines, tok.encode_surfaces(text), IdMasks.of(tok), text)
    nonzero = np.flatnonzero(acc.token_counts)
    return (acc.n_lines, acc.n_chars, acc.n_bytes, acc.n_words, acc.n_split_words, acc.n_unk_chars,
            acc.n_fallback_chars, *nonzero.tolist(), *acc.token_counts[nonzero].tolist())  # fmt: skip


# NFC at work: combining marks to compose and reorder, Bengali two-part vowels, Hangul jamo,
# singletons (Å, Ω, K signs), spaces NFC maps to other spaces (U+2000, U+2001), and plain text.
NFC_SOUP = "e\u0301a\u0308\u0323\u0307o\u031b\u0300 \u2000\u2001\t\u00a0\u09a6\u09c7\u09be\u09d7\u09bc\u1100\u1161\u11a8\u212b\u2126\u212aAx.9"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(NFC_SOUP), min_size=1, max_size=30), min_size=1, max_size=6))
def test_words_counted_in_the_nfc_text_equal_the_librarys_offsets(lines: list[str]) -> None:
    """The fast path of an NFC tokenizer counts words in NFC(line) (`nfc_view`); the exact path
    counts them in the line through the library's offsets: the counts are the same."""
    fast, exact = _fast("qwen2.5"), _exact("qwen2.5")
    assert fast.encodes_nfc_text and not exact.encodes_nfc_text
    assert _batch_counts(fast, lines, nfc_view(lines)) == _batch_counts(exact, lines, lines)


def test_nfc_view_keeps_normalised_batches_as_they_are() -> None:
    lines = ["already NFC é", "кириллица"]
    assert nfc_view(lines) is lines
    assert nfc_view(["e\u0301", "x"]) == ["\u00e9", "x"]


def _tiny_spec(tiny_bpe_path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(tiny_bpe_path.read_text(encoding="utf-8"))


def test_what_tiktoken_cannot_express(tiny_bpe_path: Path) -> None:
    spec = _tiny_spec(tiny_bpe_path)
    fast_plan(spec)  # expressible as it is
    cases = []
    s = copy.deepcopy(spec)
    s["normalizer"] = {"type": "Lowercase"}
    cases.append((s, "normalizer is Lowercase"))
    s = copy.deepcopy(spec)
    split = {"type": "Split", "pattern": {"Regex": r"\p{N}"}, "behavior": "Isolated", "invert": False}
    s["pre_tokenizer"] = {
        "type": "Sequence",
        "pretokenizers": [split, split, {**spec["pre_tokenizer"], "use_regex": False}],
    }
    cases.append((s, "2 split steps"))
    s = copy.deepcopy(spec)
    s["pre_tokenizer"]["add_prefix_space"] = True
    cases.append((s, "prefix space"))
    s = copy.deepcopy(spec)
    s["model"]["merges"] = s["model"]["merges"][::-1]
    cases.append((s, "do not follow the merge order"))
    s = copy.deepcopy(spec)
    s["model"]["merges"] = s["model"]["merges"][:-1]  # the last token can no longer be built
    cases.append((s, "cannot build"))
    s = copy.deepcopy(spec)
    del s["model"]["vocab"]["Ā"]
    cases.append((s, "lacks 1 of the 256"))
    for bad, message in cases:
        with pytest.raises(NotExpressible, match=message):
            fast_plan(bad)


def test_probe_names_the_first_line_that_differs(tiny_bpe_path: Path) -> None:
    fast = FastBPE(fast_plan(_tiny_spec(tiny_bpe_path)), name="tiny")
    tok = load_tokenizer(str(tiny_bpe_path))
    assert fast.probe(tok._library_ids) is None

    def off_by_one(lines: list[str]) -> list[list[int]]:
        out = tok._library_ids(lines)
        out[3] = [*out[3], 0]
        return out

    assert fast.probe(off_by_one) == PROBE_LINES[3]


def test_a_probe_difference_falls_back_to_the_library(tiny_bpe_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tok = load_tokenizer(str(tiny_bpe_path))
    monkeypatch.setattr(tok, "_library_ids", lambda lines: [[0] for _ in lines])
    path = choose_counting(tok, Counting.AUTO)
    assert path.path == "exact" and "differ" in path.reason
    with pytest.raises(InputError, match="cannot be counted with tiktoken"):
        choose_counting(load_tokenizer("mistral-v1"), Counting.FAST)


def test_cli_counting_flag_and_sidecar(tmp_path: Path) -> None:
    out = tmp_path / "fast.csv"
    args = ["evaluate", "llama-3", "cl100k_base", "-c", str(CORPORA / "parallel" / "tur.txt"), "-o", str(out)]
    result = runner.invoke(app, [*args, "--counting", "fast"])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "fast.csv.meta.json").read_text())
    assert meta["params"]["counting"] == "fast"
    assert {k: v["path"] for k, v in meta["params"]["counting_paths"].items()} == {
        "llama-3": "fast",
        "cl100k_base": "fast",
    }
    exact = tmp_path / "exact.csv"
    result = runner.invoke(app, [*args[:-1], str(exact), "--counting", "exact"])
    assert result.exit_code == 0, result.output
    assert (
        json.loads((tmp_path / "exact.csv.meta.json").read_text())["params"]["counting_paths"]["llama-3"]["path"]
        == "exact"
    )
    drop = lambda text: [line.rsplit(",", 2)[0] for line in text.splitlines()]  # noqa: E731  (mb_per_s differs)
    assert drop(out.read_text()) == drop(exact.read_text())


def test_cli_counting_fast_on_sentencepiece_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    args = ["evaluate", "mistral-v1", "-c", str(CORPORA / "en"), "--counting", "fast", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "cannot be counted with tiktoken" in result.stderr and "Traceback" not in result.output
    assert not out.exists()
