"""What a trainer learns from, counted shard by shard: the pre-tokenized words and their counts.

`tokkit train --engine dask` counts each shard on a worker (`count_texts`), sums the tables on
the cluster (`add`) and trains on the sum (`runner.train_tokenizer_from_counts`). Every count is
a sum over lines, so the sum over shards is the table of the whole corpus, and the tokenizer is
the one `tokkit train` learns from the same files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tokkit.errors import InputError
from tokkit.training.config import Algorithm, TrainConfig

# algorithms that train from word counts (SentencePiece and supertokens read the text themselves)
COUNTABLE = (Algorithm.BPE, Algorithm.UNIGRAM, Algorithm.WORDPIECE, Algorithm.SUPERBPE)


@dataclass(slots=True)
class WordCounts:
    """Pre-tokens of the texts under the algorithm's normaliser and pre-tokenizer, with counts;
    for SuperBPE also its stage-2 chunks."""

    words: Counter[str] = field(default_factory=Counter)
    chunks: Counter[str] = field(default_factory=Counter)  # superbpe only
    n_lines: int = 0

    def add(self, other: WordCounts) -> WordCounts:
        """The counts of both (in place; returns self)."""
        self.words.update(other.words)
        self.chunks.update(other.chunks)
        self.n_lines += other.n_lines
        return self


def check_countable(config: TrainConfig) -> None:
    """Only word-count trainers can train on a cluster."""
    if config.algorithm not in COUNTABLE:
        raise InputError(
            f"--engine dask cannot train {config.algorithm.value}: it reads the corpus itself",
            hint=f"use --engine local, or one of {', '.join(a.value for a in COUNTABLE)}",
        )


def count_texts(texts: Callable[[], Iterator[str]], config: TrainConfig) -> WordCounts:
    """The word (and, for SuperBPE, chunk) counts `config.algorithm`'s trainer takes from the texts
    (a factory of iterators: SuperBPE reads them twice)."""
    from tokkit.training.canonical import count_words

    check_countable(config)
    superbpe = config.algorithm is Algorithm.SUPERBPE
    if superbpe:
        from tokkit.training.superbpe import count_chunks, stage1_untrained

        tok = stage1_untrained(config)[0]
    else:
        from tokkit.training.hf import untrained

        tok = untrained(config)[0]
    n_lines = 0

    def counted() -> Iterator[str]:
        nonlocal n_lines
        for text in texts():
            n_lines += 1
            yield text

    words = count_words(tok, counted())
    chunks = count_chunks(texts(), config) if superbpe else Counter()
    return WordCounts(words, chunks, n_lines)
