"""`tokkit train`: train BPE, Unigram, WordPiece, SentencePiece, SuperBPE and supertoken tokenizers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._options import ForceOpt, FormatOpt, SchedulerOpt, WorkersOpt
from tokkit.cli._output import OutputFormat, emit, info, progress, user_errors
from tokkit.io.dask_cluster import Engine
from tokkit.training.config import SUITE_SIZES, TEXT_COLUMN, Algorithm, Normalization, NumberScheme, TrainConfig

_D = TrainConfig()


def train_cmd(
    corpus: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="CORPUS...", help="Text files, directories of them, or .jsonl/.parquet with a text column."
        ),
    ] = None,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Directory to write the tokenizer (or the suite) to."),
    ] = Path("tokenizer"),
    algorithm: Annotated[Algorithm, typer.Option("--algorithm", "-a", help="What to train.")] = _D.algorithm,
    vocab_size: Annotated[int, typer.Option(min=2, help="Vocabulary size, special tokens included.")] = _D.vocab_size,
    min_frequency: Annotated[int, typer.Option(min=0, help="Least count of a merge (BPE family, WordPiece).")] = (
        _D.min_frequency
    ),
    special_tokens: Annotated[
        str | None, typer.Option(help="Comma-separated special tokens [default: per algorithm, e.g. <|endoftext|>].")
    ] = None,
    numbers: Annotated[
        NumberScheme | None,
        typer.Option(help="How digit runs are cut; the saved tokenizer keeps it [default: l2r3; sp-*: digits]."),
    ] = None,
    normalization: Annotated[Normalization, typer.Option(help="Unicode normalisation of the text.")] = (
        _D.normalization
    ),
    pretokenizer_regex: Annotated[
        str | None, typer.Option(help="Word regex of the pre-tokenizer [default: GPT-4o style].")
    ] = None,
    transition: Annotated[
        float, typer.Option(min=0.0, help="superbpe: stage-1 vocabulary, a fraction of --vocab-size or a count.")
    ] = _D.transition,
    seed: Annotated[
        int, typer.Option(min=0, help="Seed for every random choice (supertoken chunks, SentencePiece).")
    ] = (_D.seed),
    lang: Annotated[str | None, typer.Option(help="Language of single-file corpora (recorded only).")] = None,
    text_column: Annotated[str, typer.Option(help="Text column of .jsonl/.parquet corpora.")] = TEXT_COLUMN,
    per_language: Annotated[
        Path | None,
        typer.Option(help="Suite: a directory of <lang>.txt files; one tokenizer per language × size."),
    ] = None,
    vocab_sizes: Annotated[str, typer.Option(help="Suite: comma-separated vocabulary sizes.")] = ",".join(
        map(str, SUITE_SIZES)
    ),
    eval_corpus: Annotated[
        Path | None, typer.Option(help="Suite: parallel corpus (directory of <lang>.txt) to measure CTC on.")
    ] = None,
    optimal_vocab: Annotated[
        bool, typer.Option(help="Suite: fit CTC(vocab) per language and train at the size that hits the target.")
    ] = False,
    target_ctc: Annotated[float | None, typer.Option(min=1.0, help="Target CTC for --optimal-vocab.")] = None,
    equalize: Annotated[
        bool, typer.Option(help="With --optimal-vocab: the target that makes CTC most equal across languages.")
    ] = False,
    engine: Annotated[
        Engine,
        typer.Option(
            case_sensitive=False,
            help="local: read and count in this process; dask: count words shard by shard (one task per file) "
            "on a Dask cluster and train on the sum (bpe, unigram, wordpiece, superbpe).",
        ),
    ] = Engine.LOCAL,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    force: ForceOpt = False,
) -> None:
    """Train a tokenizer; the output directory loads with `tokenizers` and `transformers.AutoTokenizer`.

    Example: tokkit train corpora/en corpora/code --algorithm superbpe --vocab-size 2000 -o out/superbpe

    On a cluster: tokkit train 'shards/*.txt' --engine dask --scheduler tcp://HOST:8786 -o out/bpe
    """
    import pandas as pd

    from tokkit.errors import InputError
    from tokkit.workflows.train import check_engine, train, train_suite

    with user_errors():
        specials = tuple(s for s in special_tokens.split(",") if s) if special_tokens is not None else None
        config = TrainConfig(
            algorithm=algorithm, vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=specials,
            numbers_option=numbers, normalization=normalization, pretokenizer_regex=pretokenizer_regex, seed=seed,
            transition=transition,
        )  # fmt: skip
        if per_language is not None:
            check_engine(engine, scheduler, workers, config, suite=True)
            if eval_corpus is None:
                raise InputError("--per-language needs --eval-corpus, a parallel corpus to measure CTC on")
            suite = train_suite(per_language, eval_corpus, output, config, vocab_sizes=_sizes(vocab_sizes),
                                optimal_vocab=optimal_vocab, target_ctc=target_ctc, equalize=equalize, force=force,
                                progress=progress)  # fmt: skip
        elif optimal_vocab or eval_corpus is not None:
            raise InputError("--optimal-vocab and --eval-corpus need --per-language DIR")
        else:
            trained = train(corpus or [], output, config, lang=lang, text_column=text_column, engine=engine,
                            scheduler=scheduler, workers=workers, force=force, progress=progress)  # fmt: skip
    if per_language is None:
        emit(pd.DataFrame([trained.record()]), fmt, title="tokkit train")
        return
    if suite.target_ctc is not None:
        info(f"target CTC {suite.target_ctc:,.0f}; table in {output / 'ctc.csv'}, plot in {output / 'ctc.png'}")
    emit(suite.table, fmt, title="tokkit train --per-language")


def _sizes(text: str) -> list[int]:
    """--vocab-sizes: comma-separated integers."""
    from tokkit.errors import InputError

    try:
        return sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise InputError(f"--vocab-sizes must be comma-separated integers, got {text!r}") from None
