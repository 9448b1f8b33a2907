"""tokkit audit: indicators on hand-computed and planted matrices, reachability, the CLI on a tiny
model whose untrained rows are set by the test, transplant integration, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_llama
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokkit.cli import app
from tokkit.undertrained.indicators import (
    candidate_threshold,
    collapsed_rows,
    cosine_distance,
    known_unused,
    precision_at,
    reachable,
    row_norms,
    without_first_pc,
)

runner = CliRunner()
PROSE = [
    "the cat sat on the mat and the dog sat on the log",
    "a bird in the hand is worth two in the bush",
    "every good boy does fine and all cows eat grass",
] * 40


def test_first_pc_and_cosine_distance_hand_computed() -> None:
    # the first PC of the centred rows is the x axis (variance 100 vs 0.25); removing it leaves
    # rows (0,1,0),(0,1,0),(0,0,1),(0,0,1); the reference row 0 -> mean (0,1,0)
    m = np.array([[10, 1, 0], [-10, 1, 0], [10, 0, 1], [-10, 0, 1]], dtype=np.float32)
    np.testing.assert_allclose(without_first_pc(m), [[0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]], atol=1e-5)
    np.testing.assert_allclose(cosine_distance(m, [0]), [0, 0, 1, 1], atol=1e-5)
    np.testing.assert_allclose(row_norms([[3, 4], [0, 0]]), [5, 0])
    with pytest.raises(ValueError):
        cosine_distance(m, [])


def test_threshold_precision_reachable_hand_computed() -> None:
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    pool = np.array([True, True, True, True, False])
    assert candidate_threshold(scores, pool, 50.0) == pytest.approx(0.25)  # median of 0.1..0.4
    assert candidate_threshold(scores, np.zeros(5, bool), 2.0) == -np.inf
    assert precision_at([True, False, True, True], 2) == 0.5 and np.isnan(precision_at([], 5))
    # decode(0) -> [0]; decode(1) -> [2, 2]; decode(2) -> [1]: only id 0 comes back as itself
    assert reachable(np.array([0, 2, 2, 1]), np.array([1, 2, 1])).tolist() == [True, False, False]


def test_known_unused_hand_computed() -> None:
    names = ["<pad>", "<unused0>", "a", "\xff", "<0x41>", "A", "<reserved_special_token_1>", "unused"]
    surfaces: list[bytes | None] = [None, None, b"a", b"\xff", b"A", b"A", None, b"unused"]
    specials = {0, 1, 6}
    got = known_unused(names, specials, surfaces, {4}, n_rows=10)
    # named unused specials 1 and 6 (not the ordinary word "unused"), impossible byte 0xFF, the
    # byte-fallback <0x41> that duplicates "A", and rows 8 and 9 past the vocabulary
    assert got.tolist() == [1, 3, 4, 6, 8, 9]


@settings(max_examples=25)
@given(seed=st.integers(0, 2**16), n_planted=st.integers(8, 30))
def test_planted_untrained_rows_rank_first(seed: int, n_planted: int) -> None:
    """Rows that training left alone sit on one point; whatever the seed they rank first, and
    `collapsed_rows` finds exactly them with no reference given."""
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(2000, 64)).astype(np.float32) + 0.5  # a shared offset, like real unembeddings
    planted = rng.choice(2000, n_planted, replace=False)
    m[planted] = rng.normal(size=64) + 0.01 * rng.normal(size=(n_planted, 64))
    found = collapsed_rows(m, min_neighbours=5)
    assert sorted(found.tolist()) == sorted(planted.tolist())
    d = cosine_distance(m, planted[:3])
    assert set(np.argsort(d, kind="stable")[:n_planted].tolist()) == set(planted.tolist())
    assert np.array_equal(collapsed_rows(m, min_neighbours=5, sample=500, seed=1),
                          collapsed_rows(m, min_neighbours=5, sample=500, seed=1))  # fmt: skip


def test_reachability_on_a_tokenizer_with_an_unreachable_token(tmp_path: Path) -> None:
    """ "ca" is in the vocabulary but no merge makes it: encoding its text gives c, a."""
    from tokenizers import Tokenizer, models

    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.undertrained.pipeline import token_kinds

    vocab = {"<s>": 0, "a": 1, "b": 2, "c": 3, "ab": 4, "abc": 5, "ca": 6}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[("a", "b"), ("ab", "c")]))
    tok.add_special_tokens(["<s>"])
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    kinds, reach, names, texts = token_kinds(load_tokenizer(str(path)), n_rows=9)
    assert names[6] == "ca" and texts[6] == "ca"
    assert reach.tolist() == [False, True, True, True, True, True, False, False, False]
    assert kinds.tolist() == ["special", "ok", "ok", "ok", "ok", "ok", "unreachable", "padding", "padding"]


def _planted_model(root: Path) -> tuple[Path, list[int]]:
    """A tiny tied Llama whose byte tokens F5-FF and 12 chosen word tokens share one row (plus
    noise): the situation of tokens training never saw."""
    from safetensors.numpy import load_file, save_file

    from tokkit.io.tokenizers import load_tokenizer

    path = tiny_llama(root, "planted", PROSE, 300, 32, tie=True)
    tok = load_tokenizer(str(path))
    tb = tok.token_bytes()
    impossible = [i for i, b in enumerate(tb) if b is not None and len(b) == 1 and b[0] >= 0xF5]
    words = [
        i for i, b in enumerate(tb) if b is not None and len(b) >= 3 and b.decode("utf-8", "replace").strip().isalpha()
    ]
    planted = words[:12]
    weights = load_file(str(path / "model.safetensors"))
    key = next(k for k in weights if "embed_tokens" in k)
    rng = np.random.default_rng(0)
    e = weights[key].copy()
    e[impossible + planted] = 0.05 * rng.normal(size=e.shape[1]) + 1e-4 * rng.normal(
        size=(len(impossible) + 12, e.shape[1])
    )
    weights[key] = e.astype(weights[key].dtype)
    save_file(weights, str(path / "model.safetensors"), metadata={"format": "pt"})
    return path, planted


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    return _planted_model(tmp_path_factory.mktemp("audit"))


def test_cli_ranks_planted_rows_first_and_writes_everything(planted: tuple[Path, list[int]], tmp_path: Path) -> None:
    model, ids = planted
    out = tmp_path / "audit"
    result = runner.invoke(app, ["audit", str(model), "--verify", "20", "--top", "12", "-o", str(out), "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sorted(r["id"] for r in rows) == sorted(ids) and [r["rank"] for r in rows] == list(range(1, 13))
    assert all(r["verified"] and r["max_prob"] < 0.01 and r["confirmed"] for r in rows)  # random model: repeats nothing
    summary = json.loads((out / "summary.json").read_text())[0]
    assert summary["reference_source"] == "known_unused" and summary["n_verified"] == 20
    assert summary["n_candidates"] >= 1 and "initialised" not in summary
    import pandas as pd

    table = pd.read_csv(out / "tokens.csv", keep_default_na=False)
    assert len(table) == summary["rows"] and table.confirmed.sum() == summary["n_confirmed"]
    assert (out / "audit.png").stat().st_size > 10_000 and (out / "tokkit.meta.json").is_file()
    again = runner.invoke(app, ["audit", str(model), "--verify", "20", "--top", "12", "-f", "json"])
    assert json.loads(again.stdout) == rows  # deterministic


def test_transplanted_model_reports_initialised_rows(planted: tuple[Path, list[int]], tmp_path: Path) -> None:
    """A real `tokkit transplant --method mean`: every initialised row is the same mean row, so all
    of them look under-trained; a `heal` section marks the healed model."""
    base, _ = planted
    other = tiny_llama(tmp_path, "other", [line.upper() for line in PROSE] + PROSE[:5], 320, 32, tie=True)
    out = tmp_path / "moved"
    result = runner.invoke(app, ["transplant", str(base), "--tokenizer", str(other), "--method", "mean", "--no-eval",
                                 "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((out / "transplant.json").read_text())
    if "initialised_ids" not in report:  # until transplant writes it itself (issue 14): same rule, from the bytes
        from tokkit.io.tokenizers import load_tokenizer

        old = set(load_tokenizer(str(base)).token_bytes()) - {None}
        new = load_tokenizer(str(out))
        report["initialised_ids"] = [i for i, b in enumerate(new.token_bytes()) if b is not None and b not in old]
        (out / "transplant.json").write_text(json.dumps(report))
    n_init = len(report["initialised_ids"])
    assert n_init > 20
    result = runner.invoke(app, ["audit", str(out), "--verify", "5", "--reference", ",".join(map(str, report["initialised_ids"][:3])),
                                 "-f", "json", "--top", "0"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"0 of {n_init:,}" not in result.stderr and "(not healed)" in result.stderr
    assert f"{n_init:,} of {n_init:,} initialised rows look under-trained" in result.stderr
    rows = json.loads(result.stdout)  # every ranked (ordinary) token
    init = set(report["initialised_ids"])
    assert all(r["initialised"] == (r["id"] in init) for r in rows)
    report["heal"] = {"steps": 1}
    (out / "transplant.json").write_text(json.dumps(report))
    result = runner.invoke(app, ["audit", str(out), "--verify", "0", "--reference", str(report["initialised_ids"][0])])
    assert result.exit_code == 0 and "transplant (healed)" in result.stderr


def test_no_lm_head_is_an_input_error() -> None:
    from transformers import LlamaConfig, LlamaModel

    from tokkit.errors import InputError
    from tokkit.undertrained.pipeline import matrices

    config = LlamaConfig(vocab_size=50, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, tie_word_embeddings=False)  # fmt: skip
    with pytest.raises(InputError, match="no lm_head"):
        matrices(LlamaModel(config))


def _unsupported_gguf(path: Path) -> Path:
    import gguf

    writer = gguf.GGUFWriter(str(path), "notanarch")
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize(
    "case", ["verify-too-large", "size-mismatch", "gguf-arch", "hub-offline", "exists", "reference"]
)
def test_bad_input(case: str, planted: tuple[Path, list[int]], tmp_path: Path) -> None:
    model, _ = planted
    args = ["audit", str(model), "--verify", "100000"]
    message = "ordinary tokens"
    if case == "size-mismatch":
        import shutil

        from safetensors.numpy import load_file, save_file

        small = tmp_path / "small"
        shutil.copytree(model, small)
        config = json.loads((small / "config.json").read_text())
        config["vocab_size"] = 100
        (small / "config.json").write_text(json.dumps(config))
        weights = {
            k: (v[:100] if "embed_tokens" in k else v) for k, v in load_file(str(small / "model.safetensors")).items()
        }
        save_file(weights, str(small / "model.safetensors"), metadata={"format": "pt"})
        args, message = ["audit", str(small)], "embedding rows"
    elif case == "gguf-arch":
        args, message = ["audit", str(_unsupported_gguf(tmp_path / "x.gguf"))], "cannot load model"
    elif case == "hub-offline":
        args, message = ["audit", "no-such-org/no-such-model-xyz"], "cannot load model"
    elif case == "exists":
        (tmp_path / "out").mkdir()
        args, message = ["audit", str(model), "-o", str(tmp_path / "out")], "already exists"
    elif case == "reference":
        args, message = ["audit", str(model), "--reference", "1,x"], "--reference"
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert sum(x.startswith("error:") for x in lines) == 1 and message in result.stderr, lines
    assert "Traceback" not in result.output and result.stdout == ""
