"""The Python API: `from tokkit import train, transplant, ...` gives the workflow functions, `import tokkit`
stays cheap, and the worked example in every workflow docstring runs (on shipped text and a tiny model)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, tiny_llama

import tokkit.workflows

# the workflows of this branch; evaluate, adversarial and report come with the api-analysis branch
OURS = {"train": "tokkit.workflows.train", "transplant": "tokkit.workflows.transplant",
        "heal": "tokkit.workflows.transplant", "audit": "tokkit.workflows.audit"}  # fmt: skip
WITH_EXAMPLES = {"tokkit.workflows.train", "tokkit.workflows.transplant", "tokkit.workflows.audit"}


def test_import_tokkit_is_cheap() -> None:
    code = "import sys, tokkit; tokkit.__all__; print(' '.join(sys.modules))"
    loaded = set(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    )
    assert not {"torch", "transformers", "pandas", "numpy", "tokenizers", "typer", "rich"} & loaded
    assert not {m for m in loaded if m.startswith("tokkit.") and m != "tokkit.version"}


def test_names_are_the_workflow_functions() -> None:
    import tokkit
    from tokkit import audit, heal, train, transplant

    for name, module in OURS.items():
        assert getattr(tokkit, name) is getattr(importlib.import_module(module), name)
    assert (train.__name__, transplant.__name__, heal.__name__, audit.__name__) == tuple(OURS)
    assert set(OURS) <= set(tokkit.__all__) and set(OURS) <= set(dir(tokkit))
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        tokkit.nonsense  # noqa: B018


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The doctests' names: a tiny Llama, a tokenizer of another tiny Llama, one transplant, a scratch dir."""
    from tokkit.surgery.config import Method, TransplantConfig
    from tokkit.workflows.transplant import transplant

    root = tmp_path_factory.mktemp("api")
    prose = (REPO / "corpora" / "en" / "prose.txt").read_text("utf-8").splitlines()
    maths = (REPO / "corpora" / "math" / "problems.txt").read_text("utf-8").splitlines()
    base = tiny_llama(root, "base", prose, 400, 32, tie=False)
    donor = tiny_llama(root, "donor", prose + maths, 500, 24, tie=False)
    moved = root / "mean"
    transplant(base, moved, tokenizer=donor, config=TransplantConfig(method=Method.MEAN))
    return {"base_model": base, "new_tokenizer": donor / "tokenizer.json", "transplanted": moved}


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(tokkit.workflows.__path__, "tokkit.workflows.")]


def test_every_workflow_module_is_found() -> None:
    assert set(_modules()) >= WITH_EXAMPLES


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(
    name: str, models: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # the examples name shipped files as corpora/...
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    tests = doctest.DocTestFinder().find(module, extraglobs={**models, "out": tmp_path})
    runner = doctest.DocTestRunner(optionflags=flags)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0
    if name in WITH_EXAMPLES:
        assert result.attempted >= 3
