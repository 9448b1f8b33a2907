"""SuperBPE (Liu et al. 2025): BPE in two stages, the second one free to merge across spaces.

Stage 1 is ordinary byte-level BPE up to the transition point t. Stage 2 cuts text only at
numbers, runs of punctuation and trailing spaces (`SUPERWORDS`), replays the t stage-1 merges
on those chunks — by running the stage-1 model on them, exactly as the saved tokenizer will —
and continues BPE on the result, skipping merges that would span more than 4 words or join
a colon to a following space (the reference fork's rules). The saved tokenizer is a stock
`tokenizer.json`: one BPE whose merge list is stage 1's followed by stage 2's, behind a
Split(SUPERWORDS) + ByteLevel pre-tokenizer, so it reproduces the training segmentation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from tokkit.errors import InputError
from tokkit.training.config import TrainConfig
from tokkit.training.pair_merges import Stage2, learn_merges
from tokkit.training.pretokenizers import SUPERWORDS, WORDS, byte_level

_WORD = re.compile(rb"\S+")


def superword_allowed(surface: bytes, max_words: int) -> bool:
    """SuperBPE's stage-2 filter: at most `max_words` words, and no colon followed by a space."""
    return b": " not in surface and len(_WORD.findall(surface)) <= max_words


def superbpe_pretokenizer(config: TrainConfig) -> Any:
    return byte_level(config.numbers, SUPERWORDS)


def count_chunks(texts: Iterable[str], config: TrainConfig) -> Counter[str]:
    """Stage-2 chunks (in the byte-level alphabet) and how often each occurs."""
    pre = superbpe_pretokenizer(config)
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(piece for piece, _ in pre.pre_tokenize_str(text))
    return counts


def check_transition(config: TrainConfig) -> None:
    """The transition point t must leave room for stage 1 (> alphabet + specials) and stage 2 (< vocab size)."""
    t, floor = config.stage1_vocab_size(), 256 + len(config.specials)
    if not floor < t < config.vocab_size:
        raise InputError(
            f"--transition {config.transition} gives a stage-1 vocabulary of {t}, "
            f"outside ({floor}, {config.vocab_size})",
            hint="use a fraction such as 0.9, or a count below --vocab-size",
        )


def stage1_untrained(config: TrainConfig) -> tuple[Any, Any]:
    """Stage 1's untrained byte-level BPE (vocabulary t) and its trainer, after checking the sizes."""
    from dataclasses import replace

    from tokkit.training.hf import bpe_tokenizer, check_vocab_size

    check_vocab_size(config, 256)
    check_transition(config)
    return bpe_tokenizer(replace(config, vocab_size=config.stage1_vocab_size()), config.pretokenizer_regex or WORDS)


def train_superbpe(
    texts: Callable[[], Iterator[str]], config: TrainConfig, *, on_progress: Callable[[int], None] | None = None
) -> tuple[Any, Any, Stage2]:
    """Train SuperBPE; returns (final tokenizer, stage-1 tokenizer, stage-2 result)."""
    stage1, trainer = stage1_untrained(config)
    stage1.train_from_iterator(texts(), trainer)  # 1. stage 1: ordinary byte-level BPE up to t
    return _stage2(stage1, count_chunks(texts(), config), config, on_progress)


def train_superbpe_from_counts(
    words: Mapping[str, int],
    chunks: Counter[str],
    config: TrainConfig,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[Any, Any, Stage2]:
    """`train_superbpe` from the texts' stage-1 word counts (`count_words` under `stage1_untrained`)
    and stage-2 chunk counts (`count_chunks`): the same result."""
    from tokkit.training.hf import fit_counts

    stage1, trainer = stage1_untrained(config)
    fit_counts(stage1, trainer, words)
    return _stage2(stage1, chunks, config, on_progress)


def _stage2(
    stage1: Any, chunk_counts: Counter[str], config: TrainConfig, on_progress: Callable[[int], None] | None
) -> tuple[Any, Any, Stage2]:
    """Stage 2 on the trained stage 1, and the two merged into one stock BPE."""
    from tokenizers import Tokenizer, decoders, models

    spec1 = stage1.to_str()
    model1 = Tokenizer.from_str(spec1).model
    vocab1: dict[str, int] = stage1.get_vocab(with_added_tokens=False)
    merges1 = _merges_of(spec1)
    # 2. stage-2 chunks, segmented by the stage-1 model (this is the merge replay)
    ordered = sorted(chunk_counts)  # deterministic order
    chunks = [[tok.id for tok in model1.tokenize(chunk)] for chunk in ordered]
    counts = [chunk_counts[c] for c in ordered]
    id_to_token = {i: s for s, i in stage1.get_vocab(with_added_tokens=True).items()}
    from tokkit.tokenizer import BYTE_LEVEL_DECODE

    n_ids = max(id_to_token) + 1
    regular = set(vocab1.values()) - {stage1.token_to_id(s) for s in config.specials}
    surfaces = [bytes(BYTE_LEVEL_DECODE[c] for c in id_to_token[i]) if i in regular else b"\0" for i in range(n_ids)]
    # 3. stage 2: continue BPE across spaces, with SuperBPE's filters
    stage2 = learn_merges(
        chunks,
        counts,
        surfaces,
        config.vocab_size - n_ids,
        min_frequency=config.min_frequency,
        allowed=lambda s: superword_allowed(s, config.max_words_per_token),
        on_progress=on_progress,
    )
    # 4. one stock BPE: stage-1 merges, then stage-2 merges
    strings = dict(id_to_token)
    vocab = dict(vocab1)
    merges = list(merges1)
    for k, (a, b) in enumerate(stage2.merges):
        new = n_ids + k
        strings[new] = strings[a] + strings[b]
        vocab[strings[new]] = new
        merges.append((strings[a], strings[b]))
    final = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    final.normalizer = stage1.normalizer
    final.pre_tokenizer = superbpe_pretokenizer(config)
    final.decoder = decoders.ByteLevel()
    final.add_special_tokens(list(config.specials))
    for s in config.specials:  # specials keep their stage-1 ids
        if final.token_to_id(s) != vocab1.get(s, stage1.token_to_id(s)):
            raise RuntimeError(f"special token {s!r} moved")
    return final, stage1, stage2


def _merges_of(spec: str) -> list[tuple[str, str]]:
    import json

    merges = json.loads(spec)["model"]["merges"]
    return [tuple(m.split(" ", 1)) if isinstance(m, str) else (m[0], m[1]) for m in merges]  # type: ignore[misc]
