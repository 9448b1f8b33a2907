"""`tokkit report`: train, evaluate, attack and transplant from one config, into one report.

Numbered steps; every table is also written as CSV next to report.md, every figure as PNG.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tokkit.errors import InputError, TokkitError
from tokkit.io.catalog import cache_dir
from tokkit.io.corpora import line_source, open_corpus
from tokkit.io.tokenizers import Tokenizer, load_tokenizer, write_tokenizer_dir

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
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"report config {path} does not exist") from None
    except OSError as e:
        raise InputError(f"cannot read report config {path} ({e.strerror or e})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"report config {path} is not valid TOML ({e})") from None
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
    return ReportConfig(
        title=head.get("title", "tokkit report"),
        corpus=head.get("corpus", "corpora/parallel"),
        reference=head.get("reference", "eng"),
        linguistic_lang=head.get("linguistic_lang"),
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


def run_report(
    config: ReportConfig, out: Path, *, skip_transplant: bool = False, note: Callable[[str], None] = lambda s: None
) -> dict[str, pd.DataFrame]:
    """Run the plan into `out` (an empty directory); returns the tables by name."""
    from tokkit import plots
    from tokkit.attacks.generate import STOPWORDS, generate
    from tokkit.attacks.score import judge
    from tokkit.evaluation.linguistic import ShortTokens
    from tokkit.evaluation.runner import count_tokens, linguistic_for
    from tokkit.io.oracles import load_oracle
    from tokkit.io.reports import write_jsonl
    from tokkit.io.wordlists import top_words
    from tokkit.tables import add_linguistic, adversarial_table, evaluation_table
    from tokkit.training.config import Algorithm, TrainConfig
    from tokkit.training.runner import train_tokenizer

    tables: dict[str, pd.DataFrame] = {}
    figures: dict[str, str] = {}
    transplanted: list[Path] = []
    trained: dict[str, Path] = {}
    # the corpus and its languages first, so that a bad value fails before any training
    corpus = open_corpus(Path(config.corpus))
    reference = _corpus_language(config.reference, corpus.line_counts, "reference")
    linguistic_lang = _corpus_language(config.linguistic_lang, corpus.line_counts, "linguistic_lang")
    # 1. train the listed tokenizers
    rows = []
    for spec in config.train:
        name = str(spec["name"])  # entries were checked by read_config
        tc = TrainConfig(
            algorithm=Algorithm(spec.get("algorithm", "bpe")), vocab_size=int(spec.get("vocab_size", 8000))
        )
        texts = line_source([open_corpus(Path(p), all_files=True) for p in spec.get("corpus", [])])
        result = train_tokenizer(texts, tc)
        directory = out / "tokenizers" / name
        directory.mkdir(parents=True)
        sample = [x for _, x in zip(range(100), texts(), strict=False)]
        write_tokenizer_dir(
            result.tokenizer, directory, roles=result.roles, extra_files=result.extra_files, check_lines=sample
        )
        trained[name] = directory
        rows.append({"name": name, "algorithm": tc.algorithm.value, **result.stats})
    if rows:
        tables["trained"] = pd.DataFrame(rows)

    loaded: dict[str, Tokenizer] = {}

    def resolve(name: str) -> Tokenizer:
        """The tokenizer of a [[train]] name or a spec, loaded once for all steps."""
        if name not in loaded:
            loaded[name] = load_tokenizer(str(trained[name]) if name in trained else name)
            loaded[name].name = name
        return loaded[name]

    # 2. evaluate on the parallel corpus: premiums, compression
    toks = [resolve(n) for n in config.evaluate]
    counts = [c for t in toks for c in count_tokens(t, corpus)]
    table = evaluation_table(counts, reference=reference, parallel={corpus.name: corpus.is_parallel}).table
    tables["evaluate"] = table
    if corpus.is_parallel and reference is not None:
        figures["premiums"] = "premiums.png"
        plots.premium_figure(table, reference=reference).savefig(out / "premiums.png")
    # 3. %TR/%Pure on one language
    if linguistic_lang is not None:
        lang_counts = [c for c in counts if c.lang == linguistic_lang]  # counted in step 2 already
        oracle = load_oracle(linguistic_lang)
        by_name = {t.name: t for t in toks}
        results = {
            (c.tokenizer, c.corpus, c.lang): linguistic_for(
                by_name[c.tokenizer], c, oracle, short_tokens=ShortTokens.STRICT
            )
            for c in lang_counts
        }
        base = evaluation_table(lang_counts, reference=None, parallel={}).table
        tables["linguistic"] = add_linguistic(base, results)[
            ["tokenizer", "lang", "n_tokens", "pct_lang_token", "pct_lang_type", "pct_pure_token", "pct_pure_type"]
        ]
        figures["linguistic"] = "linguistic.png"
        plots.bar_figure(
            tables["linguistic"],
            "tokenizer",
            ["pct_lang_token", "pct_pure_token"],
            title=f"%TR and %Pure on {linguistic_lang} (token level)",
            xlabel="percent",
        ).savefig(out / "linguistic.png")
    # 4. adversarial cases from one tokenizer's vocabulary, scored for all
    if config.adversarial:
        adv = config.adversarial
        gen = resolve(str(adv.get("generate_with", "cl100k_base")))
        lang = str(adv.get("lang", "en"))
        cases = generate(gen, lang, top_words(lang, 5000), n=int(adv.get("n", 100)), seed=0, skip_top=STOPWORDS)
        write_jsonl([c.record() for c in cases], out / "cases.jsonl", force=False)
        rows = [
            {
                "tokenizer": t.name,
                "lang": c.lang,
                "family": c.family,
                "violated": v.violated,
                "n_spanning": v.n_spanning,
            }
            for t in (resolve(n) for n in adv.get("tokenizers", config.evaluate))
            for c in cases
            for v in [judge(t, c)]
        ]
        tables["adversarial"] = adversarial_table(rows)
        overall = tables["adversarial"][tables["adversarial"].family == "all"]
        figures["adversarial"] = "adversarial.png"
        plots.bar_figure(
            overall,
            "tokenizer",
            ["violation_rate"],
            title=f"Adversarial violation rate ({lang})",
            xlabel="share of cases whose tokens cross the intended boundary",
        ).savefig(out / "adversarial.png")
    # 5. transplant one tokenizer into a model with several methods
    tp = config.transplant
    if tp and not skip_transplant:
        base = str(tp.get("base", ""))
        if not Path(base).exists():
            note(f"transplant skipped: base model {base} not found (run `make models`)")
        else:
            from tokkit.surgery.config import DEFAULT_EVAL_TEXT, Method, TransplantConfig
            from tokkit.surgery.pipeline import transplant

            new = str(tp.get("tokenizer", ""))
            new_path = str(trained[new]) if new in trained else new
            rows = []
            for method in tp.get("methods", ["subword-mean"]):
                directory = out / "transplant" / str(method)
                directory.mkdir(parents=True)
                report = transplant(
                    base, new_path, directory, TransplantConfig(method=Method(method)), eval_text=DEFAULT_EVAL_TEXT
                )
                check = report.verification
                assert check is not None
                c = report.counts
                rows.append(
                    {
                        "method": method,
                        **{"exact": c.exact, "approximated": c.approximated, "unmatched": c.unmatched},
                        "base_bits_per_byte": check.base_bits_per_byte,
                        "new_bits_per_byte": check.new_bits_per_byte,
                        "ratio": check.ratio,
                        "new_token_mass": check.new_token_mass,
                    }
                )
            tables["transplant"] = pd.DataFrame(rows)
            transplanted = [out / "transplant" / str(m) for m in tp.get("methods", ["subword-mean"])]
            figures["transplant"] = "transplant.png"
            plots.bar_figure(
                tables["transplant"],
                "method",
                ["new_bits_per_byte"],
                title="Bits per byte after transplant",
                xlabel="bits per byte on held-out English (lower is better)",
                reference=float(rows[0]["base_bits_per_byte"]) if rows else None,
            ).savefig(out / "transplant.png")
    # 6. under-trained tokens of the listed models (and of the transplanted ones)
    if config.audit:
        models = [m for m in config.audit["models"] if Path(m).exists()]
        for missing in sorted(set(config.audit["models"]) - set(models)):
            note(f"audit skipped: model {missing} not found (run `make models`)")
        models += [str(d) for d in transplanted] if config.audit.get("transplanted") else []
        if models:
            tables["audit"] = _audit_table(models, int(config.audit.get("verify", 20)), out, note)
    # 7. the tidy CSVs and report.md
    for name, df in tables.items():
        df.to_csv(out / f"{name}.csv", index=False)
    (out / "report.md").write_text(_markdown(config, tables, figures), encoding="utf-8")
    return tables


def _corpus_language(value: str | None, langs: dict[str, int], key: str) -> str | None:
    """The corpus language a config value names (`eng` finds `eng_Latn`), None when absent."""
    from tokkit.languages import LanguageError, resolve_reference

    if value is None:
        return None
    try:
        return resolve_reference(value, langs, what=key)
    except LanguageError as e:
        raise InputError(f"report config [report]: {e}", hint=e.hint) from None


def _markdown(config: ReportConfig, tables: dict[str, pd.DataFrame], figures: dict[str, str]) -> str:
    def md(df: pd.DataFrame) -> str:
        return str(df.to_markdown(index=False, floatfmt=".3f"))

    parts = [f"# {config.title}", "", f"Parallel corpus `{config.corpus}`, reference `{config.reference}`.", ""]
    sections = [
        ("trained", "Trained tokenizers", None),
        ("evaluate", "Compression and token premiums", "premiums"),
        ("linguistic", f"%TR and %Pure ({config.linguistic_lang})", "linguistic"),
        ("adversarial", "Adversarial segmentation", "adversarial"),
        ("transplant", "Transplant", "transplant"),
        ("audit", "Under-trained tokens (tokkit audit)", None),
    ]
    for key, title, figure in sections:
        if key not in tables:
            continue
        df = tables[key]
        if key == "evaluate":
            df = df.pivot_table(index="lang", columns="tokenizer", values="token_premium").reset_index()
            title += " (token premium per language; full table in evaluate.csv)"
        parts += [f"## {title}", ""]
        if figure and figure in figures:
            parts += [f"![{title}]({figures[figure]})", ""]
        parts += [md(df.fillna(math.nan)), "", f"CSV: `{key}.csv`", ""]
    return "\n".join(parts)


def _audit_table(models: list[str], verify: int, out: Path, note: Callable[[str], None]) -> pd.DataFrame:
    """One row per model: `tokkit audit`'s counts (and, for a transplant, its initialised rows);
    each model's tokens.csv and audit.png under audit/<n>-<name>/. A model that cannot be audited
    (e.g. no reference rows) is noted and left out."""
    from tokkit import plots
    from tokkit.undertrained.config import AuditSettings
    from tokkit.undertrained.pipeline import audit

    keys = ["rows", "reference_source", "n_reference", "n_candidates", "n_verified", "n_confirmed",
            "precision_verified", "initialised", "initialised_under_trained", "healed"]  # fmt: skip
    rows = []
    for k, model in enumerate(models):
        try:
            result = audit(model, AuditSettings(verify=verify))
        except TokkitError as e:
            note(f"audit of {model} skipped: {e}")
            continue
        directory = out / "audit" / f"{k}-{Path(model).name}"
        directory.mkdir(parents=True)
        result.table.to_csv(directory / "tokens.csv", index=False, lineterminator="\r\n")
        fig = plots.audit_figure(result.table, threshold=result.summary["threshold"], title=Path(model).name)
        fig.savefig(directory / "audit.png")
        confirmed = result.table[result.table.confirmed].sort_values("rank").text.head(5)
        rows.append({"model": str(Path(model).relative_to(out)) if Path(model).is_relative_to(out) else model,
                     **{key: result.summary.get(key) for key in keys},
                     "confirmed_examples": " ".join(repr(t) for t in confirmed)})  # fmt: skip
    return pd.DataFrame(rows)
