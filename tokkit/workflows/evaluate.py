"""`tokkit evaluate` as a function: tokenizers × corpora → one tidy table of metrics.

Validation, duplicate-name renaming, the counting loop (local or on Dask), premiums, %TR/%Pure,
the optional correlation with downstream scores, and the written table/plot with their sidecar.
The defaults of the signature are the CLI's defaults (`cli/evaluate.py` reads them from here).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokkit.evaluation.cluster import DEFAULT_WORKERS, Engine
from tokkit.evaluation.counting import Counting
from tokkit.evaluation.linguistic import ShortTokens
from tokkit.workflows.defaults import defaults_of
from tokkit.workflows.feedback import SILENT, Feedback

if TYPE_CHECKING:
    import pandas as pd

    from tokkit.evaluation.lang_counts import LangCounts
    from tokkit.io.corpora import Corpus
    from tokkit.tokenizer import CountingPath, Tokenizer

__all__ = ["DEFAULTS", "Counting", "Engine", "EvaluateResult", "ShortTokens", "evaluate"]

METRICS = ("auto", "basic", "linguistic", "all")


@dataclass(frozen=True)
class EvaluateResult:
    """What `evaluate` measured.

    `table` has the `tables.EVALUATE_COLUMNS` (and, when `linguistic`, the
    `tables.LINGUISTIC_COLUMNS` after them); `counting_paths` says per tokenizer name which
    encoder counted; `correlations` is the `--scores` table; `params` and `inputs` are what the
    sidecar records; `written` the files written (table first, then the plot).
    """

    table: pd.DataFrame
    linguistic: bool
    counting_paths: dict[str, CountingPath]
    correlations: pd.DataFrame | None
    notes: tuple[str, ...]
    params: dict[str, Any]
    inputs: tuple[Path, ...]
    written: tuple[Path, ...]

    @property
    def linguistic_table(self) -> pd.DataFrame | None:
        """The %TR/%Pure columns per tokenizer × corpus × language, when they were asked for."""
        from tokkit.tables import LINGUISTIC_COLUMNS

        if not self.linguistic:
            return None
        return self.table[["tokenizer", "corpus", "lang", "n_tokens", *LINGUISTIC_COLUMNS]]


def evaluate(
    tokenizers: Sequence[str | Tokenizer],
    corpora: Sequence[str | Path | Corpus],
    *,
    reference: str | None = None,
    lang: str | None = None,
    text_column: str = "text",
    lang_column: str = "lang",
    alpha: float = 2.5,
    batch_size: int = 2048,
    metrics: str = "auto",
    premiums: bool = True,
    short_tokens: ShortTokens = ShortTokens.STRICT,
    linguistic_langs: Sequence[str] | None = None,
    scores: Path | None = None,
    tiktoken_pattern: str | None = None,
    trust_remote_code: bool = False,
    engine: Engine = Engine.LOCAL,
    scheduler: str | None = None,
    workers: int | None = None,
    counting: Counting = Counting.AUTO,
    output: Path | None = None,
    plot: Path | None = None,
    force: bool = False,
    feedback: Feedback = SILENT,
) -> EvaluateResult:
    """Measure tokenizers on corpora: token counts, premiums, fertility, compression, Rényi efficiency.

    `tokenizers` are specs (`load_tokenizer`: a path, an offline name, a hub id) or loaded
    tokenizers; `corpora` paths (`open_corpus`) or opened corpora. `metrics`: basic, linguistic
    (adds %TR/%Pure), all, or auto (linguistic when `lang` is given); `linguistic_langs` limits
    %TR/%Pure to those languages; `premiums=False` leaves `token_premium` blank. With `output`
    / `plot` the table / the premium plot are written (never replacing a file without
    `force`), with a `.meta.json` sidecar. Bad input raises a `TokkitError`.
    docs/evaluate.md describes every option and column.

    >>> from pathlib import Path
    >>> import tokkit
    >>> parallel = Path(tokkit.__file__).parents[1] / "corpora" / "parallel"
    >>> result = evaluate(["cl100k_base"], [parallel])
    >>> result.counting_paths["cl100k_base"].encoder
    'tiktoken'
    >>> for row in result.table[result.table.lang.isin(["eng", "deu", "hin"])].itertuples():
    ...     print(row.lang, row.n_tokens, f"{row.token_premium:.3f}", f"{row.fertility:.3f}")
    deu 5608 1.494 1.893
    eng 3753 1.000 1.246
    hin 16450 4.383 4.893
    """
    from tokkit.errors import InputError
    from tokkit.evaluation.counting import choose_counting
    from tokkit.evaluation.references import check_column_languages, one_reference, references
    from tokkit.io.reports import check_output, table_format_for
    from tokkit.tables import evaluation_table

    notes: list[str] = []

    def note(message: str) -> None:
        notes.append(message)
        feedback.note(message)

    if metrics not in METRICS:
        raise InputError(f"--metrics {metrics!r}: choose basic, linguistic, all or auto")
    want_linguistic = metrics in {"linguistic", "all"} or (metrics == "auto" and lang is not None)
    score_table = _read_scores(scores) if scores is not None else None
    _check_engine(engine, scheduler, workers)
    if engine is Engine.DASK and not all(isinstance(t, str) for t in tokenizers):
        raise InputError("engine dask loads the tokenizers on the workers: pass them as specs (names or paths)")
    if output is not None:
        check_output(output, force=force)
        table_format_for(output)
    if plot is not None:
        check_output(plot, force=force)
    opened = [_open(c, lang=lang, text_column=text_column, lang_column=lang_column) for c in corpora]
    refs = references(opened, reference) if premiums else {}
    for c in opened:
        if len(c.line_counts) >= 2 and not c.is_parallel:
            note(f"{c.name}: files have unequal line counts, so it is not parallel: no premiums")
    loaded = _load(tokenizers, tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code)
    paths = {tok.name: choose_counting(tok, counting) for tok in loaded}
    if engine is Engine.DASK:
        fast = [paths[t.name].path == "fast" and t.family != "tiktoken" for t in loaded]
        specs = [str(t) for t in tokenizers]
        all_counts = _count_on_dask(specs, loaded, opened, scheduler, workers, batch_size, tiktoken_pattern,
                                    trust_remote_code, fast, feedback)  # fmt: skip
    else:
        all_counts = _count_locally(loaded, opened, batch_size, feedback)
    check_column_languages(all_counts)
    unspaced = sorted({x.lang for x in all_counts if x.word_unit == "character"})
    if unspaced:
        feedback.info(f"{', '.join(unspaced)}: written without spaces, so words are counted per character")
    tabulated = evaluation_table(
        all_counts, reference=refs, parallel={c.name: c.is_parallel for c in opened}, alpha=alpha
    )
    for message in tabulated.notes:
        note(message)
    table = tabulated.table
    if want_linguistic:
        table = _linguistic(table, all_counts, loaded, short_tokens, linguistic_langs, feedback, note,
                            required=metrics != "auto")  # fmt: skip
    params = {
        "tokenizers": [str(t) if isinstance(t, str) else t.name for t in tokenizers],
        "corpus": [str(c) if isinstance(c, (str, Path)) else c.name for c in corpora], "reference": one_reference(refs),
        "lang": lang, "alpha": alpha, "batch_size": batch_size, "text_column": text_column,
        "lang_column": lang_column, "tiktoken_pattern": tiktoken_pattern, "metrics": metrics,
        "short_tokens": short_tokens.value, "engine": engine.value, "n_shards": sum(len(c.files) for c in opened),
        "scheduler": scheduler, "workers": workers, "counting": counting.value,
        "counting_paths": {name: asdict(p) for name, p in paths.items()},
    }  # fmt: skip
    inputs = tuple([f.path for c in opened for f in c.files] + [p for t in loaded for p in t.files])
    written = _write(table, refs, output, plot, params, inputs, force=force)
    correlations = None
    if score_table is not None:
        from tokkit.tables import score_correlations

        correlations, messages = score_correlations(table, score_table)
        for message in messages:
            note(message)
    return EvaluateResult(table, want_linguistic, paths, correlations, tuple(notes), params, inputs, written)


DEFAULTS = defaults_of(evaluate)  # by parameter name: the CLI's option defaults


def _open(corpus: str | Path | Corpus, *, lang: str | None, text_column: str, lang_column: str) -> Corpus:
    from tokkit.io.corpora import open_corpus

    if isinstance(corpus, (str, Path)):
        return open_corpus(Path(corpus), lang=lang, text_column=text_column, lang_column=lang_column)
    return corpus


def _load(
    specs: Sequence[str | Tokenizer], *, tiktoken_pattern: str | None, trust_remote_code: bool
) -> list[Tokenizer]:
    """The tokenizers, loaded; a name met again is renamed `name#2`, `name#3`, … (loaded ones keep theirs)."""
    from tokkit.io.tokenizers import load_tokenizer

    loaded = []
    names: set[str] = set()
    for spec in specs:
        if not isinstance(spec, str):
            names.add(spec.name)
            loaded.append(spec)
            continue
        tok = load_tokenizer(spec, tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code)
        base, k = tok.name, 2
        while tok.name in names:
            tok.name, k = f"{base}#{k}", k + 1
        names.add(tok.name)
        loaded.append(tok)
    return loaded


def _check_engine(engine: Engine, scheduler: str | None, workers: int | None) -> None:
    """Flags that only make sense together; dask installed when it is asked for."""
    from tokkit.errors import InputError
    from tokkit.evaluation.cluster import require_dask

    if engine is not Engine.DASK and (scheduler is not None or workers is not None):
        raise InputError("--scheduler and --workers need --engine dask")
    if scheduler is not None and workers is not None:
        raise InputError(
            "--workers sets the size of a local cluster, so it cannot go with --scheduler",
            hint="the scheduler's cluster has its own workers; drop --workers",
        )
    if engine is Engine.DASK:
        require_dask()


def _count_locally(
    tokenizers: list[Tokenizer], corpora: list[Corpus], batch_size: int, feedback: Feedback
) -> list[LangCounts]:
    """Counts of every tokenizer on every corpus, in this process (corpus-major order)."""
    from tokkit.evaluation.runner import count_tokens

    counts: list[LangCounts] = []
    for c in corpora:
        for tok in tokenizers:
            with feedback.progress(f"{tok.name} on {c.name}", total=c.n_bytes, unit_bytes=True) as advance:
                counts += count_tokens(tok, c, batch_size=batch_size, on_progress=advance)
    return counts


def _count_on_dask(
    specs: list[str],
    tokenizers: list[Tokenizer],
    corpora: list[Corpus],
    scheduler: str | None,
    workers: int | None,
    batch_size: int,
    tiktoken_pattern: str | None,
    trust_remote_code: bool,
    fast: list[bool],
    feedback: Feedback,
) -> list[LangCounts]:
    """Counts of every tokenizer on every shard of the corpora, on a Dask cluster, merged per language."""
    from tokkit.evaluation.cluster import TokenizerSpec, count_on_cluster

    named = [
        (
            tok.name,
            TokenizerSpec.for_workers(
                spec, tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code, fast_counting=f
            ),
        )
        for spec, tok, f in zip(specs, tokenizers, fast, strict=True)
    ]
    n_tasks = len(named) * sum(len(c.files) for c in corpora)
    where = scheduler or f"a local cluster of {workers or DEFAULT_WORKERS} workers"
    with feedback.progress(f"{n_tasks} shard tasks on {where}", total=n_tasks) as advance:
        return count_on_cluster(
            named, corpora, scheduler=scheduler, n_workers=workers or DEFAULT_WORKERS, batch_size=batch_size,
            on_progress=advance,
        )  # fmt: skip


def _read_scores(path: Path) -> pd.DataFrame:
    """The `--scores` table, with its columns checked."""
    from tokkit.errors import InputError
    from tokkit.io.scores import read_scores

    df = read_scores(path)
    if not {"tokenizer", "score"} <= set(df.columns):
        raise InputError(f"--scores {path} needs columns tokenizer,score (has {', '.join(map(str, df.columns))})")
    return df


def _linguistic(
    table: pd.DataFrame,
    counts: list[LangCounts],
    tokenizers: list[Tokenizer],
    short: ShortTokens,
    langs: Sequence[str] | None,
    feedback: Feedback,
    note: Callable[[str], None],
    *,
    required: bool,
) -> pd.DataFrame:
    """%TR/%Pure for every tokenizer × language that has an oracle (of `langs`, when given)."""
    from tokkit.errors import InputError
    from tokkit.evaluation.runner import linguistic_for
    from tokkit.io.oracles import load_oracle
    from tokkit.tables import add_linguistic

    by_name = {t.name: t for t in tokenizers}
    oracles = {}
    for lang in sorted({c.lang for c in counts if langs is None or c.lang in langs}):
        try:
            with feedback.progress(f"loading the {lang} oracle", total=None):
                oracles[lang] = load_oracle(lang)
        except InputError as e:
            if required:
                raise
            note(f"no %TR/%Pure for {lang}: {e}")
    results = {}
    with feedback.progress("judging tokens", total=len(counts)) as advance:
        for c in counts:
            if c.lang in oracles:
                results[(c.tokenizer, c.corpus, c.lang)] = linguistic_for(
                    by_name[c.tokenizer], c, oracles[c.lang], short_tokens=short
                )
            advance(1)
    return add_linguistic(table, results)


def _write(
    table: pd.DataFrame,
    refs: dict[str, str],
    output: Path | None,
    plot: Path | None,
    params: dict[str, Any],
    inputs: tuple[Path, ...],
    *,
    force: bool,
) -> tuple[Path, ...]:
    """The table and the premium plot, when asked for, and their sidecar (next to the first)."""
    from tokkit.errors import InputError
    from tokkit.io.reports import save_figure, write_sidecar, write_table

    written = []
    if output is not None:
        write_table(table, output, force=force)
        written.append(output)
    if plot is not None:
        if not refs or table["token_premium"].isna().all():
            raise InputError("--plot draws token premiums, which need a parallel corpus with the reference language")
        from tokkit.plots import premium_figure

        save_figure(premium_figure(table, reference=", ".join(sorted(set(refs.values())))), plot, force=force)
        written.append(plot)
    if written:
        write_sidecar(written[0], params=params, inputs=inputs, outputs=written, force=force)
    return tuple(written)
