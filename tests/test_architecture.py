"""Layering: the CLI starts without heavy imports, and the algorithms stay pure."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_cli_import_is_light() -> None:
    loaded = _modules_after("import tokkit.cli")
    assert not {"torch", "transformers", "tokenizers", "sentencepiece", "pandas", "matplotlib"} & loaded


def test_metrics_are_pure() -> None:
    loaded = _modules_after("import tokkit.evaluation.metrics")
    assert not {"typer", "rich", "pandas", "matplotlib", "tokkit.io", "tokkit.cli"} & loaded


TOKKIT = Path(__file__).resolve().parents[1] / "tokkit"
MAX_LINES = 400
LONG_FILES: dict[str, int] = {}  # path under tokkit/ -> lines, for a file allowed to be longer (none today)


def _module_name(path: Path) -> str:
    parts = path.relative_to(TOKKIT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the tokkit modules it imports anywhere (top level, in functions, under TYPE_CHECKING)."""
    files = {_module_name(p): p for p in TOKKIT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
                targets.add(base)
                targets.update(f"{base}.{a.name}" for a in node.names)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_file_over_400_lines() -> None:
    long = {
        str(p.relative_to(TOKKIT)): n
        for p in TOKKIT.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert {k: v for k, v in long.items() if k not in LONG_FILES} == {}


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_inside_tokkit() -> None:
    graph = _import_graph()
    assert graph["tokkit.training.canonical"] == {"tokkit.training.pair_merges"}  # the graph sees imports
    assert _cycles(graph) == []


def test_tokenizer_interface_is_light() -> None:
    loaded = _modules_after("import tokkit.tokenizer")
    heavy = {"tokenizers", "transformers", "sentencepiece", "tiktoken", "torch", "pandas", "gguf"}
    assert not heavy & loaded
    assert not {m for m in loaded if m.startswith("tokkit.") and m not in {"tokkit.tokenizer"}}


def test_pure_modules_load_no_file_reading_code() -> None:
    """The modules issue 18 named (adversarial, superbpe, evaluate/merge) no longer pull in tokkit.io."""
    loaded = _modules_after("import tokkit.attacks.generate, tokkit.training.superbpe, tokkit.evaluation.shard_sums")
    assert not {m for m in loaded if m.startswith("tokkit.io")}
