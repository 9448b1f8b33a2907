"""Per-language tokenizer suites and optimal vocabulary sizes: train a grid, evaluate, fit, retrain.

Numbered steps; the only module that uses both `train` and `evaluate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from tokkit.errors import IncompatibleInputsError, InputError
from tokkit.evaluation.runner import count_tokens
from tokkit.io.corpora import Corpus, CorpusFile, line_source, open_corpus
from tokkit.io.tokenizers import load_tokenizer, write_tokenizer_dir
from tokkit.languages import LanguageError, pair_languages
from tokkit.training.config import TrainConfig
from tokkit.training.runner import train_tokenizer
from tokkit.training.vocab_search import PowerLaw, equalizing_target, fit_power_law

SUITE_COLUMNS = ["lang", "vocab_size", "role", "n_tokens", "bytes_per_token", "predicted_ctc", "train_seconds", "path"]


@dataclass(frozen=True, slots=True)
class SuiteResult:
    table: pd.DataFrame  # one row per trained tokenizer: CTC on the evaluation corpus
    laws: dict[str, PowerLaw]  # fitted per language (empty without --optimal-vocab)
    target_ctc: float | None


def _train_and_measure(
    train: Corpus, evaluation: Corpus, lang: str, config: TrainConfig, out: Path, role: str
) -> dict[str, object]:
    texts = line_source([train])
    trained = train_tokenizer(texts, config)
    directory = out / lang / str(config.vocab_size)
    directory.mkdir(parents=True, exist_ok=True)
    sample = [line for _, line in zip(range(100), texts(), strict=False)]
    write_tokenizer_dir(
        trained.tokenizer, directory, roles=trained.roles, extra_files=trained.extra_files, check_lines=sample
    )
    [counts] = count_tokens(load_tokenizer(str(directory)), evaluation)
    return {
        "lang": lang,
        "vocab_size": config.vocab_size,
        "role": role,
        "n_tokens": counts.n_tokens,
        "bytes_per_token": counts.n_bytes / counts.n_tokens if counts.n_tokens else math.nan,
        "predicted_ctc": math.nan,
        "train_seconds": trained.stats["train_seconds"],
        "path": str(directory.relative_to(out)),
    }


def run_suite(
    train_dir: Path,
    eval_corpus: Path,
    vocab_sizes: list[int],
    config: TrainConfig,
    out: Path,
    *,
    optimal: bool = False,
    target_ctc: float | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> SuiteResult:
    """Train one tokenizer per language × size into `out/<lang>/<size>/` and measure CTC.

    With `optimal`, also fit CTC(vocab) per language, invert it at `target_ctc` (or at the
    target that equalises CTC across languages), train at those sizes and measure again.
    """
    # 1. corpora: <lang>.txt files to train on, a parallel corpus to evaluate on
    train = open_corpus(train_dir)
    evaluation = open_corpus(eval_corpus)
    if not evaluation.is_parallel:
        raise IncompatibleInputsError(f"--eval-corpus {eval_corpus} is not parallel (unequal line counts)")
    try:  # the same language identity in both (`eng` trains for `eng_Latn`), named after the training files
        pairs = dict(pair_languages(train.line_counts, evaluation.line_counts))
    except LanguageError as e:
        raise InputError(f"{e} (between {train_dir} and {eval_corpus})", hint=e.hint) from None
    langs = sorted(pairs)
    if not langs:
        raise InputError(
            f"no language is in both {train_dir} and {eval_corpus}",
            hint=f"training: {', '.join(sorted(train.line_counts))}; "
            f"evaluation: {', '.join(sorted(evaluation.line_counts))}",
        )
    if optimal and len(vocab_sizes) < 2:
        raise InputError("--optimal-vocab needs at least two --vocab-sizes to fit a curve")

    def measure(lang: str, size: int, role: str) -> dict[str, object]:
        one = replace(config, vocab_size=size)
        return _train_and_measure(train.select([lang]), evaluation.select([pairs[lang]]), lang, one, out, role)

    # 2. the grid
    rows = []
    for lang in langs:
        for size in sorted(vocab_sizes):
            rows.append(measure(lang, size, "grid"))
            if on_progress is not None:
                on_progress(1)
    grid = pd.DataFrame(rows, columns=SUITE_COLUMNS)
    if not optimal:
        return SuiteResult(grid, {}, None)
    # 3. fit CTC(vocab) per language and choose the target
    laws = {
        lang: fit_power_law(g.vocab_size.tolist(), g.n_tokens.astype(float).tolist())
        for lang, g in grid.groupby("lang", sort=True)
    }
    target = target_ctc if target_ctc is not None else equalizing_target(laws)
    # 4. train at the inverted sizes and measure what they achieve
    for lang, law in laws.items():
        size = law.invert(target)
        done = grid[(grid.lang == lang) & (grid.vocab_size == size)]
        row = done.iloc[0].to_dict() if len(done) else measure(lang, size, "optimal")
        row["role"] = "optimal"
        row["predicted_ctc"] = law.predict(size)
        rows.append(row)
        if on_progress is not None:
            on_progress(1)
    return SuiteResult(pd.DataFrame(rows, columns=SUITE_COLUMNS), laws, target)


def suite_corpus_files(train_dir: Path, eval_corpus: Path) -> list[CorpusFile]:
    """Every input file of a suite run (for the sidecar's checksums)."""
    return [*open_corpus(train_dir).files, *open_corpus(eval_corpus).files]
