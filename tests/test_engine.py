"""`--engine dask`: counts of shards, merged per language, equal one count of the whole corpus.

The merge is checked by hand and by a property (any partition of the lines) without dask; the
engine itself runs on a local cluster of 2 worker processes, started once for this module.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import CORPORA
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokkit.cli import app
from tokkit.errors import InputError
from tokkit.evaluation.runner import LangCounts, count_tokens
from tokkit.evaluation.shard_sums import merge_counts
from tokkit.io.corpora import open_corpus
from tokkit.io.tokenizers import Tokenizer, load_tokenizer

runner = CliRunner()
LANGS = ("eng", "tur", "zho", "deu")


def _ok(args: list[str]) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def _fails(args: list[str], message: str) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.output
    return result


def _records(args: list[str]) -> list[dict[str, Any]]:
    records = json.loads(_ok([*args, "-f", "json"]).stdout)
    for r in records:
        assert r.pop("mb_per_s") > 0  # a measurement, not a count: it differs between runs
    return list(records)


def _lines(corpora: Path, lang: str, n: int = 60) -> list[str]:
    return (corpora / "parallel" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()[:n]


def _flat(root: Path, corpora: Path) -> Path:
    """`root/par/<lang>.txt`: the corpus as one file per language."""
    d = root / "par"
    d.mkdir(parents=True)
    for lang in LANGS:
        (d / f"{lang}.txt").write_text("\n".join(_lines(corpora, lang)) + "\n", encoding="utf-8")
    return d


def _sharded(root: Path, corpora: Path) -> Path:
    """`root/par/<lang>/part-N.txt`: the same lines cut into uneven shards, plus an empty shard."""
    d = root / "par"
    for k, lang in enumerate(LANGS):
        lines = _lines(corpora, lang)
        cuts = [0, 7 + k, 31, len(lines)]
        (d / lang).mkdir(parents=True)
        for i in range(3):
            (d / lang / f"part-{i}.txt").write_text("\n".join(lines[cuts[i] : cuts[i + 1]]) + "\n", encoding="utf-8")
        (d / lang / "part-3.txt").write_text("", encoding="utf-8")  # empty shards are skipped
    return d


def _counts(c: LangCounts) -> dict[str, Any]:
    """Everything but the corpus name and the measured encode time; arrays as lists."""
    d = {f.name: getattr(c, f.name) for f in dataclasses.fields(c) if f.name not in {"corpus", "encode_seconds"}}
    d["token_counts"] = c.token_counts.tolist()
    return d


# --------------------------------------------------------------------------------------------
# merge_counts, without dask


def _lc(lang: str, n: int, ids: list[int], *, tokenizer: str = "t", vocab: int = 3, seconds: float = 0.5) -> LangCounts:
    return LangCounts(
        tokenizer=tokenizer, corpus="c", lang=lang, word_unit="whitespace", n_lines=n, n_bytes=10 * n,
        n_chars=9 * n, n_words=2 * n, n_tokens=sum(ids), n_split_words=n, n_unk_chars=1, n_fallback_chars=0,
        vocab_size=vocab, encode_seconds=seconds, token_counts=np.array(ids, dtype=np.int64),
    )  # fmt: skip


def test_merge_counts_by_hand() -> None:
    a = _lc("eng", 2, [1, 2])  # n_tokens 3
    b = _lc("eng", 3, [0, 1, 3], vocab=4, seconds=0.25)  # n_tokens 4, a longer id array
    c = _lc("tur", 1, [5])
    d = _lc("eng", 4, [2], tokenizer="u")
    merged = merge_counts([a, c, b, d])
    assert [(m.tokenizer, m.lang) for m in merged] == [("t", "eng"), ("t", "tur"), ("u", "eng")]
    eng = merged[0]
    assert (eng.n_lines, eng.n_bytes, eng.n_chars, eng.n_words, eng.n_tokens) == (5, 50, 45, 10, 7)
    assert (eng.n_split_words, eng.n_unk_chars, eng.n_fallback_chars) == (5, 2, 0)
    assert eng.token_counts.tolist() == [1, 3, 3]
    assert eng.vocab_size == 4 and eng.encode_seconds == 0.75 and eng.word_unit == "whitespace"
    assert merged[1] is c and merged[2] is d  # a single part is passed through
    assert a.token_counts.tolist() == [1, 2] and b.token_counts.tolist() == [0, 1, 3]  # inputs unchanged
    assert merge_counts([]) == []


def test_merge_refuses_what_cannot_be_one_language() -> None:
    a = _lc("eng", 1, [1])
    with pytest.raises(ValueError, match="word_unit differs"):
        merge_counts([a, dataclasses.replace(a, word_unit="character")])


_TOKENIZERS: dict[Path, Tokenizer] = {}


def _tiny(path: Path) -> Tokenizer:
    if path not in _TOKENIZERS:
        _TOKENIZERS[path] = load_tokenizer(str(path))
    return _TOKENIZERS[path]


POOL = {lang: [*_lines(CORPORA, lang, 12), "", "   ", "a  b"] for lang in ("eng", "tur", "zho")}


@settings(max_examples=40, deadline=None)
@given(
    assignment=st.fixed_dictionaries(
        {lang: st.lists(st.integers(0, 3), min_size=len(lines), max_size=len(lines)) for lang, lines in POOL.items()}
    )
)
def test_merging_any_partition_equals_counting_all_lines(tiny_bpe_path: Path, assignment: dict[str, list[int]]) -> None:
    tok = _tiny(tiny_bpe_path)
    with tempfile.TemporaryDirectory() as tmp:
        whole, parts = Path(tmp, "whole"), Path(tmp, "parts")
        whole.mkdir()
        for lang, lines in POOL.items():
            (whole / f"{lang}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            (parts / lang).mkdir(parents=True)
            for shard in sorted(set(assignment[lang])):
                chosen = [line for line, s in zip(lines, assignment[lang]) if s == shard]
                (parts / lang / f"{shard}.txt").write_text("\n".join(chosen) + "\n", encoding="utf-8")
        expected = count_tokens(tok, open_corpus(whole))
        shards = open_corpus(parts).shards()
        merged = merge_counts(c for shard in shards for c in count_tokens(tok, shard, batch_size=5))
    assert sorted(map(str, map(_counts, merged))) == sorted(map(str, map(_counts, expected)))


# --------------------------------------------------------------------------------------------
# the shard layout


def test_shard_directories_are_one_language_each(tmp_path: Path, corpora: Path) -> None:
    corpus = open_corpus(_sharded(tmp_path, corpora))
    assert corpus.line_counts == {lang: 60 for lang in LANGS} and corpus.is_parallel
    assert len(corpus.files) == 12 and {f.lang for f in corpus.files} == set(LANGS)  # empty shards skipped
    assert [s.files for s in corpus.shards()] == [(f,) for f in corpus.files]
    assert all(s.name == "par" for s in corpus.shards())
    (tmp_path / "par" / ".cache").mkdir()  # hidden directories are not languages
    (tmp_path / "par" / ".cache" / "x.txt").write_text("x\n")
    assert len(open_corpus(tmp_path / "par").files) == 12
    (tmp_path / "par" / "eng.txt").write_text("hello\n")
    with pytest.raises(InputError, match="eng/ and another file or directory for language eng"):
        open_corpus(tmp_path / "par")


def test_a_directory_of_empty_shards_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "c" / "eng").mkdir(parents=True)
    (tmp_path / "c" / "eng" / "0.txt").write_text("")
    with pytest.raises(InputError, match="has only empty files"):
        open_corpus(tmp_path / "c")


# --------------------------------------------------------------------------------------------
# the engine, on a local cluster of 2 worker processes


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    pytest.importorskip("distributed")  # installed by the `test` extra
    from tokkit.evaluation.cluster import local_cluster

    with local_cluster(2) as cluster:
        yield str(cluster.scheduler_address)


def test_dask_equals_local_on_shards(tmp_path: Path, corpora: Path, tiny_bpe_path: Path, scheduler: str) -> None:
    flat, sharded = _flat(tmp_path / "a", corpora), _sharded(tmp_path / "b", corpora)
    toks = [str(tiny_bpe_path), "cl100k_base"]
    local = _records(["evaluate", *toks, "-c", str(flat)])
    assert len(local) == 8 and all(r["token_premium"] > 0 for r in local)
    assert _records(["evaluate", *toks, "-c", str(sharded)]) == local  # the shard layout, one process
    out = tmp_path / "res.csv"
    args = ["evaluate", *toks, "-c", str(sharded), "--engine", "dask", "--scheduler", scheduler, "-o", str(out)]
    assert _records(args) == local  # every count, metric and premium
    meta = json.loads((tmp_path / "res.csv.meta.json").read_text())
    assert meta["params"]["engine"] == "dask" and meta["params"]["n_shards"] == 12
    assert meta["params"]["scheduler"] == scheduler
    assert sum(k.endswith(".txt") for k in meta["inputs"]) == 12


def test_dask_on_jsonl_shards_with_a_language_column(tmp_path: Path, corpora: Path, scheduler: str) -> None:
    records = [{"text": line, "lang": lang} for lang in ("eng", "tur") for line in _lines(corpora, lang, 30)]
    whole = tmp_path / "whole.jsonl"
    whole.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    d = tmp_path / "shards"
    d.mkdir()
    for i in range(3):  # records of both languages in every shard
        part = records[i::3]
        (d / f"part-{i}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part))
    local = _records(["evaluate", "cl100k_base", "-c", str(whole)])
    dask = _records(["evaluate", "cl100k_base", "-c", str(d), "--engine", "dask", "--scheduler", scheduler])
    assert [r["lang"] for r in dask] == ["eng", "tur"]
    assert [{**r, "corpus": None} for r in dask] == [{**r, "corpus": None} for r in local]


def test_a_bad_shard_is_one_line_from_the_worker(tmp_path: Path, corpora: Path, scheduler: str) -> None:
    sharded = _sharded(tmp_path, corpora)
    (sharded / "tur" / "part-9.txt").write_bytes("café\n".encode("latin-1"))
    out = tmp_path / "res.csv"
    result = _fails(
        ["evaluate", "cl100k_base", "-c", str(sharded), "--engine", "dask", "--scheduler", scheduler, "-o", str(out)],
        "not valid UTF-8",
    )
    assert "hint: convert it first" in result.stderr  # the hint survives the trip from the worker
    assert not out.exists() and not list(tmp_path.glob("res.csv*"))


def test_dask_without_scheduler_starts_a_local_cluster(tmp_path: Path, corpora: Path) -> None:
    pytest.importorskip("distributed")
    flat = _flat(tmp_path, corpora)
    local = _records(["evaluate", "cl100k_base", "-c", str(flat)])
    assert _records(["evaluate", "cl100k_base", "-c", str(flat), "--engine", "dask", "--workers", "1"]) == local


def test_unreachable_scheduler_is_one_line(tmp_path: Path, corpora: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("tokkit.evaluation.cluster.CONNECT_TIMEOUT_S", 1.0)
    flat, out = _flat(tmp_path, corpora), tmp_path / "res.csv"
    args = ["evaluate", "cl100k_base", "-c", str(flat), "--engine", "dask", "-o", str(out)]
    _fails([*args, "--scheduler", "tcp://127.0.0.1:1"], "cannot reach the dask scheduler at tcp://127.0.0.1:1")
    _fails([*args, "--scheduler", "no-port"], "cannot reach the dask scheduler at no-port")
    assert list(tmp_path.iterdir()) == [flat]  # nothing written


def test_engine_flags(tmp_path: Path, corpora: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flat = _flat(tmp_path, corpora)
    args = ["evaluate", "cl100k_base", "-c", str(flat)]
    _fails([*args, "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler and --workers need --engine dask")
    _fails([*args, "--engine", "dask", "--scheduler", "tcp://h:1", "--workers", "2"], "cannot go with --scheduler")
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if dask were not installed
    result = _fails([*args, "--engine", "dask"], "--engine dask needs dask.distributed: pip install 'tokkit[dask]'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_dask_is_imported_only_when_the_engine_runs() -> None:
    import subprocess

    code = "import sys, tokkit.cli, tokkit.evaluation.cluster; print(' '.join(sys.modules))"
    loaded = set(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    )
    assert not {"dask", "distributed"} & loaded


def test_dask_keeps_language_identities(tmp_path: Path, corpora: Path, scheduler: str) -> None:
    """FLORES-style names in shard directories (zho_Hans/, zho_Hant/) and files: the workers count
    under the identities the client read, so the rows equal the local engine's."""
    d = tmp_path / "flores"
    for name, source in (
        ("zho_Hans", corpora / "parallel" / "zho.txt"),
        ("zho_Hant", corpora / "scripts" / "zho_Hant.txt"),
    ):
        lines = source.read_text(encoding="utf-8").splitlines()[:40]
        (d / name).mkdir(parents=True)
        for i in range(2):
            (d / name / f"part-{i}.txt").write_text("\n".join(lines[i * 20 : (i + 1) * 20]) + "\n", encoding="utf-8")
    (d / "eng_Latn.txt").write_text("\n".join(_lines(corpora, "eng", 40)) + "\n", encoding="utf-8")
    local = _records(["evaluate", "cl100k_base", "-c", str(d)])
    dask = _records(["evaluate", "cl100k_base", "-c", str(d), "--engine", "dask", "--scheduler", scheduler])
    assert [r["lang"] for r in dask] == ["eng_Latn", "zho_Hans", "zho_Hant"] and dask == local
    (d / "zho.txt").write_text("你好\n", encoding="utf-8")
    _fails(["evaluate", "cl100k_base", "-c", str(d), "--engine", "dask", "--scheduler", scheduler],
           "zho_Hans/ and another file or directory for language zho and zho_Hans")  # fmt: skip
