"""tokkit report: a small config end to end (transplant on a tiny model), and config errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from conftest import tiny_llama
from typer.testing import CliRunner

from tokkit.cli import app

runner = CliRunner()


def test_small_report(tmp_path: Path, corpora: Path) -> None:
    prose = (corpora / "en" / "prose.txt").read_text("utf-8").splitlines()
    base = tiny_llama(tmp_path, "base", prose, 400, 32, tie=True)
    par = tmp_path / "par"
    par.mkdir()
    for lang in ("eng", "tur"):
        lines = (corpora / "parallel" / f"{lang}.txt").read_text("utf-8").splitlines()[:40]
        (par / f"{lang}.txt").write_text("\n".join(lines) + "\n", "utf-8")
    config = tmp_path / "report.toml"
    config.write_text(f'''
[report]
title = "small"
corpus = "{par}"
reference = "eng"
linguistic_lang = "tur"

[[train]]
name = "mine"
corpus = ["{corpora / "en"}"]
vocab_size = 600

[evaluate]
tokenizers = ["cl100k_base", "mine"]

[adversarial]
generate_with = "cl100k_base"
lang = "en"
n = 10

[transplant]
base = "{base}"
tokenizer = "mine"
methods = ["subword-mean", "mean"]

[audit]
models = ["{base}"]
verify = 5
transplanted = true
''')
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", "--config", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "report.md").read_text()
    for section in (
        "Trained tokenizers",
        "token premium",
        "%TR and %Pure",
        "Adversarial",
        "Transplant",
        "tokkit audit",
    ):
        assert section in text
    for png in ("premiums.png", "linguistic.png", "adversarial.png", "transplant.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG" and f"]({png})" in text
    transplant = pd.read_csv(out / "transplant.csv")
    assert transplant.method.tolist() == ["subword-mean", "mean"]
    assert (out / "tokenizers" / "mine" / "tokenizer.json").is_file() and (out / "tokkit.meta.json").is_file()
    assert set(pd.read_csv(out / "evaluate.csv").tokenizer) == {"cl100k_base", "mine"}
    audit = pd.read_csv(out / "audit.csv")  # the base model, then the two transplanted ones
    assert audit.model.tolist() == [str(base), "transplant/subword-mean", "transplant/mean"]
    assert (audit.n_verified == 5).all() and (out / "audit" / "2-mean" / "audit.png").is_file()


def test_bad_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[report\n")
    result = runner.invoke(app, ["report", "--config", str(bad), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and "not valid TOML" in result.stderr
    bad.write_text("[reprot]\ntitle = 'x'\n")
    result = runner.invoke(app, ["report", "--config", str(bad), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and "unknown section" in result.stderr
    for body, message in [
        ('[[train]]\nname = "a"\ncorpus = ["x"]\nalgorithm = "bpe2"\n', "unknown algorithm"),
        ('[[train]]\nname = "a"\ncorpus = ["x"]\nvocab_size = "big"\n', "vocab_size must be an integer"),
        ('[transplant]\nmethods = ["magic"]\n', "unknown transplant method"),
        ("[audit]\nmodel = 'x'\n", "unknown key(s) in [audit]"),
    ]:
        bad.write_text(body)
        result = runner.invoke(app, ["report", "--config", str(bad), "-o", str(tmp_path / "r")])
        assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output
    result = runner.invoke(app, ["report", "--config", str(tmp_path), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and "cannot read report config" in result.stderr
    assert not (tmp_path / "r").exists()
