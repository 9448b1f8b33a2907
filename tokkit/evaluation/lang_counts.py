"""The raw counts of one tokenizer on one language of one corpus (pure: numpy only)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, slots=True)
class LangCounts:
    """Raw counts of one tokenizer on one language of one corpus. Metrics are derived, never stored."""

    tokenizer: str
    corpus: str
    lang: str
    word_unit: str  # "whitespace" or "character" (languages written without spaces)
    n_lines: int
    n_bytes: int
    n_chars: int
    n_words: int
    n_tokens: int
    n_split_words: int  # words covered by two or more tokens
    n_unk_chars: int  # characters inside UNK tokens
    n_fallback_chars: int  # characters spelled with byte-fallback tokens
    vocab_size: int
    encode_seconds: float
    token_counts: np.ndarray = field(repr=False)  # (V,) occurrences of each id
