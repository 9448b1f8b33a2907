"""Byte-level BPE, Unigram and WordPiece with Hugging Face `tokenizers`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tokkit.errors import InputError
from tokkit.training.config import Algorithm, Normalization, TrainConfig
from tokkit.training.pretokenizers import WORDS, byte_level, split_steps

# Characters that separate words fed back to a trainer (`fit_counts`): the first that no word holds.
SEPARATORS = ("\x00", "\x01", "\ufffe", "\U0010fffe", "\x02", "\x03")


def normalizer(norm: Normalization) -> Any:
    from tokenizers import normalizers

    return {Normalization.NONE: None, Normalization.NFC: normalizers.NFC(), Normalization.NFKC: normalizers.NFKC()}[
        norm
    ]


def check_vocab_size(config: TrainConfig, alphabet: int) -> None:
    """The vocabulary must hold the base alphabet and the special tokens, plus room to learn."""
    floor = alphabet + len(config.specials)
    if config.vocab_size <= floor:
        raise InputError(
            f"--vocab-size {config.vocab_size} is too small for {config.algorithm.value}: "
            f"the alphabet ({alphabet}) and special tokens ({len(config.specials)}) need {floor}",
            hint=f"use --vocab-size of at least {floor + 1}",
        )


def bpe_tokenizer(config: TrainConfig, regex: str | None, *, max_token_length: int | None = None) -> tuple[Any, Any]:
    """An untrained byte-level BPE tokenizer and its trainer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizer(config.normalization)
    tok.pre_tokenizer = byte_level(config.numbers, regex)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=config.vocab_size,
        min_frequency=config.min_frequency,
        special_tokens=list(config.specials),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        max_token_length=max_token_length,
        show_progress=False,
    )
    return tok, trainer


def untrained(config: TrainConfig) -> tuple[Any, Any]:
    """The untrained `bpe`, `unigram` or `wordpiece` tokenizer (normaliser, pre-tokenizer, decoder)
    and its trainer (None for WordPiece, which tokkit learns itself)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    if config.algorithm is Algorithm.BPE:
        check_vocab_size(config, 256)
        return bpe_tokenizer(config, config.pretokenizer_regex or WORDS)
    check_vocab_size(config, 1)
    steps = split_steps(config.numbers, config.pretokenizer_regex)
    if config.algorithm is Algorithm.UNIGRAM:
        tok = Tokenizer(models.Unigram())
        tok.normalizer = normalizer(config.normalization)
        tok.pre_tokenizer = pre_tokenizers.Sequence([*steps, pre_tokenizers.Metaspace(prepend_scheme="first")])
        tok.decoder = decoders.Metaspace(prepend_scheme="first")
        trainer = trainers.UnigramTrainer(
            vocab_size=config.vocab_size, special_tokens=list(config.specials), unk_token=config.specials[0],
            show_progress=False,
        )  # fmt: skip
        return tok, trainer
    if config.algorithm is Algorithm.WORDPIECE:
        tok = Tokenizer(models.WordPiece(unk_token=config.specials[0]))
        tok.normalizer = normalizer(config.normalization)
        tok.pre_tokenizer = pre_tokenizers.Sequence([*steps, pre_tokenizers.BertPreTokenizer()])
        tok.decoder = decoders.WordPiece()
        return tok, None
    raise ValueError(f"not a tokenizers algorithm: {config.algorithm}")


def fit_counts(tok: Any, trainer: Any, words: Mapping[str, int]) -> None:
    """Train `tok` in place on pre-tokenized word counts, as `train_from_iterator` would on the
    texts they were counted in.

    The `tokenizers` trainers count words themselves and take only texts; so each word is fed
    `count` times behind a separator the pre-tokenizer removes, with no normaliser: the trainer
    sees the same word table as on the texts, and its result does not depend on feeding order.
    """
    from tokenizers import Regex, pre_tokenizers

    sep = next(c for c in SEPARATORS if not any(c in w for w in words))
    norm, pre = tok.normalizer, tok.pre_tokenizer
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(re.escape(sep)), behavior="removed")
    try:
        tok.train_from_iterator(_repeated(words, sep), trainer)
    finally:
        tok.normalizer, tok.pre_tokenizer = norm, pre


def _repeated(words: Mapping[str, int], sep: str, chunk_chars: int = 1 << 20) -> Iterator[str]:
    """Texts of about `chunk_chars` characters in which each word occurs its count times."""
    parts: list[str] = []
    size = 0
    for word in sorted(words):
        piece = word + sep
        left = words[word]
        while left > 0:
            n = min(left, max(1, (chunk_chars - size) // len(piece)))
            parts.append(piece * n)
            size += n * len(piece)
            left -= n
            if size >= chunk_chars:
                yield "".join(parts)
                parts, size = [], 0
    if parts:
        yield "".join(parts)


def train_hf(texts_or_factory: Iterator[str] | Callable[[], Iterator[str]], config: TrainConfig) -> Any:
    """Train `bpe`, `unigram` or `wordpiece`; returns a `tokenizers.Tokenizer`.

    Unigram and WordPiece read the texts twice: pass a factory of iterators (a plain iterator is
    buffered in memory).
    """
    from tokkit.training.canonical import count_words

    if callable(texts_or_factory):
        texts = texts_or_factory
    else:
        buffered = list(texts_or_factory)

        def texts() -> Iterator[str]:
            return iter(buffered)

    tok, trainer = untrained(config)
    if config.algorithm is Algorithm.WORDPIECE:
        return _finish_wordpiece(tok, count_words(tok, texts()), config)
    tok.train_from_iterator(texts(), trainer)
    if config.algorithm is Algorithm.UNIGRAM:
        return _finish_unigram(tok, count_words(tok, texts()), config)
    return tok


def train_hf_from_counts(words: Mapping[str, int], config: TrainConfig) -> Any:
    """`train_hf` from the word counts of the texts (`count_words` under `untrained(config)`): the same tokenizer."""
    tok, trainer = untrained(config)
    if config.algorithm is Algorithm.WORDPIECE:
        return _finish_wordpiece(tok, Counter(words), config)
    fit_counts(tok, trainer, words)
    if config.algorithm is Algorithm.UNIGRAM:
        return _finish_unigram(tok, Counter(words), config)
    return tok


def _finish_unigram(tok: Any, words: Counter[str], config: TrainConfig) -> Any:
    """HF's scores vary run to run: keep its pieces, re-estimate the scores deterministically."""
    from tokenizers import Tokenizer, models

    from tokkit.training.canonical import reestimate_unigram

    pieces = reestimate_unigram(tok, words, list(config.specials))
    unk_id = next(i for i, (p, _) in enumerate(pieces) if p == config.specials[0])
    trained = Tokenizer(models.Unigram(pieces, unk_id=unk_id, byte_fallback=False))
    for attr in ("normalizer", "pre_tokenizer", "decoder"):
        setattr(trained, attr, getattr(tok, attr))
    trained.add_special_tokens(list(config.specials))
    return trained


def _finish_wordpiece(tok: Any, words: Counter[str], config: TrainConfig) -> Any:
    """HF's WordPieceTrainer breaks ties in hash-map order: the same BPE, deterministically."""
    from tokenizers import Tokenizer, models

    from tokkit.training.canonical import wordpiece_vocab

    vocab = wordpiece_vocab(words, list(config.specials), config.vocab_size, config.min_frequency)
    trained = Tokenizer(models.WordPiece(vocab, unk_token=config.specials[0]))
    for attr in ("normalizer", "pre_tokenizer", "decoder"):
        setattr(trained, attr, getattr(tok, attr))
    trained.add_special_tokens(list(config.specials))
    return trained
