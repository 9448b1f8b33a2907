"""Pre-tokenization regexes and the `tokenizers` pre-tokenizers built from them."""

from __future__ import annotations

from typing import Any

from tokkit.errors import InputError
from tokkit.training.config import NumberScheme

# GPT-4o-style word regex (SuperBPE stage 1), with digit runs kept whole: numbers are cut by the
# number scheme, which runs first.
WORDS = "|".join(
    [
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*",
        r"\p{N}+",
        r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
        r"\s*[\r\n]+",
        r"\s+(?!\S)",
        r"\s+",
    ]
)
# SuperBPE stage 2: words and single spaces are no longer boundaries; numbers, runs of two or
# more punctuation marks and trailing spaces still are.
SUPERWORDS = r"\p{N}+| ?[^\s\p{L}\p{N}]{2,}[\r\n/]*| +(?!\S)"

NUMBER_REGEX: dict[NumberScheme, str | None] = {
    NumberScheme.NONE: None,
    NumberScheme.DIGITS: r"\p{N}",
    NumberScheme.L2R3: r"\p{N}{1,3}",
    NumberScheme.R2L3: r"\p{N}{1,3}(?=(?:\p{N}{3})*(?!\p{N}))",
}

_DIGIT_MARKERS = (r"\p{N}", r"\d", "0-9", r"\p{Nd}")


def check_regex(regex: str, numbers: NumberScheme) -> None:
    """A custom regex that already handles digits conflicts with a number scheme."""
    if numbers is not NumberScheme.NONE and any(m in regex for m in _DIGIT_MARKERS):
        raise InputError(
            f"--numbers {numbers.value} conflicts with a --pretokenizer-regex that already handles digits",
            hint="drop the digit part of the regex, or pass --numbers none",
        )
    from tokenizers import Regex

    try:
        Regex(regex)
    except Exception as e:  # the Rust regex compiler raises a bare Exception
        raise InputError(f"--pretokenizer-regex is not a valid regex ({e})") from None


def split_steps(numbers: NumberScheme, regex: str | None) -> list[Any]:
    """Split pre-tokenizers: numbers first (so grouping sees whole digit runs), then `regex`."""
    from tokenizers import Regex, pre_tokenizers

    steps: list[Any] = []
    number = NUMBER_REGEX[numbers]
    if number is not None:
        steps.append(pre_tokenizers.Split(Regex(number), behavior="isolated"))
    if regex is not None:
        steps.append(pre_tokenizers.Split(Regex(regex), behavior="isolated"))
    return steps


def byte_level(numbers: NumberScheme, regex: str | None) -> Any:
    """Split steps followed by the byte-level alphabet (no regex of its own)."""
    from tokenizers import pre_tokenizers

    steps = [*split_steps(numbers, regex), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    return pre_tokenizers.Sequence(steps)
