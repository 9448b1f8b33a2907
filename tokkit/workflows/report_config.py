"""The plan of `tokkit report`: its TOML config, read and checked before anything runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokkit.errors import InputError
from tokkit.io.catalog import cache_dir
from tokkit.io.report_files import read_report_toml

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "data" / "report.toml"


@dataclass
class ReportConfig:
    """The report's plan, read from TOML (see tokkit/data/report.toml)."""

    title: str = "tokkit report"
    corpus: str = "corpora/parallel"
    reference: str = "eng"
    linguistic_lang: str | None = None
    train: list[dict[str, Any]] = field(default_factory=list)
    evaluate: list[str] = field(default_factory=list)
    adversarial: dict[str, Any] = field(default_factory=dict)
    transplant: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)


def read_config(path: Path) -> ReportConfig:
    """Parse and check a report config; unknown sections or keys are errors, not ignored."""
    data = read_report_toml(path)
    unknown = set(data) - {"report", "train", "evaluate", "adversarial", "transplant", "audit"}
    if unknown:
        raise InputError(f"report config {path}: unknown section(s) {', '.join(sorted(unknown))}")
    head = data.get("report", {})
    extra = set(head) - {"title", "corpus", "reference", "linguistic_lang"}
    if extra:
        raise InputError(f"report config {path}: unknown key(s) in [report]: {', '.join(sorted(extra))}")
    _check_entries(path, data)
    cache = str(cache_dir())
    transplant = {
        k: (v.replace("{cache}", cache) if isinstance(v, str) else v) for k, v in data.get("transplant", {}).items()
    }
    audit = dict(data.get("audit", {}))
    extra = set(audit) - {"models", "verify", "transplanted"}
    if extra:
        raise InputError(f"report config {path}: unknown key(s) in [audit]: {', '.join(sorted(extra))}")
    audit["models"] = [str(m).replace("{cache}", cache) for m in audit.get("models", [])]
    default = ReportConfig()
    return ReportConfig(
        title=head.get("title", default.title),
        corpus=head.get("corpus", default.corpus),
        reference=head.get("reference", default.reference),
        linguistic_lang=head.get("linguistic_lang", default.linguistic_lang),
        train=list(data.get("train", [])),
        evaluate=list(data.get("evaluate", {}).get("tokenizers", [])),
        adversarial=dict(data.get("adversarial", {})),
        transplant=transplant,
        audit=audit,
    )


def _check_entries(path: Path, data: dict[str, Any]) -> None:
    """Values that would otherwise fail deep inside a run: algorithms, sizes, methods."""
    from tokkit.surgery.config import Method
    from tokkit.training.config import Algorithm

    algorithms = {a.value for a in Algorithm}
    for entry in data.get("train", []):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise InputError(f"report config {path}: every [[train]] entry needs a name")
        if entry.get("algorithm", "bpe") not in algorithms:
            raise InputError(
                f"report config {path}: [[train]] {entry['name']}: unknown algorithm {entry.get('algorithm')!r}",
                hint=f"one of {', '.join(sorted(algorithms))}",
            )
        if not isinstance(entry.get("vocab_size", 8000), int) or entry.get("vocab_size", 8000) < 2:
            raise InputError(f"report config {path}: [[train]] {entry['name']}: vocab_size must be an integer")
        if not isinstance(entry.get("corpus", []), list) or not entry.get("corpus"):
            raise InputError(f"report config {path}: [[train]] {entry['name']}: corpus must be a list of paths")
    methods = {m.value for m in Method}
    for method in data.get("transplant", {}).get("methods", []):
        if method not in methods:
            raise InputError(
                f"report config {path}: unknown transplant method {method!r}",
                hint=f"one of {', '.join(sorted(methods))}",
            )


def corpus_language(value: str | None, langs: dict[str, int], key: str) -> str | None:
    """The corpus language a config value names (`eng` finds `eng_Latn`), None when absent."""
    from tokkit.languages import LanguageError, resolve_reference

    if value is None:
        return None
    try:
        return resolve_reference(value, langs, what=key)
    except LanguageError as e:
        raise InputError(f"report config [report]: {e}", hint=e.hint) from None
