"""`tokkit train`: train BPE, Unigram, WordPiece, SentencePiece, SuperBPE and supertoken tokenizers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._options import ForceOpt, FormatOpt, SchedulerOpt, WorkersOpt
from tokkit.cli._output import OutputFormat, emit, info, progress, user_errors
from tokkit.io.dask_cluster import DEFAULT_WORKERS, Engine
from tokkit.training.config import Algorithm, Normalization, NumberScheme, TrainConfig

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
    text_column: Annotated[str, typer.Option(help="Text column of .jsonl/.parquet corpora.")] = "text",
    per_language: Annotated[
        Path | None,
        typer.Option(help="Suite: a directory of <lang>.txt files; one tokenizer per language × size."),
    ] = None,
    vocab_sizes: Annotated[
        str, typer.Option(help="Suite: comma-separated vocabulary sizes.")
    ] = "4000,8000,16000,32000",
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

    from tokkit.errors import InputError, OutputExistsError
    from tokkit.io.corpora import line_source, open_corpus
    from tokkit.io.globs import expand_globs
    from tokkit.io.reports import run_meta, write_dir_atomic
    from tokkit.io.tokenizers import write_tokenizer_dir
    from tokkit.training.pretokenizers import check_regex
    from tokkit.training.runner import train_tokenizer
    from tokkit.training.superbpe import check_transition

    with user_errors():
        if output.exists() and not output.is_dir():
            raise InputError(f"output {output} is a file, expected a directory")
        if output.exists() and not force:
            raise OutputExistsError(f"output {output} already exists", hint="pass --force to replace it")
        specials = tuple(s for s in special_tokens.split(",") if s) if special_tokens is not None else None
        config = TrainConfig(
            algorithm=algorithm, vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=specials,
            numbers_option=numbers, normalization=normalization, pretokenizer_regex=pretokenizer_regex, seed=seed,
            transition=transition,
        )  # fmt: skip
        if pretokenizer_regex is not None:
            check_regex(pretokenizer_regex, config.numbers if numbers is not None else NumberScheme.NONE)
        if algorithm is Algorithm.SUPERBPE:
            check_transition(config)
        _check_engine(engine, scheduler, workers, config, per_language)
        if per_language is not None:
            _suite(
                per_language, eval_corpus, vocab_sizes, config, output, optimal_vocab, target_ctc, equalize, fmt, force
            )
            return
        if optimal_vocab or eval_corpus is not None:
            raise InputError("--optimal-vocab and --eval-corpus need --per-language DIR")
        if not corpus:
            raise InputError("give a CORPUS to train on (or --per-language DIR for a suite)")
        corpus = expand_globs(corpus)
        try:
            corpora = [open_corpus(p, lang=lang, text_column=text_column, all_files=True) for p in corpus]
            files = [f for c in corpora for f in c.files]
            texts = line_source(corpora)
            sample = [line for _, line in zip(range(200), texts(), strict=False)]
        except OSError as e:
            raise InputError(f"cannot read corpus file {e.filename} ({e.strerror or type(e).__name__})") from None
        if not sample:
            raise InputError("the corpus has no text (only empty lines)")
        label = (
            "superbpe: stage 1, then stage 2 merges"
            if algorithm is Algorithm.SUPERBPE
            else f"training {algorithm.value}"
        )
        if engine is Engine.DASK:
            from tokkit.training.cluster import count_on_cluster
            from tokkit.training.runner import train_tokenizer_from_counts

            where = scheduler or f"a local cluster of {workers or DEFAULT_WORKERS} workers"
            with progress(f"counting words in {len(files)} shards on {where}", total=len(files)) as advance:
                counts = count_on_cluster(
                    corpora, config, scheduler=scheduler, n_workers=workers or DEFAULT_WORKERS, on_progress=advance
                )
            with progress(label, total=None) as advance:
                trained = train_tokenizer_from_counts(counts, config, on_progress=advance)
        else:
            with progress(label, total=None) as advance:
                trained = train_tokenizer(texts, config, on_progress=advance)
        params = {
            "corpus": [str(p) for p in corpus], "algorithm": algorithm.value, "vocab_size": vocab_size,
            "min_frequency": min_frequency, "special_tokens": list(config.specials), "numbers": config.numbers.value,
            "normalization": normalization.value, "pretokenizer_regex": pretokenizer_regex,
            "transition": transition, "lang": lang, "text_column": text_column, "stats": trained.stats,
            "engine": engine.value, "scheduler": scheduler, "workers": workers, "n_shards": len(files),
        }  # fmt: skip
        corpus = corpus or []
        meta = run_meta(params=params, inputs=[f.path for f in files], seeds={"seed": seed}, outputs=[output])

        def fill(directory: Path) -> None:
            write_tokenizer_dir(
                trained.tokenizer, directory, roles=trained.roles, extra_files=trained.extra_files, check_lines=sample
            )
            (directory / "tokkit.meta.json").write_bytes(meta)

        write_dir_atomic(output, fill, force=force)
    row = {"output": str(output), "algorithm": algorithm.value, **trained.stats}
    emit(pd.DataFrame([row]), fmt, title="tokkit train")


def _check_engine(
    engine: Engine, scheduler: str | None, workers: int | None, config: TrainConfig, per_language: Path | None
) -> None:
    """Flags that only make sense together; dask installed and the algorithm countable when asked for."""
    from tokkit.errors import InputError
    from tokkit.io.dask_cluster import require_dask
    from tokkit.training.word_counts import check_countable

    if engine is not Engine.DASK:
        if scheduler is not None or workers is not None:
            raise InputError("--scheduler and --workers need --engine dask")
        return
    if scheduler is not None and workers is not None:
        raise InputError(
            "--workers sets the size of a local cluster, so it cannot go with --scheduler",
            hint="the scheduler's cluster has its own workers; drop --workers",
        )
    if per_language is not None:
        raise InputError("--engine dask trains one tokenizer; a --per-language suite runs locally")
    check_countable(config)
    require_dask()


def _suite(
    per_language: Path,
    eval_corpus: Path | None,
    vocab_sizes: str,
    config: TrainConfig,
    output: Path,
    optimal: bool,
    target_ctc: float | None,
    equalize: bool,
    fmt: OutputFormat,
    force: bool,
) -> None:
    """Per-language suite (and optimal vocabulary sizes) into one output directory."""
    from dataclasses import asdict

    from tokkit.errors import InputError
    from tokkit.io.reports import run_meta, table_bytes, write_dir_atomic
    from tokkit.plots import ctc_vs_vocab_figure
    from tokkit.suites import run_suite, suite_corpus_files

    if eval_corpus is None:
        raise InputError("--per-language needs --eval-corpus, a parallel corpus to measure CTC on")
    if optimal and (target_ctc is None) == (not equalize):
        raise InputError("--optimal-vocab needs exactly one of --target-ctc N and --equalize")
    if not optimal and (target_ctc is not None or equalize):
        raise InputError("--target-ctc and --equalize need --optimal-vocab")
    try:
        sizes = sorted({int(x) for x in vocab_sizes.split(",") if x.strip()})
    except ValueError:
        raise InputError(f"--vocab-sizes must be comma-separated integers, got {vocab_sizes!r}") from None
    if not sizes:
        raise InputError("--vocab-sizes is empty")
    files = suite_corpus_files(per_language, eval_corpus)
    holder: list[object] = []

    def fill(directory: Path) -> None:
        with progress("training the suite", total=None) as advance:
            result = run_suite(
                per_language, eval_corpus, sizes, config, directory, optimal=optimal, target_ctc=target_ctc,
                on_progress=advance,
            )  # fmt: skip
        (directory / "ctc.csv").write_bytes(table_bytes(result.table, "csv"))
        fig = ctc_vs_vocab_figure(result.table, result.laws, result.target_ctc)
        fig.savefig(directory / "ctc.png", format="png")
        params = {
            "per_language": str(per_language), "eval_corpus": str(eval_corpus), "vocab_sizes": sizes,
            "optimal_vocab": optimal, "target_ctc": result.target_ctc, "equalize": equalize,
            "config": {k: (v.value if hasattr(v, "value") else v) for k, v in asdict(config).items()},
            "fits": {lang: asdict(law) for lang, law in result.laws.items()},
        }  # fmt: skip
        meta = run_meta(params=params, inputs=[f.path for f in files], seeds={"seed": config.seed}, outputs=[output])
        (directory / "tokkit.meta.json").write_bytes(meta)
        holder.append(result)

    write_dir_atomic(output, fill, force=force)
    result = holder[0]
    from tokkit.suites import SuiteResult

    assert isinstance(result, SuiteResult)
    if result.target_ctc is not None:
        info(f"target CTC {result.target_ctc:,.0f}; table in {output / 'ctc.csv'}, plot in {output / 'ctc.png'}")
    emit(result.table, fmt, title="tokkit train --per-language")
