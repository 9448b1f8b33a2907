"""Layering: the CLI starts without heavy imports, and the algorithms stay pure."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_cli_import_is_light() -> None:
    loaded = _modules_after("import tokkit.cli")
    assert not {"torch", "transformers", "tokenizers", "sentencepiece", "pandas", "matplotlib"} & loaded


def test_metrics_are_pure() -> None:
    loaded = _modules_after("import tokkit.evaluate.metrics")
    assert not {"typer", "rich", "pandas", "matplotlib", "tokkit.io", "tokkit.cli"} & loaded
