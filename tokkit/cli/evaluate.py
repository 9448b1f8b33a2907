"""`tokkit evaluate`: compression, fertility, premiums and efficiency of tokenizers on corpora."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tokkit.cli._options import (
    ForceOpt,
    FormatOpt,
    OutputFileOpt,
    SchedulerOpt,
    TiktokenPatternOpt,
    TrustRemoteCodeOpt,
    WorkersOpt,
)
from tokkit.cli._output import OutputFormat, emit, info, note, progress, user_errors
from tokkit.evaluation.cluster import DEFAULT_WORKERS, Engine
from tokkit.evaluation.counting import Counting
from tokkit.evaluation.linguistic import ShortTokens

if TYPE_CHECKING:
    import pandas as pd

    from tokkit.evaluation.runner import LangCounts
    from tokkit.io.corpora import Corpus
    from tokkit.tokenizer import Tokenizer

TABLE_COLUMNS = [
    "tokenizer", "lang", "n_tokens", "bytes_per_token", "fertility", "split_word_share", "unk_share",
    "vocab_used", "renyi_efficiency", "token_premium", "mb_per_s",
]  # fmt: skip


def evaluate_cmd(
    tokenizers: Annotated[
        list[str],
        typer.Argument(
            metavar="TOKENIZER...",
            help="tokenizer.json, tokenizer directory, .model, .tiktoken, tekken .json, .gguf, "
            "an offline name (cl100k_base, tekken, mistral-v1, qwen2.5, llama-3, deepseek-v3, minilm) or a hub id.",
        ),
    ],
    corpus: Annotated[
        list[Path],
        typer.Option(
            "--corpus", "-c", help="A text file, a directory of <lang>.txt files, or .jsonl/.parquet (repeatable)."
        ),
    ],
    reference: Annotated[
        str | None,
        typer.Option(help="Reference language for token premiums [default: eng when the corpus is parallel]."),
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Language of a single-file corpus [default: the file name].")] = None,
    text_column: Annotated[str, typer.Option(help="Text column of .jsonl/.parquet corpora.")] = "text",
    lang_column: Annotated[str, typer.Option(help="Language column of .jsonl/.parquet corpora, if any.")] = "lang",
    alpha: Annotated[float, typer.Option(min=0.0, help="Order α of the Rényi efficiency (1 = Shannon).")] = 2.5,
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputFileOpt = None,
    plot: Annotated[Path | None, typer.Option(help="Write a PNG of the token premium per language.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Lines encoded per batch.")] = 2048,
    metrics: Annotated[
        str,
        typer.Option(
            help="basic, linguistic (adds %TR/%Pure), all, or auto (basic, plus linguistic when --lang is given)."
        ),
    ] = "auto",
    short_tokens: Annotated[
        ShortTokens, typer.Option(help="%TR/%Pure rule for 1-2 character tokens (see docs/evaluate.md).")
    ] = ShortTokens.STRICT,
    scores: Annotated[
        Path | None,
        typer.Option(help="CSV with columns tokenizer,score: print the correlation of each metric with it."),
    ] = None,
    tiktoken_pattern: TiktokenPatternOpt = None,
    trust_remote_code: TrustRemoteCodeOpt = False,
    force: ForceOpt = False,
    engine: Annotated[
        Engine,
        typer.Option(
            case_sensitive=False,
            help="local: count in this process; dask: one task per tokenizer × shard (corpus file) on a Dask "
            "cluster, merged exactly.",
        ),
    ] = Engine.LOCAL,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    counting: Annotated[
        Counting,
        typer.Option(
            case_sensitive=False,
            help="auto: count byte-level BPE with tiktoken where its ids are the library's (checked), else the "
            "library; fast: tiktoken or an error; exact: the library.",
        ),
    ] = Counting.AUTO,
) -> None:
    """Measure tokenizers on corpora: token counts, premiums, fertility, compression, Rényi efficiency.

    Example: tokkit evaluate cl100k_base tekken --corpus corpora/parallel --plot premiums.png

    On a cluster: tokkit evaluate cl100k_base -c shards/ --engine dask --scheduler tcp://HOST:8786
    """
    from dataclasses import asdict

    from tokkit.errors import InputError
    from tokkit.evaluation.counting import choose_counting
    from tokkit.evaluation.runner import count_tokens
    from tokkit.io.corpora import open_corpus
    from tokkit.io.reports import check_output, save_figure, table_format_for, write_sidecar, write_table
    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.tables import evaluation_table

    with user_errors():
        if metrics not in {"auto", "basic", "linguistic", "all"}:
            raise InputError(f"--metrics {metrics!r}: choose basic, linguistic, all or auto")
        want_linguistic = metrics in {"linguistic", "all"} or (metrics == "auto" and lang is not None)
        score_table = _read_scores(scores) if scores is not None else None
        _check_engine(engine, scheduler, workers)
        if output is not None:
            check_output(output, force=force)
            table_format_for(output)
        if plot is not None:
            check_output(plot, force=force)
        corpora = [open_corpus(p, lang=lang, text_column=text_column, lang_column=lang_column) for p in corpus]
        refs = _references(corpora, reference)
        ref = _one_reference(refs)
        for c in corpora:
            if len(c.line_counts) >= 2 and not c.is_parallel:
                note(f"{c.name}: files have unequal line counts, so it is not parallel: no premiums")
        loaded = []
        names: set[str] = set()
        for spec in tokenizers:
            tok = load_tokenizer(spec, tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code)
            base, k = tok.name, 2
            while tok.name in names:
                tok.name, k = f"{base}#{k}", k + 1
            names.add(tok.name)
            loaded.append(tok)
        paths = {tok.name: choose_counting(tok, counting) for tok in loaded}
        n_shards = sum(len(c.files) for c in corpora)
        if engine is Engine.DASK:
            fast = [paths[t.name].path == "fast" and t.family != "tiktoken" for t in loaded]
            all_counts = _count_on_dask(tokenizers, loaded, corpora, scheduler, workers, batch_size, tiktoken_pattern,
                                        trust_remote_code, fast)  # fmt: skip
        else:
            all_counts = []
            for c in corpora:
                for tok in loaded:
                    with progress(f"{tok.name} on {c.name}", total=c.n_bytes, unit_bytes=True) as advance:
                        all_counts += count_tokens(tok, c, batch_size=batch_size, on_progress=advance)
        _check_column_languages(all_counts)
        unspaced = sorted({x.lang for x in all_counts if x.word_unit == "character"})
        if unspaced:
            info(f"{', '.join(unspaced)}: written without spaces, so words are counted per character")
        result = evaluation_table(
            all_counts, reference=refs, parallel={c.name: c.is_parallel for c in corpora}, alpha=alpha
        )
        for message in result.notes:
            note(message)
        table = result.table
        if want_linguistic:
            table = _linguistic(table, all_counts, loaded, short_tokens, required=metrics != "auto")
        written = []
        if output is not None:
            write_table(table, output, force=force)
            written.append(output)
        if plot is not None:
            if not refs or table["token_premium"].isna().all():
                raise InputError(
                    "--plot draws token premiums, which need a parallel corpus with the reference language"
                )
            from tokkit.plots import premium_figure

            save_figure(premium_figure(table, reference=", ".join(sorted(set(refs.values())))), plot, force=force)
            written.append(plot)
        if written:
            inputs = [f.path for c in corpora for f in c.files] + [p for t in loaded for p in t.files]
            params = {
                "tokenizers": tokenizers, "corpus": [str(p) for p in corpus], "reference": ref, "lang": lang,
                "alpha": alpha, "batch_size": batch_size, "text_column": text_column, "lang_column": lang_column,
                "tiktoken_pattern": tiktoken_pattern, "metrics": metrics, "short_tokens": short_tokens.value,
                "engine": engine.value, "n_shards": n_shards, "scheduler": scheduler, "workers": workers,
                "counting": counting.value, "counting_paths": {name: asdict(p) for name, p in paths.items()},
            }  # fmt: skip
            write_sidecar(written[0], params=params, inputs=inputs, outputs=written, force=force)
        if score_table is not None:
            from tokkit.tables import score_correlations

            correlations, messages = score_correlations(table, score_table)
            for message in messages:
                note(message)
            emit(correlations, fmt, title="correlation of each metric with the downstream score")
            return
    columns = TABLE_COLUMNS + (LINGUISTIC_TABLE_COLUMNS if want_linguistic else [])
    emit(table, fmt, title="tokkit evaluate", columns=columns)


LINGUISTIC_TABLE_COLUMNS = ["oracle", "pct_lang_token", "pct_lang_type", "pct_pure_token", "pct_pure_type"]


def _references(corpora: list[Corpus], reference: str | None) -> dict[str, str]:
    """The reference language of each corpus that gets premiums, by corpus name.

    `--reference` resolves as documented in docs/evaluate.md (`eng` finds `eng_Latn`; a value
    that names several languages is an error) and must be in every corpus, which must be parallel.
    Without it, `eng` (or the one `eng_<Script>`) of each parallel corpus that has it.
    """
    from tokkit.errors import IncompatibleInputsError, InputError
    from tokkit.languages import LanguageError, resolve_reference

    refs = {}
    for c in corpora:
        if reference is None and not c.is_parallel:
            continue
        try:
            found = resolve_reference(reference or "eng", c.line_counts)
        except LanguageError as e:
            raise InputError(
                f"{e} in corpus {c.name}", hint=f"pass one of them: --reference {e.candidates[0]}"
            ) from None
        if reference is not None and found is None:
            raise InputError(
                f"reference language {reference!r} is not in corpus {c.name}",
                hint=f"languages there: {', '.join(sorted(c.line_counts)) or 'none'}",
            )
        if reference is not None and not c.is_parallel:
            listed = ", ".join(f"{k}={v}" for k, v in sorted(c.line_counts.items()))
            raise IncompatibleInputsError(
                f"premiums need a parallel corpus, but {c.name} has unequal line counts ({listed})",
                hint="align the files line by line, or drop --reference",
            )
        if found is not None and c.is_parallel:
            refs[c.name] = found
    return refs


def _check_column_languages(counts: list[LangCounts]) -> None:
    """Languages read from a .jsonl/.parquet language column follow the file rule too: `zho` and
    `zho_Hans` in one corpus name the same text (an error)."""
    from tokkit.errors import InputError
    from tokkit.languages import clashes

    for corpus in sorted({c.corpus for c in counts}):
        found = clashes(sorted({c.lang for c in counts if c.corpus == corpus}))
        if found:
            a, b = found[0]
            raise InputError(
                f"corpus {corpus} has text for language {a} and for {b}, which name the same language",
                hint="label the records with one spelling, or name scripts apart (zho_Hans, zho_Hant)",
            )


def _one_reference(refs: dict[str, str]) -> str | dict[str, str] | None:
    """The reference for the sidecar: one tag when every corpus uses the same (or none)."""
    tags = set(refs.values())
    if len(tags) > 1:
        return refs
    return next(iter(tags), None)


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
    with progress(f"{n_tasks} shard tasks on {where}", total=n_tasks) as advance:
        return count_on_cluster(
            named, corpora, scheduler=scheduler, n_workers=workers or DEFAULT_WORKERS, batch_size=batch_size,
            on_progress=advance,
        )  # fmt: skip


def _read_scores(path: Path) -> pd.DataFrame:
    import pandas as pd

    from tokkit.errors import InputError

    try:
        df = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read --scores {path} ({e})") from None
    if not {"tokenizer", "score"} <= set(df.columns):
        raise InputError(f"--scores {path} needs columns tokenizer,score (has {', '.join(map(str, df.columns))})")
    return df


def _linguistic(
    table: pd.DataFrame, counts: list[LangCounts], tokenizers: list[Tokenizer], short: ShortTokens, *, required: bool
) -> pd.DataFrame:
    """%TR/%Pure for every tokenizer × language that has an oracle."""
    from tokkit.errors import InputError
    from tokkit.evaluation.runner import linguistic_for
    from tokkit.io.oracles import load_oracle
    from tokkit.tables import add_linguistic

    by_name = {t.name: t for t in tokenizers}
    oracles = {}
    for lang in sorted({c.lang for c in counts}):
        try:
            with progress(f"loading the {lang} oracle", total=None):
                oracles[lang] = load_oracle(lang)
        except InputError as e:
            if required:
                raise
            note(f"no %TR/%Pure for {lang}: {e}")
    results = {}
    with progress("judging tokens", total=len(counts)) as advance:
        for c in counts:
            if c.lang in oracles:
                results[(c.tokenizer, c.corpus, c.lang)] = linguistic_for(
                    by_name[c.tokenizer], c, oracles[c.lang], short_tokens=short
                )
            advance(1)
    return add_linguistic(table, results)
