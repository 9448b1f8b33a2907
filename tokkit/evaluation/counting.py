"""`--counting auto|fast|exact`: which encoder gives the ids that `tokkit evaluate` counts."""

from __future__ import annotations

from enum import Enum

from tokkit.errors import InputError
from tokkit.tokenizer import CountingPath, Tokenizer


class Counting(str, Enum):
    AUTO = "auto"  # tiktoken where it gives the library's ids exactly, else the library
    FAST = "fast"  # tiktoken, or an error naming why this tokenizer cannot take it
    EXACT = "exact"  # the tokenizer's own library


def choose_counting(tokenizer: Tokenizer, mode: Counting) -> CountingPath:
    """Switch `tokenizer` to the fast path when `mode` allows and it is exact; say which path runs."""
    if mode is Counting.EXACT:
        return CountingPath("exact", tokenizer.family, "--counting exact")
    path = tokenizer.enable_fast_counting()
    if mode is Counting.FAST and path.path != "fast":
        raise InputError(
            f"--counting fast: tokenizer {tokenizer.name} cannot be counted with tiktoken: {path.reason}",
            hint="use --counting auto (falls back to the library) or --counting exact",
        )
    return path
