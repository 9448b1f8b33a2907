"""The adapter for a tiktoken encoding (a `.tiktoken` ranks file, or a Mistral tekken file)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np

from tokkit.errors import InputError, first_line
from tokkit.tokenizer import CountingPath, EncodedBatch, Tokenizer, char_spans_from_byte_lengths, flat_ids


def encoder_pool() -> ThreadPoolExecutor:
    """Threads for `encode_in_threads` (tiktoken releases the GIL while encoding, so they use every core)."""
    return ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))


Ids = TypeVar("Ids")


def encode_in_threads(encode: Callable[[str], Ids], lines: list[str], pool: ThreadPoolExecutor) -> list[Ids]:
    """`[encode(s) for s in lines]`, in chunks on the pool's threads: a plain loop per chunk, since
    tiktoken's own `encode_ordinary_batch` starts a thread pool per call."""
    chunk = max(1, len(lines) // (4 * pool._max_workers))
    parts = pool.map(lambda ls: [encode(s) for s in ls], [lines[i : i + chunk] for i in range(0, len(lines), chunk)])
    return [x for part in parts for x in part]


class TiktokenTokenizer(Tokenizer):
    """A tiktoken encoding (a `.tiktoken` ranks file, or a Mistral tekken file with `id_offset`)."""

    family = "tiktoken"

    def __init__(
        self,
        ranks: dict[bytes, int],
        *,
        pattern: str,
        name: str,
        path: Path,
        specials: dict[str, int],
        id_offset: int = 0,
        vocab_size: int | None = None,
    ) -> None:
        import tiktoken

        try:
            self._enc = tiktoken.Encoding(
                name=f"tokkit-{name}", pat_str=pattern, mergeable_ranks=ranks, special_tokens={}
            )
        except ValueError as e:
            raise InputError(f"{path} cannot be used as a tiktoken encoding ({first_line(e)})") from None
        self.name, self.source, self.files = name, str(path), (path,)
        self._offset = id_offset
        n_ranks = max(ranks.values()) + 1
        self.vocab_size = vocab_size or max([n_ranks + id_offset, *(i + 1 for i in specials.values())])
        self._specials = {i: s for s, i in specials.items()}
        self.special_ids = frozenset(specials.values())
        self.unk_ids = frozenset()
        self.byte_fallback_ids = frozenset()
        table: list[bytes | None] = [None] * max(self.vocab_size, n_ranks + id_offset)
        for token, rank in ranks.items():
            table[rank + id_offset] = token
        self._set_surfaces(table, check="exact")  # tiktoken has no normaliser: bytes rebuild every text
        self._pool: ThreadPoolExecutor | None = None

    def _ids_batch(self, lines: list[str]) -> list[list[int]]:
        if self._pool is None:
            self._pool = encoder_pool()
        out = encode_in_threads(self._enc.encode_ordinary, lines, self._pool)
        offset = self._offset
        return [[i + offset for i in x] for x in out] if offset else out

    def enable_fast_counting(self) -> CountingPath:
        return CountingPath("fast", "tiktoken", "a tiktoken encoding already")

    def _offsets_batch(self, lines: list[str]) -> EncodedBatch:  # never needed: surfaces are exact
        per_line = self._ids_batch(lines)
        lengths = np.fromiter((len(x) for x in per_line), dtype=np.int64, count=len(per_line))
        ids = flat_ids(per_line, int(lengths.sum()))
        assert self._nbytes is not None
        starts, ends = char_spans_from_byte_lengths(lines, lengths, self._nbytes[ids])
        return EncodedBatch(ids, lengths, starts, ends)

    def encode(self, text: str) -> list[int]:
        return [i + self._offset for i in self._enc.encode_ordinary(text)]

    def encode_parsing_specials(self, text: str) -> list[int]:
        """tiktoken's `encode(..., allowed_special="all")`: special-token strings become their ids."""
        out: list[int] = []
        pos = 0
        names = sorted(((s, i) for i, s in self._specials.items()), key=lambda x: -len(x[0]))
        while pos < len(text):
            nxt = min(((text.find(s, pos), s, i) for s, i in names if text.find(s, pos) >= 0), default=None)
            if nxt is None:
                out += self.encode(text[pos:])
                break
            at, s, i = nxt
            out += [*self.encode(text[pos:at]), i]
            pos = at + len(s)
        return out

    def decode(self, ids: Sequence[int]) -> str:
        parts: list[bytes] = []
        for i in ids:
            if i in self._specials:
                parts.append(self._specials[i].encode())
            else:
                parts.append(self._enc.decode_single_token_bytes(i - self._offset))
        return b"".join(parts).decode("utf-8", errors="replace")

    def id_to_token(self, token_id: int) -> str:
        if token_id in self._specials:
            return self._specials[token_id]
        return self._enc.decode_single_token_bytes(token_id - self._offset).decode("utf-8", errors="backslashreplace")
