"""`tokkit train` as functions: `train` (one tokenizer, locally or on a Dask cluster) and `train_suite`
(one tokenizer per language × size, and optimal vocabulary sizes); each checks its inputs, writes the output
directory atomically with its tokkit.meta.json, and returns a typed result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokkit.errors import InputError
from tokkit.io.dask_cluster import DEFAULT_WORKERS, Engine
from tokkit.io.reports import check_output_dir, table_bytes, write_dir_atomic, write_figure, write_file, write_sidecar
from tokkit.training.config import SUITE_SIZES, TEXT_COLUMN, Algorithm, NumberScheme, TrainConfig
from tokkit.workflows.progress import Progress, no_progress

if TYPE_CHECKING:
    from tokkit.suites import SuiteResult

TRAIN = TrainConfig()


@dataclass(frozen=True, slots=True)
class TrainResult:
    """One trained tokenizer: where it is, what was trained, the trainer's figures (`stats`)."""

    output: Path
    algorithm: str
    stats: dict[str, Any]  # train_seconds, vocab_size, and per algorithm e.g. stage-1 size, supertoken counts
    n_shards: int  # corpus files read
    inputs: list[Path]

    def record(self) -> dict[str, Any]:
        """The row `tokkit train` prints."""
        return {"output": str(self.output), "algorithm": self.algorithm, **self.stats}


def check_config(config: TrainConfig) -> None:
    """A pre-tokenizer regex that compiles and keeps its number rule; a superbpe transition within bounds."""
    from tokkit.training.pretokenizers import check_regex
    from tokkit.training.superbpe import check_transition

    if config.pretokenizer_regex is not None:
        scheme = config.numbers if config.numbers_option is not None else NumberScheme.NONE
        check_regex(config.pretokenizer_regex, scheme)
    if config.algorithm is Algorithm.SUPERBPE:
        check_transition(config)


def check_engine(
    engine: Engine, scheduler: str | None, workers: int | None, config: TrainConfig, *, suite: bool = False
) -> None:
    """Flags that only make sense together; dask installed and the algorithm countable when asked for."""
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
    if suite:
        raise InputError("--engine dask trains one tokenizer; a --per-language suite runs locally")
    check_countable(config)
    require_dask()


def train(
    corpus: Sequence[str | Path],
    output: str | Path,
    config: TrainConfig = TRAIN,
    *,
    lang: str | None = None,
    text_column: str = TEXT_COLUMN,
    engine: Engine = Engine.LOCAL,
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    progress: Progress = no_progress,
) -> TrainResult:
    """Train `config.algorithm` on the corpus files (directories, globs, .jsonl/.parquet) into `output`.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from tokkit import train
    >>> from tokkit.training.config import TrainConfig
    >>> out = Path(tempfile.mkdtemp()) / "bpe"
    >>> result = train(["corpora/en/prose.txt"], out, TrainConfig(vocab_size=500))
    >>> result.algorithm, result.stats["vocab_size"], sorted(p.name for p in out.iterdir())
    ('bpe', 500, ['tokenizer.json', 'tokenizer_config.json', 'tokkit.meta.json', 'vocab.txt'])
    """
    from tokkit.io.corpora import line_source, open_corpus
    from tokkit.io.globs import expand_globs
    from tokkit.io.tokenizers import write_tokenizer_dir
    from tokkit.training.runner import train_tokenizer

    out = Path(output)
    check_output_dir(out, force=force)
    check_config(config)
    check_engine(engine, scheduler, workers, config)
    if not corpus:
        raise InputError("give a CORPUS to train on (or --per-language DIR for a suite)")
    paths = expand_globs([Path(p) for p in corpus])
    try:
        corpora = [open_corpus(p, lang=lang, text_column=text_column, all_files=True) for p in paths]
        files = [f for c in corpora for f in c.files]
        texts = line_source(corpora)
        sample = [line for _, line in zip(range(200), texts(), strict=False)]
    except OSError as e:
        raise InputError(f"cannot read corpus file {e.filename} ({e.strerror or type(e).__name__})") from None
    if not sample:
        raise InputError("the corpus has no text (only empty lines)")
    algorithm = config.algorithm
    label = (
        "superbpe: stage 1, then stage 2 merges" if algorithm is Algorithm.SUPERBPE else f"training {algorithm.value}"
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
        "corpus": [str(p) for p in paths], "algorithm": algorithm.value, "vocab_size": config.vocab_size,
        "min_frequency": config.min_frequency, "special_tokens": list(config.specials),
        "numbers": config.numbers.value, "normalization": config.normalization.value,
        "pretokenizer_regex": config.pretokenizer_regex, "transition": config.transition, "lang": lang,
        "text_column": text_column, "stats": trained.stats, "engine": engine.value, "scheduler": scheduler,
        "workers": workers, "n_shards": len(files),
    }  # fmt: skip
    inputs = [f.path for f in files]

    def fill(directory: Path) -> None:
        write_tokenizer_dir(
            trained.tokenizer, directory, roles=trained.roles, extra_files=trained.extra_files, check_lines=sample
        )
        write_sidecar(directory, params=params, inputs=inputs, seeds={"seed": config.seed}, outputs=[out], force=True)

    write_dir_atomic(out, fill, force=force)
    return TrainResult(out, algorithm.value, trained.stats, len(files), inputs)


def train_suite(
    per_language: str | Path,
    eval_corpus: str | Path,
    output: str | Path,
    config: TrainConfig = TRAIN,
    *,
    vocab_sizes: Sequence[int] = SUITE_SIZES,
    optimal_vocab: bool = False,
    target_ctc: float | None = None,
    equalize: bool = False,
    force: bool = False,
    progress: Progress = no_progress,
) -> SuiteResult:
    """Train one tokenizer per language (<lang>.txt in `per_language`) × size and measure CTC on the parallel
    `eval_corpus`; with `optimal_vocab`, fit CTC(vocab) per language and train at the size that hits
    `target_ctc` (or, with `equalize`, the target that makes CTC most equal). Writes ctc.csv and ctc.png too."""
    from tokkit.plots import ctc_vs_vocab_figure
    from tokkit.suites import run_suite, suite_corpus_files

    train_dir, evaluation, out = Path(per_language), Path(eval_corpus), Path(output)
    check_output_dir(out, force=force)
    check_config(config)
    if optimal_vocab and (target_ctc is None) == (not equalize):
        raise InputError("--optimal-vocab needs exactly one of --target-ctc N and --equalize")
    if not optimal_vocab and (target_ctc is not None or equalize):
        raise InputError("--target-ctc and --equalize need --optimal-vocab")
    sizes = sorted(set(vocab_sizes))
    if not sizes:
        raise InputError("--vocab-sizes is empty")
    files = suite_corpus_files(train_dir, evaluation)
    holder: list[SuiteResult] = []

    def fill(directory: Path) -> None:
        with progress("training the suite", total=None) as advance:
            result = run_suite(
                train_dir, evaluation, sizes, config, directory, optimal=optimal_vocab, target_ctc=target_ctc,
                on_progress=advance,
            )  # fmt: skip
        write_file(directory / "ctc.csv", table_bytes(result.table, "csv"))
        write_figure(ctc_vs_vocab_figure(result.table, result.laws, result.target_ctc), directory / "ctc.png")
        params = {
            "per_language": str(train_dir), "eval_corpus": str(evaluation), "vocab_sizes": sizes,
            "optimal_vocab": optimal_vocab, "target_ctc": result.target_ctc, "equalize": equalize,
            "config": {k: (v.value if hasattr(v, "value") else v) for k, v in asdict(config).items()},
            "fits": {lang: asdict(law) for lang, law in result.laws.items()},
        }  # fmt: skip
        write_sidecar(directory, params=params, inputs=[f.path for f in files], seeds={"seed": config.seed},
                      outputs=[out], force=True)  # fmt: skip
        holder.append(result)

    write_dir_atomic(out, fill, force=force)
    return holder[0]
