"""Vocabulary alignment across tokenizer families, on raw bytes (pure)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class VocabAlignment:
    """Which new ids reuse an old row, and which need a new one."""

    new_size: int
    shared_new: np.ndarray  # (S,) int64: new ids with an identical old token
    shared_old: np.ndarray  # (S,) int64: their old ids
    to_approximate: np.ndarray  # (A,) int64: new ids without an old token
    by_role: dict[str, tuple[int, int]]  # special tokens matched by role: role -> (new id, old id)


ROLE_ORDER = ("bos", "eos", "unk", "pad")


def align_vocabularies(
    old_bytes: Sequence[bytes | None],
    new_bytes: Sequence[bytes | None],
    *,
    old_roles: Mapping[str, int],
    new_roles: Mapping[str, int],
    old_specials: Mapping[int, str],
    new_specials: Mapping[int, str],
    old_byte_fallback: Collection[int] = frozenset(),
) -> VocabAlignment:
    """Match new tokens to old ones: special tokens by their text, else by role (bos, eos, unk,
    pad, in that order of precedence); every other token by the exact bytes it stands for.

    Where several old ids share bytes, a regular token wins over a byte-fallback piece (`<0xNN>`,
    ids in `old_byte_fallback`: a model rarely uses it for a byte that has its own token, so its
    row is barely trained), then the smallest id (deterministic)."""
    old_index = byte_index(old_bytes, skip=old_specials, fallback=old_byte_fallback)
    special_index = {text: i for i, text in sorted(old_specials.items(), reverse=True)}
    by_role = {r: (new_roles[r], old_roles[r]) for r in ROLE_ORDER if r in new_roles and r in old_roles}
    role_new: dict[int, int] = {}
    for n, o in by_role.values():  # a new id with two roles (eos = pad) takes the first role's row
        role_new.setdefault(n, o)
    shared_new, shared_old, approx = [], [], []
    for i in range(len(new_bytes)):
        if i in new_specials and new_specials[i] in special_index:  # the same special token text
            old = special_index[new_specials[i]]
        elif i in role_new:
            old = role_new[i]
        elif i in new_specials:
            old = -1
        else:
            b = new_bytes[i]
            old = old_index.get(b, -1) if b is not None else -1
        if old >= 0:
            shared_new.append(i)
            shared_old.append(old)
        else:
            approx.append(i)
    return VocabAlignment(
        len(new_bytes),
        np.array(shared_new, dtype=np.int64),
        np.array(shared_old, dtype=np.int64),
        np.array(approx, dtype=np.int64),
        by_role,
    )


def byte_index(
    token_bytes: Sequence[bytes | None], *, skip: Collection[int] = (), fallback: Collection[int] = ()
) -> dict[bytes, int]:
    """bytes -> id over a vocabulary, without `skip`; for duplicate bytes a regular id beats a
    byte-fallback id (`fallback`), then the smaller id wins."""
    index: dict[bytes, int] = {}
    for last_resort in (False, True):
        for i, b in enumerate(token_bytes):
            if b is not None and i not in skip and (i in fallback) == last_resort and b not in index:
                index[b] = i
    return index


def segment_bytes(target: bytes, index: Mapping[bytes, int], max_len: int) -> list[int] | None:
    """Greedy longest-match segmentation of `target` into tokens of `index`; None if impossible."""
    out, i = [], 0
    while i < len(target):
        for n in range(min(max_len, len(target) - i), 0, -1):
            j = index.get(target[i : i + n])
            if j is not None:
                out.append(j)
                i += n
                break
        else:
            return None
    return out
