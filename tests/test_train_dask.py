"""`tokkit train --engine dask`: word counts summed over shards train the tokenizer local training gives, byte for byte."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPORA
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokkit.cli import app
from tokkit.io.corpora import line_source, open_corpus
from tokkit.training.config import Algorithm, TrainConfig
from tokkit.training.hf import _repeated
from tokkit.training.runner import train_tokenizer, train_tokenizer_from_counts
from tokkit.training.word_counts import WordCounts, count_texts

runner = CliRunner()
SOURCES = ("en", "code", "tr", "math")  # 4 directories, 10 files: 10 shards
CONFIGS = {
    "bpe": TrainConfig(algorithm=Algorithm.BPE, vocab_size=800),
    "unigram": TrainConfig(algorithm=Algorithm.UNIGRAM, vocab_size=500),
    "superbpe": TrainConfig(algorithm=Algorithm.SUPERBPE, vocab_size=900, transition=0.6),
}


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    pytest.importorskip("distributed")  # installed by the `test` extra
    from tokkit.io.dask_cluster import local_cluster

    with local_cluster(2) as cluster:
        yield str(cluster.scheduler_address)


def _corpora() -> list[Any]:
    return [open_corpus(CORPORA / d, all_files=True) for d in SOURCES]


def _fails(args: list[str], message: str) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    return result


def test_word_counts_by_hand() -> None:
    config = TrainConfig(algorithm=Algorithm.BPE, vocab_size=300)
    counts = count_texts(lambda: iter(["the cat", "the dog 1234"]), config)
    # l2r3 cuts 1234 first (123|4), then GPT-4o-style words, in the byte-level alphabet (Ġ is a space)
    assert counts.words == Counter({"the": 2, "Ġcat": 1, "Ġdog": 1, "Ġ": 1, "123": 1, "4": 1})
    assert counts.n_lines == 2
    total = WordCounts(Counter({"a": 1}), Counter(), 1).add(WordCounts(Counter({"a": 2, "b": 1}), Counter(), 2))
    assert total.words == Counter({"a": 3, "b": 1}) and total.n_lines == 3


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(alphabet="abĠ▁é中", min_size=1, max_size=6), st.integers(1, 5000), max_size=30))
def test_repeated_texts_hold_each_word_its_count_times(words: dict[str, int]) -> None:
    texts = list(_repeated(words, "\x00", chunk_chars=64))
    got = Counter(w for t in texts for w in t.split("\x00") if w)
    assert got == Counter(words)
    assert all(len(t) < 64 + 7 for t in texts)  # at most one piece past the chunk size


@pytest.mark.parametrize("name", list(CONFIGS))
def test_dask_counts_train_the_local_tokenizer(name: str, scheduler: str) -> None:
    from tokkit.training.cluster import count_on_cluster

    config = CONFIGS[name]
    corpora = _corpora()
    local = train_tokenizer(line_source(corpora), config)
    seen: list[int] = []
    counts = count_on_cluster(corpora, config, scheduler=scheduler, on_progress=seen.append)
    assert len(seen) == sum(len(c.files) for c in corpora) == 10
    assert counts.n_lines == sum(1 for _ in line_source(corpora)())
    distributed = train_tokenizer_from_counts(counts, config)
    assert distributed.tokenizer.to_str() == local.tokenizer.to_str()
    if name == "superbpe":
        assert distributed.stats["n_stage2_merges"] == local.stats["n_stage2_merges"] > 0


def test_cli_dask_output_is_byte_identical(tmp_path: Path, scheduler: str) -> None:
    args = ["train", *(str(CORPORA / d) for d in SOURCES), "-a", "bpe", "--vocab-size", "700"]
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert runner.invoke(app, [*args, "-o", str(local)]).exit_code == 0
    result = runner.invoke(app, [*args, "-o", str(dask), "--engine", "dask", "--scheduler", scheduler])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in local.iterdir())
    assert names == sorted(p.name for p in dask.iterdir()) and "tokenizer.json" in names
    for n in names:
        if n != "tokkit.meta.json":
            assert (local / n).read_bytes() == (dask / n).read_bytes(), n
    meta = json.loads((dask / "tokkit.meta.json").read_text())
    assert meta["params"]["engine"] == "dask" and meta["params"]["n_shards"] == 10


def test_cli_glob_of_shards(tmp_path: Path, scheduler: str) -> None:
    out = tmp_path / "out"
    pattern = str(CORPORA / "*" / "*.txt")
    result = runner.invoke(app, ["train", pattern, "--vocab-size", "600", "--engine", "dask", "--scheduler", scheduler,
                                 "-o", str(out), "-f", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "tokkit.meta.json").read_text())
    assert meta["params"]["n_shards"] == len(list(CORPORA.glob("*/*.txt"))) > 20


def test_a_bad_shard_is_named_and_nothing_is_written(tmp_path: Path, scheduler: str) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "a.txt").write_text((CORPORA / "en" / "prose.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (shards / "b.txt").write_bytes("café au lait\n".encode("latin-1"))
    out = tmp_path / "out"
    args = ["train", str(shards), "--vocab-size", "400", "--engine", "dask", "--scheduler", scheduler, "-o", str(out)]
    result = _fails(args, "not valid UTF-8")
    assert "b.txt" in result.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["shards"]


def test_bad_engine_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("tokkit.training.cluster.CONNECT_TIMEOUT_S", 1.0)
    out = tmp_path / "out"
    base = ["train", str(CORPORA / "en"), "--vocab-size", "400", "-o", str(out)]
    _fails([*base, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"], "cannot reach the dask scheduler")
    _fails(["train", str(tmp_path / "none" / "*.txt"), "-o", str(out), "--engine", "dask"], "no files match")
    _fails([*base, "--engine", "dask", "-a", "sp-bpe"], "--engine dask cannot train sp-bpe")
    _fails([*base, "--workers", "2"], "--scheduler and --workers need --engine dask")
    _fails([*base, "--engine", "dask", "--workers", "2", "--scheduler", "tcp://x:1"], "cannot go with --scheduler")
    assert not out.exists()


def test_an_unreadable_shard_is_named(tmp_path: Path) -> None:
    from tokkit.errors import InputError
    from tokkit.io.corpora import Corpus, CorpusFile
    from tokkit.training.cluster import count_shard

    folder = tmp_path / "not-a-file.txt"
    folder.mkdir()  # opening it fails like an unreadable file does (tests may run as root)
    shard = Corpus("c", (CorpusFile(folder, "und", 1),), {})
    with pytest.raises(InputError, match=r"cannot read corpus shard .*not-a-file\.txt"):
        count_shard(shard, TrainConfig(vocab_size=300))
