"""New-token bits per byte by hand, healing (only the rows asked for, deterministic), screened OMP, bad inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import tiny_llama
from typer.testing import CliRunner

from tokkit.cli import app
from tokkit.surgery.attribution import new_token_bits, per_byte_loss
from tokkit.surgery.omp import omp

runner = CliRunner()


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, corpora: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("heal-models")
    prose = (corpora / "en" / "prose.txt").read_text("utf-8").splitlines()
    maths = (corpora / "math" / "problems.txt").read_text("utf-8").splitlines()
    base = tiny_llama(root, "base", prose, 400, 32, tie=False)
    tied = tiny_llama(root, "tied", prose, 400, 32, tie=True)
    donor = tiny_llama(root, "donor", prose + maths, 500, 24, tie=False)
    out = {"base": base, "tied": tied, "donor": donor}
    for name in ("base", "tied"):
        out[f"{name}-mean"] = root / f"{name}-mean"
        _ok(["transplant", str(out[name]), "--tokenizer", str(donor), "--method", "mean", "-o", str(out[f"{name}-mean"]),
             "--eval-text", str(corpora / "eval" / "heldout-en.txt")])  # fmt: skip
    return out


def _ok(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


def _weights(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(path / "model.safetensors"))


def test_new_token_bits_by_hand() -> None:
    # text "abcdef" (6 bytes). New tokenization: "ab" | "cde" | "f", the middle one new, losses 1, 6, 2 bits.
    # Base tokenization: "abc" | "def", losses 3 and 9 bits -> 1 bit on each of a,b,c and 3 on each of d,e,f.
    got = new_token_bits(np.array([1.0, 6.0, 2.0]), np.array([2, 3, 1]), np.array([False, True, False]),
                         np.array([3.0, 9.0]), np.array([3, 3]))  # fmt: skip
    assert got.positions == 1 and got.bytes == 3
    assert got.new_bits_per_byte == pytest.approx(6 / 3)
    assert got.base_bits_per_byte == pytest.approx((1 + 3 + 3) / 3)  # bytes c, d, e
    assert per_byte_loss(np.array([3.0, 9.0]), np.array([3, 3])).tolist() == [1, 1, 1, 3, 3, 3]
    # two new tokens, one of zero bytes (counts in neither figure); different byte totals: no base figure
    got = new_token_bits(np.array([4.0, 5.0, 2.0]), np.array([2, 0, 2]), np.array([True, True, False]),
                         np.array([1.0]), np.array([3]))  # fmt: skip
    assert (got.positions, got.bytes, got.new_bits_per_byte, got.base_bits_per_byte) == (2, 2, 4.5, None)
    assert new_token_bits(np.array([1.0]), np.array([1]), np.array([False])).new_bits_per_byte is None


def test_transplant_json_has_new_token_figures(models: dict[str, Path]) -> None:
    report = json.loads((models["base-mean"] / "transplant.json").read_text())
    ids = report["initialised_ids"]
    assert ids == sorted(ids) and len(ids) == report["counts"]["approximated"] + report["counts"]["unmatched"]
    v = report["verification"]
    assert v["new_token_positions"] > 0 and v["new_token_bytes"] >= v["new_token_positions"]
    assert math.isfinite(v["new_new_token_bits_per_byte"]) and math.isfinite(v["base_new_token_bits_per_byte"])


@pytest.mark.parametrize("name", ["base", "tied"])
def test_heal_touches_only_the_new_rows_and_is_deterministic(
    models: dict[str, Path], tmp_path: Path, corpora: Path, name: str
) -> None:
    src = models[f"{name}-mean"]
    args = ["--corpus", str(corpora / "en" / "prose.txt"), "--steps", "3", "--seq-len", "32", "--lr", "1"]
    _ok(["transplant", "heal", str(src), "-o", str(tmp_path / "a"), *args])
    _ok(["transplant", "heal", str(src), "-o", str(tmp_path / "b"), *args])
    assert (tmp_path / "a" / "model.safetensors").read_bytes() == (tmp_path / "b" / "model.safetensors").read_bytes()
    report = json.loads((tmp_path / "a" / "transplant.json").read_text())
    before = json.loads((src / "transplant.json").read_text())
    assert {k: v for k, v in report.items() if k != "heal"} == before  # carried forward as it was
    heal = report["heal"]
    new = torch.as_tensor(before["initialised_ids"])
    assert heal["steps"] == 3 and heal["rows_healed"] == len(new) and heal["matrices"] == (1 if name == "tied" else 2)
    assert heal["bits_per_byte_after"] is not None and heal["new_token_bits_per_byte_after"] is not None
    old, healed = _weights(src), _weights(tmp_path / "a")
    assert set(old) == set(healed)
    rows = {"model.embed_tokens.weight", "lm_head.weight"}
    for key in old:
        if key not in rows:
            assert torch.equal(old[key], healed[key]), key  # every other parameter, bit for bit
            continue
        keep = torch.ones(len(old[key]), dtype=torch.bool)
        keep[new] = False
        assert torch.equal(old[key][keep], healed[key][keep]), key  # shared rows, bit for bit
        assert not torch.equal(old[key][new], healed[key][new]), key  # the new rows moved
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tmp_path / "a", local_files_only=True)
    tok = AutoTokenizer.from_pretrained(tmp_path / "a", local_files_only=True)
    assert model.generate(**tok("the", return_tensors="pt"), max_new_tokens=2, do_sample=False).shape[1] >= 2
    # a different seed draws other windows
    _ok(["transplant", "heal", str(src), "-o", str(tmp_path / "c"), *args, "--seed", "1"])
    assert (tmp_path / "a" / "model.safetensors").read_bytes() != (tmp_path / "c" / "model.safetensors").read_bytes()


def test_heal_rows_all_and_heal_during_transplant(models: dict[str, Path], tmp_path: Path, corpora: Path) -> None:
    _ok(["transplant", str(models["base"]), "--tokenizer", str(models["donor"]), "--method", "mean", "--no-eval",
         "-o", str(tmp_path / "h"), "--heal", "2", "--heal-rows", "all", "--heal-seq-len", "32",
         "--heal-corpus", str(corpora / "en" / "prose.txt")])  # fmt: skip
    report = json.loads((tmp_path / "h" / "transplant.json").read_text())
    assert report["heal"]["rows"] == "all" and report["heal"]["rows_healed"] == 500
    assert report["heal"]["corpus_sha256"] and report["heal"]["bits_per_byte_after"] is None  # --no-eval
    meta = json.loads((tmp_path / "h" / "tokkit.meta.json").read_text())
    assert meta["params"]["heal"] == 2


def test_screened_omp_equals_exact_with_every_atom_and_stays_close() -> None:
    g = torch.Generator().manual_seed(0)
    atoms = torch.randn(300, 16, generator=g)
    targets = torch.randn(40, 16, generator=g)
    exact = omp(targets, atoms, 6)
    full = omp(targets, atoms, 6, screen=300)
    assert torch.equal(exact.indices, full.indices)
    assert torch.allclose(exact.coeffs, full.coeffs, atol=1e-5)
    # a sparse combination whose atoms correlate best with the target: screening keeps them
    wide = torch.randn(300, 128, generator=g)
    truth = torch.tensor([3, 70, 250])
    x = (wide[truth] * torch.tensor([[2.0], [-1.5], [1.0]])).sum(0, keepdim=True)
    code = omp(x, wide, 3, screen=16)
    assert set(code.indices[0].tolist()) == set(truth.tolist()) and float(code.relative_error[0]) < 1e-4
    screened = omp(targets, atoms, 6, screen=60)
    top = (targets @ atoms.T).abs().topk(60, dim=1).indices  # every pick lies in its target's screened set
    assert all(set(a.tolist()) <= set(t.tolist()) for a, t in zip(screened.indices, top, strict=True))
    assert not torch.equal(screened.indices, exact.indices)  # and screening did change some picks
    with pytest.raises(ValueError, match="screen"):
        omp(targets, atoms, 6, screen=5)


def _bad(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output


def test_bad_heal_and_screen_inputs(models: dict[str, Path], tmp_path: Path, corpora: Path) -> None:
    src = str(models["base-mean"])
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 ".encode("latin-1") * 500)
    (tmp_path / "short.txt").write_text("a few words only\n")
    heal = ["transplant", "heal", src, "-o", str(tmp_path / "out"), "--corpus"]
    _bad([*heal, str(tmp_path / "empty.txt")], "is empty")
    _bad([*heal, str(tmp_path / "latin1.txt")], "is not UTF-8")
    _bad([*heal, str(tmp_path / "short.txt")], "fewer than one batch")
    _bad([*heal, str(tmp_path / "missing.txt")], "does not exist")
    quantized = tmp_path / "quantized"
    quantized.mkdir()
    for f in Path(src).iterdir():
        (quantized / f.name).write_bytes(f.read_bytes())
    config = json.loads((quantized / "config.json").read_text())
    (quantized / "config.json").write_text(json.dumps({**config, "quantization_config": {"quant_method": "gptq"}}))
    _bad(["transplant", "heal", str(quantized), "-o", str(tmp_path / "q"), "--corpus",
          str(corpora / "en" / "prose.txt")], "quantized weights")  # fmt: skip
    _bad(["transplant", "heal", src, "-o", src, "--force"], "is the model directory itself")
    _bad(["transplant", str(models["base"]), "--tokenizer", str(tmp_path / "out"), "--heal", "2",
          "--heal-corpus", str(tmp_path / "empty.txt"), "-o", str(tmp_path / "t")], "is empty")  # fmt: skip
    omp_args = ["transplant", str(models["base"]), "--donor", str(models["donor"]), "--k", "8", "--no-eval"]
    _bad([*omp_args, "--omp-screen", "4", "-o", str(tmp_path / "s1")], "smaller than --k")
    _bad([*omp_args, "--omp-screen", "100000", "-o", str(tmp_path / "s2")], "shared (anchor) tokens")
    assert not any(p.name.startswith(("out", "q", "t", "s1", "s2")) for p in tmp_path.iterdir() if p.is_dir()
                   and p.name not in {"quantized"})  # fmt: skip


def test_interrupted_heal_leaves_nothing(
    models: dict[str, Path], tmp_path: Path, corpora: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tokkit.surgery import heal as heal_module

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(heal_module.torch.optim.Adam, "step", interrupted)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("previous output")
    result = runner.invoke(app, ["transplant", "heal", str(models["base-mean"]), "-o", str(tmp_path / "out"),
                                 "--force", "--corpus", str(corpora / "en" / "prose.txt"), "--seq-len", "32"])  # fmt: skip
    assert result.exit_code == 130, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary directory left behind
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]  # the previous output untouched


def _dense_reference(model: torch.nn.Module, ids: np.ndarray, rows: np.ndarray, config: object) -> None:
    """The plain algorithm the row-only heal must match: whole matrices trainable, gradient masked to `rows`."""
    from tokkit.surgery.heal import trainable_matrices

    mats = trainable_matrices(model)
    for p in model.parameters():
        p.requires_grad_(False)
    mask = torch.zeros(mats[0].shape[0], 1)
    mask[torch.as_tensor(rows)] = 1
    for w in mats:
        w.requires_grad_(True)
        w.register_hook(lambda g: g * mask)
    opt = torch.optim.Adam(mats, lr=config.lr * float(mats[0].detach().std()), foreach=False)  # type: ignore[attr-defined]
    gen = torch.Generator().manual_seed(config.seed)  # type: ignore[attr-defined]
    seq, span = torch.as_tensor(ids), config.seq_len + 1  # type: ignore[attr-defined]
    for _ in range(config.steps):  # type: ignore[attr-defined]
        starts = torch.randint(0, len(seq) - span + 1, (config.batch_size,), generator=gen)  # type: ignore[attr-defined]
        window = seq[starts[:, None] + torch.arange(span)]
        logits = model(input_ids=window[:, :-1]).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), window[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        opt.step()


@pytest.mark.parametrize("name", ["base", "tied"])
def test_row_only_heal_matches_the_dense_masked_update(models: dict[str, Path], corpora: Path, name: str) -> None:
    from tokkit.io.models import load_saved
    from tokkit.surgery.config import HealConfig
    from tokkit.surgery.heal import heal

    src = models[f"{name}-mean"]
    rows = np.array(json.loads((src / "transplant.json").read_text())["initialised_ids"])
    _, tok = load_saved(src)
    ids = np.array(tok((corpora / "en" / "prose.txt").read_text("utf-8"))["input_ids"], dtype=np.int64)
    config = HealConfig(steps=3, seq_len=32, lr=1.0, threads=1)
    fast, _ = load_saved(src)
    threads = torch.get_num_threads()
    stats = heal(fast, ids, rows, config)
    assert torch.get_num_threads() == threads and stats.rows_healed == len(rows)
    slow, _ = load_saved(src)
    _dense_reference(slow, ids, rows, config)
    a, b = fast.state_dict(), slow.state_dict()
    assert set(a) == set(b)  # the parametrization and the row head are gone again
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=1e-4, atol=1e-6), key
    emb = fast.get_input_embeddings().weight
    assert not emb.requires_grad and (name != "tied" or fast.get_output_embeddings().weight is emb)
