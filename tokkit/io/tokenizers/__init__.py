"""Read and write tokenizers of every format tokkit knows; one module per format.

`Tokenizer` (the interface) lives in `tokkit.tokenizer`; it is re-exported here with the
adapters (`hf`, `sentencepiece`, `tiktoken`), the loaders and the writers, so that
`from tokkit.io.tokenizers import Tokenizer, load_tokenizer, write_tokenizer_dir` keeps working.
"""

from __future__ import annotations

from tokkit.io.tokenizers.hf import HFTokenizer
from tokkit.io.tokenizers.loaders import load_tokenizer
from tokkit.io.tokenizers.patterns import TIKTOKEN_PATTERNS, TIKTOKEN_SPECIALS
from tokkit.io.tokenizers.sentencepiece import SentencePieceTokenizer
from tokkit.io.tokenizers.tiktoken import TiktokenTokenizer
from tokkit.io.tokenizers.writers import sentencepiece_to_tokenizers, to_tokenizers, write_tokenizer_dir
from tokkit.tokenizer import (
    BYTE_LEVEL_DECODE,
    EncodedBatch,
    LibraryOutput,
    SurfaceBatch,
    Tokenizer,
    char_spans_from_byte_lengths,
    utf8_lengths,
)

__all__ = [
    "BYTE_LEVEL_DECODE",
    "TIKTOKEN_PATTERNS",
    "TIKTOKEN_SPECIALS",
    "EncodedBatch",
    "HFTokenizer",
    "LibraryOutput",
    "SentencePieceTokenizer",
    "SurfaceBatch",
    "TiktokenTokenizer",
    "Tokenizer",
    "char_spans_from_byte_lengths",
    "load_tokenizer",
    "sentencepiece_to_tokenizers",
    "to_tokenizers",
    "utf8_lengths",
    "write_tokenizer_dir",
]
