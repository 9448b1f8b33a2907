"""Adversarial segmentation cases as data, and the pure checks that score them.

A case is a natural string made of intended units (words, digit groups) whose canonical
tokenization may put a token across a unit boundary — "movestable" read as "move|stable" when
"moves|table" was meant. `spanning` finds such tokens from character spans alone; `misleading`
keeps those that cut into a unit (a token that covers whole units exactly, 一个人 for 一个|人, is a
superword: coarser than the intended units, not a wrong reading of them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Family(str, Enum):
    BOUNDARY = "boundary"  # run-together words / compounds whose tokens cross the word boundary
    NUMBER = "number"  # digit runs grouped left-to-right across thousands groups
    SPECIAL = "special"  # special-token strings typed as plain text
    UNICODE = "unicode"  # look-alike strings (NFD, homoglyphs, zero-width) that tokenize differently


@dataclass(frozen=True, slots=True)
class Case:
    """One adversarial input; `units` are character spans of the intended units within `text`."""

    id: str
    lang: str
    family: str
    text: str
    intended_units: list[str]
    canonical_tokens: list[str]
    spanning_tokens: list[str]
    trap_word: str | None
    control_text: str
    units: list[tuple[int, int]] = field(default_factory=list)
    generated_with: str = ""

    def record(self) -> dict[str, Any]:
        d = asdict(self)
        d["units"] = [list(u) for u in self.units]
        return d

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> Case:
        keys = {f for f in cls.__dataclass_fields__}
        missing = {"id", "lang", "family", "text", "intended_units", "control_text"} - set(d)
        if missing:
            raise ValueError(f"missing keys {sorted(missing)}")
        kw = {k: v for k, v in d.items() if k in keys}
        kw["units"] = [tuple(u) for u in d.get("units", [])]
        kw.setdefault("canonical_tokens", [])
        kw.setdefault("spanning_tokens", [])
        kw.setdefault("trap_word", None)
        return cls(**kw)


def unit_spans(units: Sequence[str], separator: str = "") -> tuple[str, list[tuple[int, int]]]:
    """Join units with `separator`; return the text and each unit's [start, end) in it."""
    spans, pos = [], 0
    for i, unit in enumerate(units):
        if i:
            pos += len(separator)
        spans.append((pos, pos + len(unit)))
        pos += len(unit)
    return separator.join(units), spans


def spanning(token_starts: Sequence[int], token_ends: Sequence[int], units: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of tokens that cover characters of two or more intended units."""
    out = []
    for i, (s, e) in enumerate(zip(token_starts, token_ends, strict=True)):
        touched = sum(1 for a, b in units if s < b and e > a)
        if touched >= 2:
            out.append(i)
    return out


def misleading(token_starts: Sequence[int], token_ends: Sequence[int], units: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of spanning tokens with at least one end strictly inside an intended unit.

    A token [s, e) that covers characters of two or more units misleads when a < s < b or
    a < e < b for some unit [a, b); one that starts and ends on unit edges is a superword.
    """
    out = []
    for i in spanning(token_starts, token_ends, units):
        s, e = token_starts[i], token_ends[i]
        if any(a < s < b or a < e < b for a, b in units):
            out.append(i)
    return out


def r2l_groups(digits: str) -> list[str]:
    """Thousands groups of a digit run, from the right: "1234567" → ["1", "234", "567"]."""
    head = len(digits) % 3
    groups = [digits[:head]] if head else []
    return groups + [digits[i : i + 3] for i in range(head, len(digits), 3)]


HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}  # Latin → Cyrillic


def unicode_variants(word: str) -> list[tuple[str, str]]:
    """Look-alike spellings of `word`: (kind, variant), each different from `word` as a string."""
    out = []
    nfd = unicodedata.normalize("NFD", word)
    if nfd != word:
        out.append(("nfd", nfd))
    for latin, cyrillic in HOMOGLYPHS.items():
        if latin in word:
            out.append(("homoglyph", word.replace(latin, cyrillic, 1)))
            break
    if len(word) >= 4:
        mid = len(word) // 2
        out.append(("zero-width", word[:mid] + "\u200b" + word[mid:]))
    return out
