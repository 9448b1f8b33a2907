"""SentencePiece BPE and Unigram, saved as `.model` and as an equivalent `tokenizer.json`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from tokkit.errors import InputError
from tokkit.training.config import Algorithm, Normalization, NumberScheme, TrainConfig

MAX_PIECE_CHARS = 4096  # SentencePiece silently skips sentences longer than max_sentence_length bytes


def _pieces(texts: Iterable[str]) -> Iterator[str]:
    for text in texts:
        for i in range(0, len(text), MAX_PIECE_CHARS):
            yield text[i : i + MAX_PIECE_CHARS]


def train_spm(texts: Iterable[str], config: TrainConfig, model_prefix: Path) -> Path:
    """Train with `sentencepiece`; returns the path of the `.model` file written."""
    import sentencepiece as spm

    if config.numbers in (NumberScheme.L2R3, NumberScheme.R2L3):
        raise InputError(
            f"--numbers {config.numbers.value} is not available for {config.algorithm.value}",
            hint="SentencePiece can only split digits one by one: use --numbers digits or none",
        )
    if config.pretokenizer_regex is not None:
        raise InputError(f"--pretokenizer-regex is not available for {config.algorithm.value}")
    specials = list(config.specials)
    if specials[:3] != ["<unk>", "<s>", "</s>"]:
        specials = ["<unk>", "<s>", "</s>", *[s for s in specials if s not in ("<unk>", "<s>", "</s>")]]
    rule = {Normalization.NONE: "identity", Normalization.NFC: "nfc", Normalization.NFKC: "nfkc"}[config.normalization]
    if config.vocab_size < 256 + len(specials) + 1:
        raise InputError(
            f"--vocab-size {config.vocab_size} is too small for {config.algorithm.value} with byte fallback",
            hint=f"use at least {256 + len(specials) + 1}",
        )
    spm.set_random_generator_seed(config.seed)
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=_pieces(texts),
            model_prefix=str(model_prefix),
            model_type="bpe" if config.algorithm is Algorithm.SP_BPE else "unigram",
            vocab_size=config.vocab_size,
            byte_fallback=True,
            character_coverage=0.9995,
            normalization_rule_name=rule,
            remove_extra_whitespaces=False,
            allow_whitespace_only_pieces=True,
            split_digits=config.numbers is NumberScheme.DIGITS,
            unk_id=0,
            bos_id=1,
            eos_id=2,
            pad_id=-1,
            user_defined_symbols=specials[3:],
            max_sentence_length=MAX_PIECE_CHARS * 4,
            num_threads=1 if config.algorithm is Algorithm.SP_UNIGRAM else min(4, os.cpu_count() or 1),
            minloglevel=2,
        )
    except RuntimeError as e:
        raise InputError(f"SentencePiece could not train: {str(e).strip().splitlines()[-1][:300]}") from None
    return model_prefix.with_suffix(".model")
