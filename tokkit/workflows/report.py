"""`tokkit report` as a function: train, evaluate, attack and transplant from one plan, into one report.

A sequence of numbered steps, each a call to a workflow (`evaluate`, `adversarial.generate`,
`adversarial.judge`) or, for train / transplant / audit, to what those commands run; every table
is also written as CSV next to report.md, every figure as PNG (through `io/report_files.py`).
The plan is read and checked by `report_config.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tokkit.errors import TokkitError
from tokkit.io.corpora import Corpus, line_source, open_corpus
from tokkit.io.report_files import new_dir, write_csv, write_markdown, write_png
from tokkit.io.tokenizers import Tokenizer, load_tokenizer, write_tokenizer_dir
from tokkit.workflows.feedback import SILENT, Feedback
from tokkit.workflows.report_config import DEFAULT_CONFIG, ReportConfig, corpus_language, read_config

__all__ = ["DEFAULT_CONFIG", "ReportConfig", "ReportResult", "read_config", "report"]

LINGUISTIC_REPORT_COLUMNS = [
    "tokenizer", "lang", "n_tokens", "pct_lang_token", "pct_lang_type", "pct_pure_token", "pct_pure_type",
]  # fmt: skip


@dataclass(frozen=True)
class ReportResult:
    """The report directory, its report.md, and every table in it by name (`trained`, `evaluate`,
    `linguistic`, `adversarial`, `transplant`, `audit`: the steps that ran)."""

    output: Path
    markdown: Path
    tables: dict[str, pd.DataFrame]


def report(
    output: Path,
    config: ReportConfig | str | Path | None = None,
    *,
    skip_transplant: bool = False,
    force: bool = False,
    feedback: Feedback = SILENT,
) -> ReportResult:
    """Run a plan (a `ReportConfig`, a TOML path, or None: the shipped plan) into the directory `output`.

    The directory is filled in a temporary sibling and moved into place at the end, with a
    `tokkit.meta.json` sidecar; an existing `output` is replaced only with `force`.

    >>> import tempfile
    >>> from pathlib import Path
    >>> import tokkit
    >>> plan = ReportConfig(corpus=str(Path(tokkit.__file__).parents[1] / "corpora" / "parallel"),
    ...                     evaluate=["cl100k_base", "qwen2.5"])
    >>> result = report(Path(tempfile.mkdtemp()) / "report", plan)
    >>> sorted(p.name for p in result.output.iterdir())
    ['evaluate.csv', 'premiums.png', 'report.md', 'tokkit.meta.json']
    >>> table = result.tables["evaluate"]
    >>> print(table[table.lang == "hin"][["tokenizer", "token_premium"]].round(3).to_string(index=False))
      tokenizer  token_premium
    cl100k_base          4.383
        qwen2.5          3.873
    """
    from tokkit.io.reports import write_dir_atomic, write_sidecar

    path = Path(config) if isinstance(config, (str, Path)) else DEFAULT_CONFIG if config is None else None
    _check_output_dir(output, force=force)
    plan = read_config(path) if path is not None else config
    assert isinstance(plan, ReportConfig)
    tables: dict[str, pd.DataFrame] = {}

    def fill(directory: Path) -> None:
        with feedback.progress("building the report", total=None):
            tables.update(_run_steps(plan, directory, skip_transplant=skip_transplant, note=feedback.note))
        params = {"config": str(path) if path is not None else None, "skip_transplant": skip_transplant}
        write_sidecar(directory, params=params, inputs=[path] if path is not None else [], outputs=[output],
                      force=False)  # fmt: skip

    write_dir_atomic(output, fill, force=force)
    return ReportResult(output, output / "report.md", tables)


def _check_output_dir(output: Path, *, force: bool) -> None:
    """Before the plan is read: an output that is a file, or exists without `force`, is an error."""
    from tokkit.errors import InputError, OutputExistsError

    if output.exists() and not output.is_dir():
        raise InputError(f"output {output} is a file, expected a directory")
    if output.exists() and not force:
        raise OutputExistsError(f"output {output} already exists", hint="pass --force to replace it")


def _run_steps(
    config: ReportConfig, out: Path, *, skip_transplant: bool, note: Callable[[str], None]
) -> dict[str, pd.DataFrame]:
    """Run the plan into `out` (an empty directory); returns the tables by name."""
    tables: dict[str, pd.DataFrame] = {}
    figures: dict[str, str] = {}
    # the corpus and its languages first, so that a bad value fails before any training
    corpus = open_corpus(Path(config.corpus))
    reference = corpus_language(config.reference, corpus.line_counts, "reference")
    linguistic_lang = corpus_language(config.linguistic_lang, corpus.line_counts, "linguistic_lang")
    # 1. train the listed tokenizers
    trained = _train(config, out, tables)
    loaded: dict[str, Tokenizer] = {}

    def resolve(name: str) -> Tokenizer:
        """The tokenizer of a [[train]] name or a spec, loaded once for all steps."""
        if name not in loaded:
            loaded[name] = load_tokenizer(str(trained[name]) if name in trained else name)
            loaded[name].name = name
        return loaded[name]

    # 2. and 3. evaluate on the parallel corpus (premiums, compression), %TR/%Pure on one language
    _evaluate(config, corpus, reference, linguistic_lang, [resolve(n) for n in config.evaluate], out, tables,
              figures)  # fmt: skip
    # 4. adversarial cases from one tokenizer's vocabulary, scored for all
    if config.adversarial:
        _adversarial(config, resolve, out, tables, figures)
    # 5. transplant one tokenizer into a model with several methods
    transplanted: list[Path] = []
    if config.transplant and not skip_transplant:
        transplanted = _transplant(config, trained, out, tables, figures, note)
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
        write_csv(df, out / f"{name}.csv")
    write_markdown(_markdown(config, tables, figures), out / "report.md")
    return tables


def _train(config: ReportConfig, out: Path, tables: dict[str, pd.DataFrame]) -> dict[str, Path]:
    """Step 1: each [[train]] tokenizer into tokenizers/<name>/; their stats as `trained`."""
    from tokkit.training.config import Algorithm, TrainConfig
    from tokkit.training.runner import train_tokenizer

    trained: dict[str, Path] = {}
    rows = []
    for spec in config.train:
        name = str(spec["name"])  # entries were checked by read_config
        tc = TrainConfig(
            algorithm=Algorithm(spec.get("algorithm", "bpe")), vocab_size=int(spec.get("vocab_size", 8000))
        )
        texts = line_source([open_corpus(Path(p), all_files=True) for p in spec.get("corpus", [])])
        result = train_tokenizer(texts, tc)
        directory = new_dir(out / "tokenizers" / name)
        sample = [x for _, x in zip(range(100), texts(), strict=False)]
        write_tokenizer_dir(
            result.tokenizer, directory, roles=result.roles, extra_files=result.extra_files, check_lines=sample
        )
        trained[name] = directory
        rows.append({"name": name, "algorithm": tc.algorithm.value, **result.stats})
    if rows:
        tables["trained"] = pd.DataFrame(rows)
    return trained


def _evaluate(
    config: ReportConfig,
    corpus: Corpus,
    reference: str | None,
    linguistic_lang: str | None,
    tokenizers: list[Tokenizer],
    out: Path,
    tables: dict[str, pd.DataFrame],
    figures: dict[str, str],
) -> None:
    """Steps 2 and 3: `evaluate` once (counted by each library), split into `evaluate` and `linguistic`."""
    from tokkit import plots
    from tokkit.tables import EVALUATE_COLUMNS
    from tokkit.workflows.evaluate import Counting, evaluate

    premiums = corpus.is_parallel and reference is not None
    result = evaluate(
        tokenizers, [corpus], reference=reference if premiums else None, premiums=premiums,
        metrics="basic" if linguistic_lang is None else "linguistic",
        linguistic_langs=None if linguistic_lang is None else [linguistic_lang], counting=Counting.EXACT,
    )  # fmt: skip
    tables["evaluate"] = table = result.table[EVALUATE_COLUMNS]
    if premiums:
        assert reference is not None
        figures["premiums"] = "premiums.png"
        write_png(plots.premium_figure(table, reference=reference), out / "premiums.png")
    if linguistic_lang is None:
        return
    rows = result.table[result.table.lang == linguistic_lang]
    tables["linguistic"] = rows[LINGUISTIC_REPORT_COLUMNS].reset_index(drop=True)
    figures["linguistic"] = "linguistic.png"
    figure = plots.bar_figure(
        tables["linguistic"],
        "tokenizer",
        ["pct_lang_token", "pct_pure_token"],
        title=f"%TR and %Pure on {linguistic_lang} (token level)",
        xlabel="percent",
    )
    write_png(figure, out / "linguistic.png")


def _adversarial(
    config: ReportConfig,
    resolve: Callable[[str], Tokenizer],
    out: Path,
    tables: dict[str, pd.DataFrame],
    figures: dict[str, str],
) -> None:
    """Step 4: cases from `generate_with`'s vocabulary (cases.jsonl), judged for every tokenizer."""
    from tokkit import plots
    from tokkit.io.reports import write_jsonl
    from tokkit.workflows.adversarial import generate, judge

    adv = config.adversarial
    lang = str(adv.get("lang", "en"))
    cases = generate(resolve(str(adv.get("generate_with", "cl100k_base"))), lang, n=int(adv.get("n", 100))).cases
    write_jsonl([c.record() for c in cases], out / "cases.jsonl", force=False)
    judged = judge([resolve(n) for n in adv.get("tokenizers", config.evaluate)], cases)
    tables["adversarial"] = judged.violations
    overall = judged.violations[judged.violations.family == "all"]
    figures["adversarial"] = "adversarial.png"
    figure = plots.bar_figure(
        overall,
        "tokenizer",
        ["violation_rate"],
        title=f"Adversarial violation rate ({lang})",
        xlabel="share of cases whose tokens cross the intended boundary",
    )
    write_png(figure, out / "adversarial.png")


def _transplant(
    config: ReportConfig,
    trained: dict[str, Path],
    out: Path,
    tables: dict[str, pd.DataFrame],
    figures: dict[str, str],
    note: Callable[[str], None],
) -> list[Path]:
    """Step 5: the tokenizer into the base model with each method, verified; the model directories."""
    from tokkit import plots

    tp = config.transplant
    base = str(tp.get("base", ""))
    if not Path(base).exists():
        note(f"transplant skipped: base model {base} not found (run `make models`)")
        return []
    from tokkit.surgery.config import DEFAULT_EVAL_TEXT, Method, TransplantConfig
    from tokkit.surgery.pipeline import transplant

    new = str(tp.get("tokenizer", ""))
    new_path = str(trained[new]) if new in trained else new
    rows = []
    for method in tp.get("methods", ["subword-mean"]):
        directory = new_dir(out / "transplant" / str(method))
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
    figures["transplant"] = "transplant.png"
    figure = plots.bar_figure(
        tables["transplant"],
        "method",
        ["new_bits_per_byte"],
        title="Bits per byte after transplant",
        xlabel="bits per byte on held-out English (lower is better)",
        reference=float(rows[0]["base_bits_per_byte"]) if rows else None,
    )
    write_png(figure, out / "transplant.png")
    return [out / "transplant" / str(m) for m in tp.get("methods", ["subword-mean"])]


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
        directory = new_dir(out / "audit" / f"{k}-{Path(model).name}")
        write_csv(result.table, directory / "tokens.csv", crlf=True)
        fig = plots.audit_figure(result.table, threshold=result.summary["threshold"], title=Path(model).name)
        write_png(fig, directory / "audit.png")
        confirmed = result.table[result.table.confirmed].sort_values("rank").text.head(5)
        rows.append({"model": str(Path(model).relative_to(out)) if Path(model).is_relative_to(out) else model,
                     **{key: result.summary.get(key) for key in keys},
                     "confirmed_examples": " ".join(repr(t) for t in confirmed)})  # fmt: skip
    return pd.DataFrame(rows)
