"""Train one tokenizer from a corpus: read, dispatch to the algorithm, report what was learned."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokkit.training.config import Algorithm, TrainConfig
from tokkit.training.word_counts import WordCounts, check_countable

ROLES: dict[Algorithm, dict[str, str]] = {
    Algorithm.BPE: {"eos_token": "<|endoftext|>"},
    Algorithm.SUPERBPE: {"eos_token": "<|endoftext|>"},
    Algorithm.SUPERTOKEN: {"eos_token": "<|endoftext|>"},
    Algorithm.UNIGRAM: {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>"},
    Algorithm.SP_BPE: {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>"},
    Algorithm.SP_UNIGRAM: {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>"},
    Algorithm.WORDPIECE: {
        "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "mask_token": "[MASK]",
    },
}  # fmt: skip


@dataclass(slots=True)
class TrainedTokenizer:
    """A trained `tokenizers.Tokenizer` plus files to ship with it and facts about the run."""

    tokenizer: Any
    config: TrainConfig
    roles: dict[str, str]
    extra_files: dict[str, bytes] = field(default_factory=dict)  # name -> content (e.g. tokenizer.model)
    stats: dict[str, Any] = field(default_factory=dict)


def train_tokenizer_from_counts(
    counts: WordCounts, config: TrainConfig, *, on_progress: Callable[[int], None] | None = None
) -> TrainedTokenizer:
    """`train_tokenizer` from the texts' word counts (`word_counts.count_texts`): the same tokenizer."""
    check_countable(config)
    t0 = time.perf_counter()
    stats: dict[str, Any] = {}
    if config.algorithm is Algorithm.SUPERBPE:
        from tokkit.training.superbpe import train_superbpe_from_counts

        tok, stage1, stage2 = train_superbpe_from_counts(counts.words, counts.chunks, config, on_progress=on_progress)
        stats["stage1_vocab_size"] = stage1.get_vocab_size(with_added_tokens=True)
        stats["n_stage2_merges"] = len(stage2.merges)
    else:
        from tokkit.training.hf import train_hf_from_counts

        tok = train_hf_from_counts(counts.words, config)
    return _trained(tok, config, _roles(config), {}, stats, t0)


def _roles(config: TrainConfig) -> dict[str, str]:
    return {k: v for k, v in ROLES[config.algorithm].items() if v in config.specials or "unk" in k}


def train_tokenizer(
    texts: Callable[[], Iterator[str]], config: TrainConfig, *, on_progress: Callable[[int], None] | None = None
) -> TrainedTokenizer:
    """Train `config.algorithm` on the texts; the result is ready to save."""
    roles = _roles(config)
    t0 = time.perf_counter()
    stats: dict[str, Any] = {}
    extra: dict[str, bytes] = {}
    if config.algorithm in (Algorithm.BPE, Algorithm.UNIGRAM, Algorithm.WORDPIECE):
        from tokkit.training.hf import train_hf

        tok = train_hf(texts, config)
    elif config.algorithm is Algorithm.SUPERBPE:
        from tokkit.training.superbpe import train_superbpe

        tok, stage1, stage2 = train_superbpe(texts, config, on_progress=on_progress)
        stats["stage1_vocab_size"] = stage1.get_vocab_size(with_added_tokens=True)
        stats["n_stage2_merges"] = len(stage2.merges)
    elif config.algorithm is Algorithm.SUPERTOKEN:
        from tokkit.training.supertoken import train_supertoken

        tok = train_supertoken(texts(), config)
    else:
        from tokkit.io.tokenizers import sentencepiece_to_tokenizers
        from tokkit.training.spm import train_spm

        with tempfile.TemporaryDirectory() as tmp:
            model = train_spm(texts(), config, Path(tmp) / "spm")
            extra["tokenizer.model"] = model.read_bytes()
            tok = sentencepiece_to_tokenizers(model)
        roles = dict(ROLES[config.algorithm])
    return _trained(tok, config, roles, extra, stats, t0)


def _trained(
    tok: Any, config: TrainConfig, roles: dict[str, str], extra: dict[str, bytes], stats: dict[str, Any], t0: float
) -> TrainedTokenizer:
    """The result with its facts: training time, vocabulary size, tokens with an inner space."""
    stats["train_seconds"] = round(time.perf_counter() - t0, 3)
    stats["vocab_size"] = tok.get_vocab_size(with_added_tokens=True)
    vocab = tok.get_vocab(with_added_tokens=True)
    stats["n_tokens_with_inner_space"] = sum(
        1 for t in vocab if t.strip("Ġ▁ ") and any(m in t.strip("Ġ▁ ") for m in ("Ġ", "▁", " "))
    )
    return TrainedTokenizer(tok, config, roles, extra, stats)
