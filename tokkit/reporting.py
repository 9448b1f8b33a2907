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

from tokkit.errors import InputError
from tokkit.io.catalog import cache_dir
from tokkit.io.corpora import line_source, open_corpus
from tokkit.io.tokenizers import Tokenizer, load_tokenizer, write_tokenizer_dir

DEFAULT_CONFIG = Path(__file__).resolve().parent / "data" / "report.toml"


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
    unknown = set(data) - {"report", "train", "evaluate", "adversarial", "transplant"}
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
    return ReportConfig(
        title=head.get("title", "tokkit report"),
        corpus=head.get("corpus", "corpora/parallel"),
        reference=head.get("reference", "eng"),
        linguistic_lang=head.get("linguistic_lang"),
        train=list(data.get("train", [])),
        evaluate=list(data.get("evaluate", {}).get("tokenizers", [])),
        adversarial=dict(data.get("adversarial", {})),
        transplant=transplant,
    )


def _check_entries(path: Path, data: dict[str, Any]) -> None:
    """Values that would otherwise fail deep inside a run: algorithms, sizes, methods."""
    from tokkit.train.config import Algorithm
    from tokkit.transplant.config import Method

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
    from tokkit.adversarial.generate import STOPWORDS, generate
    from tokkit.adversarial.score import judge
    from tokkit.evaluate.linguistic import ShortTokens
    from tokkit.evaluate.runner import count_tokens, linguistic_for
    from tokkit.io.oracles import load_oracle
    from tokkit.io.reports import write_jsonl
    from tokkit.io.wordlists import top_words
    from tokkit.report import add_linguistic, adversarial_table, evaluation_table
    from tokkit.train.config import Algorithm, TrainConfig
    from tokkit.train.runner import train_tokenizer

    tables: dict[str, pd.DataFrame] = {}
    figures: dict[str, str] = {}
    trained: dict[str, Path] = {}
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
    corpus = open_corpus(Path(config.corpus))
    toks = [resolve(n) for n in config.evaluate]
    counts = [c for t in toks for c in count_tokens(t, corpus)]
    table = evaluation_table(counts, reference=config.reference, parallel={corpus.name: corpus.is_parallel}).table
    tables["evaluate"] = table
    if corpus.is_parallel and config.reference in corpus.line_counts:
        figures["premiums"] = "premiums.png"
        plots.premium_figure(table, reference=config.reference).savefig(out / "premiums.png")
    # 3. %TR/%Pure on one language
    if config.linguistic_lang and config.linguistic_lang in corpus.line_counts:
        lang = config.linguistic_lang
        lang_counts = [c for c in counts if c.lang == lang]  # counted in step 2 already
        oracle = load_oracle(lang)
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
            title=f"%TR and %Pure on {lang} (token level)",
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
            from tokkit.transplant.config import DEFAULT_EVAL_TEXT, Method, TransplantConfig
            from tokkit.transplant.pipeline import transplant

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
            figures["transplant"] = "transplant.png"
            plots.bar_figure(
                tables["transplant"],
                "method",
                ["new_bits_per_byte"],
                title="Bits per byte after transplant",
                xlabel="bits per byte on held-out English (lower is better)",
                reference=float(rows[0]["base_bits_per_byte"]) if rows else None,
            ).savefig(out / "transplant.png")
    # 6. the tidy CSVs and report.md
    for name, df in tables.items():
        df.to_csv(out / f"{name}.csv", index=False)
    (out / "report.md").write_text(_markdown(config, tables, figures), encoding="utf-8")
    return tables


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
