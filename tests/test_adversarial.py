"""Adversarial cases: a trap known by construction, real tokenizers, independent re-verification, gates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokkit.attacks.cases import Case, misleading, r2l_groups, spanning, unicode_variants, unit_spans
from tokkit.cli import app

runner = CliRunner()


def _trap_tokenizer(tmp_path: Path) -> Path:
    """A BPE that knows "stable" and "move" well but has never seen "moves" next to "table"."""
    lines = ["stable stable table move move"] * 300 + ["moves tables"] * 3
    corpus = tmp_path / "trap.txt"
    corpus.write_text("\n".join(lines) + "\n")
    out = tmp_path / "trap-tok"
    result = runner.invoke(app, ["train", str(corpus), "--vocab-size", "280", "--min-frequency", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_trap_known_by_construction(tmp_path: Path) -> None:
    tok = _trap_tokenizer(tmp_path)
    words = tmp_path / "words.txt"
    words.write_text("moves\ntable\nstable\nmove\n")
    cases = tmp_path / "cases.jsonl"
    result = runner.invoke(app, ["adversarial", "generate", str(tok), "--lang", "en", "--words", str(words),
                                 "--n", "10", "-o", str(cases), "-f", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in cases.read_text().splitlines()]
    hit = next(r for r in records if r["text"] == "movestable")
    assert hit["intended_units"] == ["moves", "table"] and hit["control_text"] == "moves table"
    assert hit["spanning_tokens"] == ["stable"] and hit["trap_word"] == "stable"
    assert hit["canonical_tokens"] == ["move", "stable"]
    assert (tmp_path / "cases.jsonl.meta.json").is_file()


@pytest.mark.parametrize("name,lang", [("cl100k_base", "en"), ("qwen2.5", "zh")])
def test_real_tokenizers_and_independent_reverification(tmp_path: Path, name: str, lang: str) -> None:
    from tokkit.io.tokenizers import load_tokenizer

    cases = tmp_path / "cases.jsonl"
    result = runner.invoke(app, ["adversarial", "generate", name, "--lang", lang, "--n", "40", "-o", str(cases)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in cases.read_text("utf-8").splitlines()]
    boundary = [r for r in records if r["family"] == "boundary"]
    assert len(boundary) == 40 and len({r["text"] for r in records}) == len(records)
    tok = load_tokenizer(name)
    for r in boundary + [r for r in records if r["family"] == "number"]:
        # independent of tokkit's span code: rebuild spans from the decoded tokens themselves
        ids = tok.encode(r["text"])
        pieces = [tok.decode([i]) for i in ids]
        if "\ufffd" in "".join(pieces):
            continue  # partial characters: no standalone text to compare
        assert "".join(pieces) == r["text"]
        starts, pos = [], 0
        for p in pieces:
            starts.append(pos)
            pos += len(p)
        ends = [s + len(p) for s, p in zip(starts, pieces)]
        crossing = [pieces[i] for i in spanning(starts, ends, [tuple(u) for u in r["units"]])]
        assert crossing == r["spanning_tokens"] and crossing
        control_ids = tok.encode(r["control_text"])
        assert control_ids != ids
    result = runner.invoke(app, ["adversarial", "evaluate", name, "tekken", "--cases", str(cases), "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = {(x["tokenizer"], x["family"]): x for x in json.loads(result.stdout)}
    assert rows[(name, "boundary")]["violation_rate"] == 1.0  # generated from its own vocabulary
    assert 0 <= rows[("tekken", "boundary")]["violation_rate"] <= 1


def test_fail_above_gate(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    runner.invoke(app, ["adversarial", "generate", "cl100k_base", "--lang", "en", "--n", "10", "-o", str(cases)])
    result = runner.invoke(
        app, ["adversarial", "evaluate", "cl100k_base", "--cases", str(cases), "--fail-above", "0.5"]
    )
    assert result.exit_code == 3 and "gate failed" in result.stderr
    result = runner.invoke(app, ["adversarial", "evaluate", "cl100k_base", "--cases", str(cases), "--fail-above", "1"])
    assert result.exit_code == 0


def test_pure_helpers() -> None:
    assert r2l_groups("1234567") == ["1", "234", "567"] and r2l_groups("123456") == ["123", "456"]
    text, units = unit_spans(["moves", "table"], " ")
    assert text == "moves table" and units == [(0, 5), (6, 11)]
    assert spanning([0, 4, 10], [4, 10, 11], [(0, 5), (5, 10), (10, 11)]) == [1]
    # 一个|人: 一个人 [0,3) covers both units exactly (a superword); 个人 [1,3) starts inside 一个
    assert spanning([0], [3], [(0, 2), (2, 3)]) == [0] and misleading([0], [3], [(0, 2), (2, 3)]) == []
    assert misleading([0, 1], [1, 3], [(0, 2), (2, 3)]) == [1]
    assert misleading([0, 4], [4, 11], [(0, 5), (5, 10), (10, 11)]) == [1]  # "stable" cuts into "moves"
    kinds = dict(unicode_variants("café"))
    assert kinds["nfd"] != "café" and "\u200b" in kinds["zero-width"] and "\u0430" in kinds["homoglyph"]
    case = Case("x", "eng", "boundary", "ab", ["a", "b"], ["ab"], ["ab"], None, "a b", [(0, 1), (1, 2)])
    assert Case.from_record(json.loads(json.dumps(case.record()))) == case


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "no records"),
        ("{not json\n", "not valid JSON"),
        ('{"text": "x"}\n', "not a cases file"),
        ("[1]\n", "not a JSON object"),
    ],
)
def test_bad_cases_files(tmp_path: Path, content: str, message: str) -> None:
    p = tmp_path / "cases.jsonl"
    p.write_text(content)
    result = runner.invoke(app, ["adversarial", "evaluate", "cl100k_base", "--cases", str(p)])
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output


def test_language_without_word_list(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["adversarial", "generate", "cl100k_base", "--lang", "sw", "-o", str(tmp_path / "c.jsonl")]
    )
    assert result.exit_code == 2 and "--words" in result.stderr
    assert not (tmp_path / "c.jsonl").exists()


def test_tokenizer_without_vocabulary_and_model_that_does_not_load(tmp_path: Path) -> None:
    from conftest import wordlevel_json

    empty = wordlevel_json(tmp_path, {"[UNK]": 0})
    result = runner.invoke(
        app, ["adversarial", "generate", str(empty), "--lang", "en", "-o", str(tmp_path / "c.jsonl")]
    )
    assert result.exit_code == 2 and "no vocabulary entries" in result.stderr
    cases = tmp_path / "cases.jsonl"
    runner.invoke(app, ["adversarial", "generate", "cl100k_base", "--lang", "en", "--n", "5", "-o", str(cases)])
    broken = tmp_path / "model"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    result = runner.invoke(
        app, ["adversarial", "evaluate", "cl100k_base", "--cases", str(cases), "--model", str(broken)]
    )
    assert result.exit_code == 2 and "no weights" in result.stderr and "Traceback" not in result.output


def test_spaced_languages_get_several_writing_styles(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    runner.invoke(app, ["adversarial", "generate", "cl100k_base", "--lang", "en", "--n", "40", "-o", str(cases)])
    texts = [json.loads(x)["text"] for x in cases.read_text().splitlines() if '"boundary"' in x]
    assert any(t.startswith("#") for t in texts) and any(t.startswith("www.") for t in texts)
    assert any(t.isalpha() and t.islower() for t in texts)  # plain run-together words too


def test_zh_boundary_cases_cut_into_words_not_superwords(tmp_path: Path) -> None:
    """Qwen2.5 has 一个人, 没有人, ... as single tokens: pairs whose crossing tokens only cover whole
    words are dropped, every kept case has a token with an end strictly inside a word (rebuilt
    here from the decoded tokens), and --n is still met."""
    from tokkit.attacks.score import judge
    from tokkit.io.tokenizers import load_tokenizer

    cases = tmp_path / "cases.jsonl"
    result = runner.invoke(app, ["adversarial", "generate", "qwen2.5", "--lang", "zh", "--n", "60", "--n-other", "0",
                                 "-o", str(cases), "-f", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "superwords" in result.stderr  # the dropped pairs are counted
    records = [json.loads(line) for line in cases.read_text("utf-8").splitlines()]
    assert len(records) == 60
    tok = load_tokenizer("qwen2.5")
    for r in records:
        pieces = [tok.decode([i]) for i in tok.encode(r["text"])]
        assert "".join(pieces) == r["text"]
        starts = [sum(len(p) for p in pieces[:k]) for k in range(len(pieces))]
        ends = [s + len(p) for s, p in zip(starts, pieces)]
        units = [tuple(u) for u in r["units"]]
        assert any(any(a < s < b or a < e < b for a, b in units) for s, e in
                   ((starts[i], ends[i]) for i in spanning(starts, ends, units)))  # fmt: skip
        assert judge(tok, Case.from_record(r)).violated
    superword = Case("s", "zh", "boundary", "一个人", ["一个", "人"], [], [], None, "一个 人", [(0, 2), (2, 3)])
    assert tok.encode("一个人") == [tok.encode("一个人")[0]] and not judge(tok, superword).violated


def test_generate_says_when_the_vocabulary_allows_fewer_cases(tmp_path: Path) -> None:
    tok = _trap_tokenizer(tmp_path)
    words = tmp_path / "words.txt"
    words.write_text("moves\ntable\nstable\nmove\n")
    cases = tmp_path / "cases.jsonl"
    result = runner.invoke(app, ["adversarial", "generate", str(tok), "--lang", "en", "--words", str(words),
                                 "--n", "50", "-o", str(cases)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "of the 50 boundary cases asked for" in result.stderr
