"""The tokenizer interface every command uses: one adapter class over every library, and token spans.

Pure: numpy and the standard library only. The adapters for each file format, and the loaders
that pick one, live in `tokkit.io.tokenizers`.

Special-token strings that occur in text are always encoded as text, never as control tokens.
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal, TypeAlias, cast

import numpy as np


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """Token ids of a batch of lines, concatenated, with each token's character span in its line."""

    ids: np.ndarray  # (T,) int64
    lengths: np.ndarray  # (L,) int64: tokens per line
    starts: np.ndarray  # (T,) int64: first character of the token in its line
    ends: np.ndarray  # (T,) int64: one past the last character

    @classmethod
    def empty(cls) -> EncodedBatch:
        """A batch of no lines."""
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, none)


# Ids of each line of a batch: lists, or uint32 arrays (tiktoken's buffers, no Python int per id).
IdsPerLine: TypeAlias = "list[list[int]] | list[np.ndarray]"
# What the library returns for a batch: ids per line, or ids with offsets.
LibraryOutput: TypeAlias = "IdsPerLine | EncodedBatch"


@dataclass(frozen=True, slots=True)
class SurfaceBatch:
    """Token ids of a batch of lines with the surface bytes of each token, for counting in bytes.

    Where `exact[k]`, the surfaces of line k's tokens concatenate to `prefix` + the line's UTF-8
    bytes, so token boundaries are byte positions. The other lines come with the library's own
    character offsets in `inexact` (their tokens, in line order).
    """

    ids: np.ndarray  # (T,) int64, every line
    lengths: np.ndarray  # (L,) int64: tokens per line
    nbytes: np.ndarray  # (T,) int64: surface bytes of each token, -1 where unknown
    line_bytes: np.ndarray  # (L,) int64: UTF-8 length of each line
    exact: np.ndarray  # (L,) bool
    prefix: bytes
    inexact: EncodedBatch

    @classmethod
    def from_offsets(cls, enc: EncodedBatch, line_bytes: np.ndarray, prefix: bytes) -> SurfaceBatch:
        """A batch where no line is known to be exact."""
        exact = np.zeros(enc.lengths.size, dtype=bool)
        return cls(enc.ids, enc.lengths, np.full(enc.ids.size, -1, dtype=np.int64), line_bytes, exact, prefix, enc)


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters (byte-level BPE alphabets)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = list(printable)
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(printable, chars, strict=True)}


BYTE_LEVEL_DECODE: dict[str, int] = {c: b for b, c in _bytes_to_unicode().items()}


def flat_ids(nested: Sequence[Sequence[int]] | Sequence[np.ndarray], total: int) -> np.ndarray:
    """The ids of all lines in one int64 array (lists of ints or numpy arrays per line)."""
    if nested and isinstance(nested[0], np.ndarray):
        return np.concatenate(nested).astype(np.int64, copy=False) if total else np.zeros(0, dtype=np.int64)
    flat = array("q")
    for ids in nested:  # no Python iterator per id, unlike np.fromiter over a chain
        flat.fromlist(ids if isinstance(ids, list) else list(ids))
    return np.frombuffer(flat, dtype=np.int64) if total else np.zeros(0, dtype=np.int64)


def utf8_lengths(lines: Sequence[str]) -> np.ndarray:
    """UTF-8 byte length of each line."""
    return np.fromiter((len(s.encode("utf-8")) for s in lines), dtype=np.int64, count=len(lines))


def char_spans_from_byte_lengths(
    lines: Sequence[str],
    lengths: np.ndarray,
    token_nbytes: np.ndarray,
    prefix: int = 0,
    line_bytes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Character spans of tokens whose surface bytes concatenate to `prefix` bytes + each line.

    `token_nbytes` (T,) are the surface byte lengths of the batch's tokens, line after line; a
    token inside the prefix (e.g. SentencePiece's dummy space) gets a zero-width span at 0.
    `line_bytes` (L,), the UTF-8 length of each line, is computed when not given.
    """
    n_lines = len(lines)
    token_line = np.repeat(np.arange(n_lines), lengths)
    cum = np.concatenate(([0], np.cumsum(token_nbytes)))
    line_first = np.cumsum(lengths) - lengths
    if line_bytes is None:
        line_bytes = utf8_lengths(lines)
    limit = line_bytes[token_line]
    local_end = np.clip(cum[1:] - cum[line_first][token_line] - prefix, 0, limit)
    local_start = np.clip(local_end - token_nbytes, 0, limit)
    buf = np.frombuffer("".join(lines).encode("utf-8"), dtype=np.uint8)
    char_of_byte = np.cumsum((buf & 0xC0) != 0x80) - 1  # character index of each byte
    char_of_byte = np.append(char_of_byte, char_of_byte[-1] + 1 if buf.size else 0)
    byte_base = (np.cumsum(line_bytes) - line_bytes)[token_line]
    char_base = (np.cumsum([len(s) for s in lines], dtype=np.int64) - [len(s) for s in lines])[token_line]
    starts = char_of_byte[byte_base + local_start] - char_base
    last = char_of_byte[np.maximum(byte_base + local_end - 1, 0)] + 1 - char_base
    ends = np.where(local_end > local_start, last, starts)
    return starts, ends


@dataclass(frozen=True, slots=True)
class CountingPath:
    """How a tokenizer's ids are computed for counting: `fast` (tiktoken's encoder) or `exact` (the library)."""

    path: Literal["fast", "exact"]
    encoder: str  # the library that encodes: tiktoken, tokenizers, sentencepiece
    reason: str  # why this path (recorded in the sidecar)


class Tokenizer(ABC):
    """One interface over every tokenizer library tokkit reads.

    Subclasses give fast ids (`_ids_batch`) and library offsets (`_offsets_batch`). When every
    token has known surface bytes (`surfaces`), spans come from the bytes, checked line by line:
    a line whose surfaces do not rebuild it exactly (normalisers, UNK) uses the library's offsets.
    """

    name: str
    source: str
    family: str
    files: tuple[Path, ...]
    vocab_size: int
    special_ids: frozenset[int]
    unk_ids: frozenset[int]
    byte_fallback_ids: frozenset[int]
    # bos/eos/unk/pad ids the tokenizer's own config declares (transformers directories, GGUF, hub)
    roles: Mapping[str, int] = MappingProxyType({})
    surfaces: list[bytes | None] | None = None  # bytes each id stands for in running text
    surface_prefix: bytes = b""  # bytes the encoder adds before a line (SentencePiece's dummy space)
    _nbytes: np.ndarray | None = None
    # How to know a line's surfaces rebuild it: "exact" (no normaliser), "NFC"/"NFKC"/... (only
    # lines the normaliser would change are suspect), or "full" (compare bytes line by line).
    surface_check = "full"
    # True when the encoder NFC-normalises each line itself (tiktoken standing in for an NFC
    # tokenizer): `count_tokens` then counts words in the NFC text (see `runner.nfc_view`).
    encodes_nfc_text = False

    def enable_fast_counting(self) -> CountingPath:
        """Count with tiktoken's encoder where it gives the library's ids exactly (checked on a probe).

        Adapters that can take the fast path override this; the rest stay on their library.
        """
        return CountingPath(
            "exact", self.family, f"{self.family} tokenizers have no tiktoken form (not byte-level BPE)"
        )

    @abstractmethod
    def _ids_batch(self, lines: list[str]) -> IdsPerLine:
        """Ids of each line, without added special tokens, by the fastest call the library has."""

    @abstractmethod
    def _offsets_batch(self, lines: list[str]) -> EncodedBatch:
        """Ids and character offsets from the library itself."""

    @abstractmethod
    def encode(self, text: str) -> list[int]:
        """Ids of one text, without added special tokens."""

    def encode_parsing_specials(self, text: str) -> list[int]:
        """The library's default encoding, where special-token strings may become control ids."""
        return self.encode(text)

    @abstractmethod
    def decode(self, ids: Sequence[int]) -> str:
        """Text of a sequence of ids (special tokens kept)."""

    @abstractmethod
    def id_to_token(self, token_id: int) -> str:
        """The vocabulary entry of an id as the library writes it."""

    @property
    def has_byte_fallback(self) -> bool:
        """True when unknown characters become byte tokens instead of UNK."""
        return bool(self.byte_fallback_ids)

    def token_bytes(self) -> list[bytes | None]:
        """The raw bytes each id stands for in running text (None for special tokens).

        Byte-level `Ġ` and SentencePiece `▁` become a space, `<0xNN>` the byte; for WordPiece a
        `##` piece is its text and a word-initial piece is a space plus its text.
        """
        if self.surfaces is not None:
            table = list(self.surfaces)
        else:
            table = []
            for i in range(self.vocab_size):
                token = self.id_to_token(i)
                if token is None or token == "None":
                    table.append(None)
                elif token.startswith("##"):
                    table.append(token[2:].encode("utf-8"))
                else:
                    table.append((" " + token).encode("utf-8"))
        for i in self.special_ids:
            if i < len(table):
                table[i] = None
        return table

    def _set_surfaces(self, surfaces: list[bytes | None], *, check: str = "full") -> None:
        """Install surface bytes, after checking on a probe text which prefix the encoder adds."""
        self.surfaces, self.surface_check = surfaces, check
        self._nbytes = np.array([-1 if b is None else len(b) for b in surfaces], dtype=np.int64)
        probe = "Hello world, 123."
        got = b"".join(surfaces[i] or b"\0" for i in self.encode(probe))
        if got.endswith(probe.encode()) and len(got) - len(probe) in (0, 1) and got[: -len(probe)] in (b"", b" "):
            self.surface_prefix = got[: -len(probe)]
        else:
            self.surfaces = self._nbytes = None

    def encode_ids(self, lines: list[str]) -> LibraryOutput:
        """The library's part of `encode_surfaces`: ids per line, or ids and offsets when the
        surfaces are unknown. It holds the GIL little, so it may run in another thread."""
        if self.surfaces is None or self._nbytes is None:
            return self._offsets_batch(lines)
        return self._ids_batch(lines)

    def encode_surfaces(self, lines: Sequence[str], encoded: LibraryOutput | None = None) -> SurfaceBatch:
        """Encode lines without adding special tokens, with each token's surface byte length.

        Lines whose token surfaces are not known to rebuild them exactly get the library's
        character offsets in `inexact`; with no surface table, that is every line. `encoded` is
        `encode_ids(lines)` when already computed.
        """
        lines = list(lines)
        line_bytes = utf8_lengths(lines)
        per_line = self.encode_ids(lines) if encoded is None else encoded
        if isinstance(per_line, EncodedBatch) or self._nbytes is None:
            enc = per_line if isinstance(per_line, EncodedBatch) else self._offsets_batch(lines)
            return SurfaceBatch.from_offsets(enc, line_bytes, self.surface_prefix)
        lengths = np.fromiter((len(x) for x in per_line), dtype=np.int64, count=len(per_line))
        ids = flat_ids(per_line, int(lengths.sum()))
        if ids.size and int(ids.max()) >= self._nbytes.size:
            return SurfaceBatch.from_offsets(self._offsets_batch(lines), line_bytes, self.surface_prefix)
        nbytes = self._nbytes[ids]
        exact = self._exact_lines(lines, per_line, lengths, nbytes, line_bytes)
        bad = np.flatnonzero(~exact)
        if bad.size == 0:  # the common case: no second call to the library
            return SurfaceBatch(ids, lengths, nbytes, line_bytes, exact, self.surface_prefix, EncodedBatch.empty())
        slow = self._offsets_batch([lines[k] for k in bad.tolist()])
        if not np.array_equal(slow.lengths, lengths[bad]):  # one tokenizer, two calls: cannot differ
            return SurfaceBatch.from_offsets(self._offsets_batch(lines), line_bytes, self.surface_prefix)
        return SurfaceBatch(ids, lengths, nbytes, line_bytes, exact, self.surface_prefix, slow)

    def encode_batch(self, lines: Sequence[str]) -> EncodedBatch:
        """Encode lines without adding special tokens; spans are character offsets in each line."""
        lines = list(lines)
        batch = self.encode_surfaces(lines)
        if not batch.exact.any():
            return batch.inexact
        starts, ends = char_spans_from_byte_lengths(
            lines, batch.lengths, np.maximum(batch.nbytes, 0), len(batch.prefix), batch.line_bytes
        )
        slow = batch.inexact
        first = np.cumsum(batch.lengths) - batch.lengths
        pos = 0
        for k, n in zip(np.flatnonzero(~batch.exact).tolist(), slow.lengths.tolist(), strict=True):
            starts[first[k] : first[k] + n] = slow.starts[pos : pos + n]
            ends[first[k] : first[k] + n] = slow.ends[pos : pos + n]
            pos += n
        return EncodedBatch(batch.ids, batch.lengths, starts, ends)

    def _exact_lines(
        self,
        lines: list[str],
        per_line: IdsPerLine,
        lengths: np.ndarray,
        nbytes: np.ndarray,
        line_bytes: np.ndarray,
    ) -> np.ndarray:
        """Which lines' token surfaces rebuild `surface_prefix` + the line byte for byte.

        Every line is checked for tokens without surface bytes and for the byte count; the content
        is compared byte for byte only when the normaliser could change it (`surface_check`).
        """
        line_end = np.cumsum(lengths)
        line_start = line_end - lengths
        cum = np.concatenate(([0], np.cumsum(np.maximum(nbytes, 0))))
        ok: np.ndarray = cum[line_end] - cum[line_start] == line_bytes + len(self.surface_prefix)
        missing = nbytes < 0
        if missing.any():
            cum_missing = np.concatenate(([0], np.cumsum(missing)))
            ok &= cum_missing[line_end] == cum_missing[line_start]
        check = self.surface_check
        if check == "exact":
            return ok
        if check in {"NFC", "NFKC", "NFD", "NFKD"}:
            form = cast(Literal["NFC", "NFD", "NFKC", "NFKD"], check)
            ok &= np.fromiter((unicodedata.is_normalized(form, s) for s in lines), dtype=bool, count=len(lines))
            return ok
        assert self.surfaces is not None
        # lines with a None surface are not ok already, and `and` skips the join for them
        get = cast(Callable[[int], bytes], self.surfaces.__getitem__)
        prefix = self.surface_prefix
        same = (
            bool(ok[k]) and b"".join(map(get, cast(Sequence[int], x))) == prefix + line.encode("utf-8")
            for k, (line, x) in enumerate(zip(lines, per_line, strict=True))
        )
        return np.fromiter(same, dtype=bool, count=len(lines))
