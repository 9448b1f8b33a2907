"""Same inputs and seed → byte-identical outputs, across two runs and across thread counts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import tiny_llama


def _tokkit(args: list[str], threads: int) -> None:
    env = os.environ | {
        "OMP_NUM_THREADS": str(threads),
        "RAYON_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
    }
    proc = subprocess.run([sys.executable, "-m", "tokkit", *args], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, corpora: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("det")
    prose = (corpora / "en" / "prose.txt").read_text("utf-8").splitlines()
    maths = (corpora / "math" / "problems.txt").read_text("utf-8").splitlines()
    return {"base": tiny_llama(root, "base", prose, 400, 32, tie=False),
            "donor": tiny_llama(root, "donor", prose + maths, 500, 24, tie=False)}  # fmt: skip


@pytest.mark.parametrize("algorithm", ["bpe", "unigram", "wordpiece", "sp-unigram"])
def test_tokenizer_json(tmp_path: Path, corpora: Path, algorithm: str) -> None:
    outs = []
    for threads in (1, 2):
        out = tmp_path / f"t{threads}"
        _tokkit(["train", str(corpora / "en"), "-a", algorithm, "--vocab-size", "800", "-o", str(out)], threads)
        outs.append((out / "tokenizer.json").read_bytes())
    assert outs[0] == outs[1]


def test_cases_jsonl(tmp_path: Path) -> None:
    outs = []
    for threads in (1, 2):
        out = tmp_path / f"c{threads}.jsonl"
        _tokkit(["adversarial", "generate", "cl100k_base", "--lang", "en", "--n", "50", "-o", str(out)], threads)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


@pytest.mark.parametrize("method", ["omp", "random"])
def test_safetensors(tmp_path: Path, pair: dict[str, Path], method: str) -> None:
    outs = []
    for threads in (1, 2):
        out = tmp_path / f"m{threads}"
        _tokkit(["transplant", str(pair["base"]), "--donor", str(pair["donor"]), "--tokenizer", str(pair["donor"]),
                 "--method", method, "--k", "8", "--no-eval", "-o", str(out)], threads)  # fmt: skip
        outs.append((out / "model.safetensors").read_bytes())
    assert outs[0] == outs[1]
