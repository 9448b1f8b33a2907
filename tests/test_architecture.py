"""Layering: the CLI starts without heavy imports and only parses, calls and prints; the algorithms stay pure;
only tokkit/io touches files and models; no file over 400 lines; no import cycles."""

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
                names = {f"{base}.{a.name}" for a in node.names}
                targets.update(names)
                if not names <= set(files):  # `from pkg import submodule` needs the submodule, not pkg's own code
                    targets.add(base)
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
    assert not {m for m in loaded if m.startswith("tokkit.") and m not in {"tokkit.tokenizer", "tokkit.version"}}


def test_pure_modules_load_no_file_reading_code() -> None:
    """The modules issue 18 named (adversarial, superbpe, evaluate/merge) no longer pull in tokkit.io."""
    loaded = _modules_after("import tokkit.attacks.generate, tokkit.training.superbpe, tokkit.evaluation.shard_sums")
    assert not {m for m in loaded if m.startswith("tokkit.io")}


def test_from_package_import_submodule_is_an_edge_to_the_submodule() -> None:
    graph = _import_graph()
    assert "tokkit.plots" in graph["tokkit.workflows.audit"]
    assert "tokkit" not in graph["tokkit.cli.train"]


ALGORITHMS = ("tokkit.training", "tokkit.evaluation", "tokkit.surgery", "tokkit.attacks", "tokkit.undertrained")
# what the CLI may take from the algorithm packages: option enums, defaults and result types, no code that runs
CLI_MAY_IMPORT = {
    "tokkit.training.config": "Algorithm, Normalization, NumberScheme, TrainConfig: option types and defaults",
    "tokkit.surgery.config": "Method, Embedder, HealRows, TransplantConfig, HealConfig: option types and defaults",
    "tokkit.surgery.result": "HealResult, for a type annotation",
    "tokkit.undertrained.config": "Indicator, AuditSettings: option types and defaults",
}
# CLI modules the api-analysis branch (issue 18, evaluate / adversarial / report) rewrites; the coordinator
# empties this set after merging it
CLI_NOT_YET_THIN: set[str] = set()


def test_cli_only_parses_calls_and_prints() -> None:
    graph = _import_graph()
    bad = {
        (name, target)
        for name, targets in graph.items()
        if name.startswith("tokkit.cli") and name not in CLI_NOT_YET_THIN
        for target in targets
        if target.startswith(ALGORITHMS) and target not in CLI_MAY_IMPORT
    }
    assert bad == set()


# calls that read or write files or load/save models: only tokkit/io makes them
FILE_CALLS = {"open"}
FILE_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "from_pretrained", "save_pretrained",
                "savefig", "to_csv", "to_parquet", "mkdir", "unlink", "rmtree", "copy2", "copyfile"}  # fmt: skip
FILE_FUNCTIONS = {("torch", "save"), ("torch", "load"), ("np", "save"), ("np", "load"), ("numpy", "save"),
                  ("numpy", "load")}  # fmt: skip
# (path under tokkit/, call) -> why it is not in tokkit/io yet
FILE_ACCESS_ALLOWED = {
    ("suites.py", ".mkdir"): "makes <lang>/<size>/ inside the suite directory being filled before io writes into it",
    ("surgery/measure.py", ".read_text"): "reads the verification text it scores (three functions)",
    ("training/runner.py", ".read_bytes"): "reads back the tokenizer.model SentencePiece just wrote to a temp dir",
    ("undertrained/pipeline.py", ".read_text"): "reads a transplant.json beside the model (initialised ids)",
}


def _file_access(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id in FILE_CALLS:
            found.add(f.id)
        elif isinstance(f, ast.Attribute):
            if f.attr in FILE_METHODS:
                found.add(f".{f.attr}")
            if isinstance(f.value, ast.Name) and (f.value.id, f.attr) in FILE_FUNCTIONS:
                found.add(f"{f.value.id}.{f.attr}")
    return found


def test_file_access_finder_sees_calls() -> None:
    code = "open(p)\np.write_text('x')\nm.save_pretrained(d)\ntorch.load(f)\ndf.to_csv()\nprint(p.name)"
    assert _file_access(ast.parse(code)) == {"open", ".write_text", ".save_pretrained", "torch.load", ".to_csv"}


def test_only_io_touches_files_and_models() -> None:
    found = set()
    for path in TOKKIT.rglob("*.py"):
        rel = path.relative_to(TOKKIT).as_posix()
        if rel.startswith("io/"):
            continue
        for call in _file_access(ast.parse(path.read_text(encoding="utf-8"))):
            if (rel, call) not in FILE_ACCESS_ALLOWED and (rel, "*") not in FILE_ACCESS_ALLOWED:
                found.add((rel, call))
    assert found == set()


def test_allow_lists_hold_no_stale_entries() -> None:
    """An entry whose file no longer makes the call is dropped, so the lists only shrink."""
    for rel, call in FILE_ACCESS_ALLOWED:
        path = TOKKIT / rel
        assert path.is_file(), rel
        calls = _file_access(ast.parse(path.read_text(encoding="utf-8")))
        assert call in calls or (call == "*" and calls), (rel, call)
    graph = _import_graph()
    used = {t for name, targets in graph.items() if name.startswith("tokkit.cli") for t in targets}
    assert set(CLI_MAY_IMPORT) <= used
