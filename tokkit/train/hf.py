"""Byte-level BPE, Unigram and WordPiece with Hugging Face `tokenizers`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from tokkit.errors import InputError
from tokkit.train.config import Algorithm, Normalization, TrainConfig
from tokkit.train.pretokenizers import WORDS, byte_level, split_steps


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


def train_hf(texts_or_factory: Iterator[str] | Callable[[], Iterator[str]], config: TrainConfig) -> Any:
    """Train `bpe`, `unigram` or `wordpiece`; returns a `tokenizers.Tokenizer`.

    Unigram and WordPiece read the texts twice: pass a factory of iterators (a plain iterator is
    buffered in memory).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    from tokkit.train.canonical import count_words, reestimate_unigram, wordpiece_vocab

    if callable(texts_or_factory):
        texts = texts_or_factory
    else:
        buffered = list(texts_or_factory)

        def texts() -> Iterator[str]:
            return iter(buffered)

    regex = config.pretokenizer_regex or WORDS
    if config.algorithm is Algorithm.BPE:
        check_vocab_size(config, 256)
        tok, trainer = bpe_tokenizer(config, regex)
    elif config.algorithm is Algorithm.UNIGRAM:
        check_vocab_size(config, 1)
        unk = config.specials[0]
        tok = Tokenizer(models.Unigram())
        tok.normalizer = normalizer(config.normalization)
        steps = split_steps(config.numbers, config.pretokenizer_regex)
        tok.pre_tokenizer = pre_tokenizers.Sequence([*steps, pre_tokenizers.Metaspace(prepend_scheme="first")])
        tok.decoder = decoders.Metaspace(prepend_scheme="first")
        trainer = trainers.UnigramTrainer(
            vocab_size=config.vocab_size, special_tokens=list(config.specials), unk_token=unk, show_progress=False
        )
        tok.train_from_iterator(texts(), trainer)
        # HF's scores vary run to run: keep its pieces, re-estimate the scores deterministically
        pieces = reestimate_unigram(tok, count_words(tok, texts()), list(config.specials))
        unk_id = next(i for i, (p, _) in enumerate(pieces) if p == unk)
        trained = Tokenizer(models.Unigram(pieces, unk_id=unk_id, byte_fallback=False))
        for attr in ("normalizer", "pre_tokenizer", "decoder"):
            setattr(trained, attr, getattr(tok, attr))
        trained.add_special_tokens(list(config.specials))
        return trained
    elif config.algorithm is Algorithm.WORDPIECE:
        check_vocab_size(config, 1)
        tok = Tokenizer(models.WordPiece(unk_token=config.specials[0]))
        tok.normalizer = normalizer(config.normalization)
        steps = split_steps(config.numbers, config.pretokenizer_regex)
        tok.pre_tokenizer = pre_tokenizers.Sequence([*steps, pre_tokenizers.BertPreTokenizer()])
        tok.decoder = decoders.WordPiece()
        # HF's WordPieceTrainer breaks ties in hash-map order: the same BPE, deterministically
        vocab = wordpiece_vocab(count_words(tok, texts()), list(config.specials), config.vocab_size,
                                config.min_frequency)  # fmt: skip
        trained = Tokenizer(models.WordPiece(vocab, unk_token=config.specials[0]))
        for attr in ("normalizer", "pre_tokenizer", "decoder"):
            setattr(trained, attr, getattr(tok, attr))
        trained.add_special_tokens(list(config.specials))
        return trained
    else:
        raise ValueError(f"not a tokenizers algorithm: {config.algorithm}")
    tok.train_from_iterator(texts(), trainer)
    return tok
