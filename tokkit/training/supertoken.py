"""TokenAdapt's supertokens: BPE trained on text cut into random-length chunks across word boundaries."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from tokkit.training.config import TrainConfig
from tokkit.training.pretokenizers import byte_level, split_steps

SEPARATOR = "\ue000"  # a private-use character: never merged, removed by the training pre-tokenizer


def chunk_text(text: str, lengths: Sequence[tuple[int, int, float]], rng: random.Random) -> list[str]:
    """Cut `text` into consecutive chunks whose character lengths follow the (low, high, p) table.

    Chunks ignore word boundaries (that is the point); joined back they give `text`.
    """
    bins = [(lo, hi) for lo, hi, _ in lengths]
    weights = [p for _, _, p in lengths]
    out, i = [], 0
    while i < len(text):
        lo, hi = rng.choices(bins, weights)[0]
        n = rng.randint(lo, hi)
        out.append(text[i : i + n])
        i += n
    return out


def chunked_texts(texts: Iterable[str], config: TrainConfig) -> Iterator[str]:
    """Each text with SEPARATOR between its chunks; the same seed gives the same cuts."""
    rng = random.Random(config.seed)
    for text in texts:
        yield SEPARATOR.join(chunk_text(text.replace(SEPARATOR, ""), config.chunk_lengths, rng))


def train_supertoken(texts: Iterable[str], config: TrainConfig) -> Any:
    """Byte-level BPE over random chunks; the saved tokenizer lets merges cross words."""
    from tokenizers import Regex, pre_tokenizers

    from tokkit.training.hf import bpe_tokenizer, check_vocab_size

    check_vocab_size(config, 256)
    tok, trainer = bpe_tokenizer(config, None, max_token_length=config.max_token_length)
    tok.pre_tokenizer = pre_tokenizers.Sequence(  # training: chunks are the pre-tokens
        [
            pre_tokenizers.Split(Regex(SEPARATOR), behavior="removed"),
            *split_steps(config.numbers, None),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.train_from_iterator(chunked_texts(texts, config), trainer)
    tok.pre_tokenizer = byte_level(config.numbers, None)  # inference: the whole text is one pre-token
    return tok
