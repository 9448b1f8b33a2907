"""`tokkit evaluate`: compression, fertility, premiums and efficiency of tokenizers on corpora."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
from tokkit.cli._output import FEEDBACK, OutputFormat, emit, user_errors
from tokkit.workflows.evaluate import DEFAULTS as D
from tokkit.workflows.evaluate import Counting, Engine, ShortTokens

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
    ] = D["reference"],
    lang: Annotated[str | None, typer.Option(help="Language of a single-file corpus [default: the file name].")] = D[
        "lang"
    ],
    text_column: Annotated[str, typer.Option(help="Text column of .jsonl/.parquet corpora.")] = D["text_column"],
    lang_column: Annotated[str, typer.Option(help="Language column of .jsonl/.parquet corpora, if any.")] = D[
        "lang_column"
    ],
    alpha: Annotated[float, typer.Option(min=0.0, help="Order α of the Rényi efficiency (1 = Shannon).")] = D["alpha"],
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputFileOpt = None,
    plot: Annotated[Path | None, typer.Option(help="Write a PNG of the token premium per language.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Lines encoded per batch.")] = D["batch_size"],
    metrics: Annotated[
        str,
        typer.Option(
            help="basic, linguistic (adds %TR/%Pure), all, or auto (basic, plus linguistic when --lang is given)."
        ),
    ] = D["metrics"],
    short_tokens: Annotated[
        ShortTokens, typer.Option(help="%TR/%Pure rule for 1-2 character tokens (see docs/evaluate.md).")
    ] = D["short_tokens"],
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
    ] = D["engine"],
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    counting: Annotated[
        Counting,
        typer.Option(
            case_sensitive=False,
            help="auto: count byte-level BPE with tiktoken where its ids are the library's (checked), else the "
            "library; fast: tiktoken or an error; exact: the library.",
        ),
    ] = D["counting"],
) -> None:
    """Measure tokenizers on corpora: token counts, premiums, fertility, compression, Rényi efficiency.

    Example: tokkit evaluate cl100k_base tekken --corpus corpora/parallel --plot premiums.png

    On a cluster: tokkit evaluate cl100k_base -c shards/ --engine dask --scheduler tcp://HOST:8786
    """
    from tokkit.workflows.evaluate import evaluate

    with user_errors():
        result = evaluate(
            tokenizers, corpus, reference=reference, lang=lang, text_column=text_column, lang_column=lang_column,
            alpha=alpha, batch_size=batch_size, metrics=metrics, short_tokens=short_tokens, scores=scores,
            tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code, engine=engine,
            scheduler=scheduler, workers=workers, counting=counting, output=output, plot=plot, force=force,
            feedback=FEEDBACK,
        )  # fmt: skip
        if result.correlations is not None:
            emit(result.correlations, fmt, title="correlation of each metric with the downstream score")
            return
    columns = TABLE_COLUMNS + (LINGUISTIC_TABLE_COLUMNS if result.linguistic else [])
    emit(result.table, fmt, title="tokkit evaluate", columns=columns)


LINGUISTIC_TABLE_COLUMNS = ["oracle", "pct_lang_token", "pct_lang_type", "pct_pure_token", "pct_pure_type"]
