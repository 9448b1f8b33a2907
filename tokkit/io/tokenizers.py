"""Load any tokenizer a user has into one adapter with a batch encoder that also returns offsets.

Formats: a `tokenizer.json` file, a Hugging Face tokenizer directory, a SentencePiece `.model`,
a tiktoken `.tiktoken` ranks file, a Mistral tekken `.json`, a GGUF model file, a name from the
offline catalog (`tokkit.io.catalog`) and, when online, a Hugging Face hub id.

Special-token strings that occur in text are always encoded as text, never as control tokens.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import unicodedata
from abc import ABC, abstractmethod
from array import array
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, cast

import numpy as np

from tokkit.errors import InputError
from tokkit.io import catalog

log = logging.getLogger(__name__)

# Pre-tokenization patterns of the public tiktoken encodings, by encoding name.
TIKTOKEN_PATTERNS: dict[str, str] = {
    "cl100k_base": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",  # noqa: E501
    "o200k_base": "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
    "r50k_base": r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s""",
}
TIKTOKEN_PATTERNS["p50k_base"] = TIKTOKEN_PATTERNS["r50k_base"]
TIKTOKEN_PATTERNS["gpt2"] = TIKTOKEN_PATTERNS["r50k_base"]

TIKTOKEN_SPECIALS: dict[str, dict[str, int]] = {
    "cl100k_base": {
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    },
    "o200k_base": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    "r50k_base": {"<|endoftext|>": 50256},
}

_BYTE_TOKEN = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")


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


# What the library returns for a batch: ids per line, or ids with offsets.
LibraryOutput: TypeAlias = "list[list[int]] | EncodedBatch"


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


def _flat(nested: Sequence[Sequence[int]], total: int) -> np.ndarray:
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

    @abstractmethod
    def _ids_batch(self, lines: list[str]) -> list[list[int]]:
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
        ids = _flat(per_line, int(lengths.sum()))
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
        per_line: list[list[int]],
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
            bool(ok[k]) and b"".join(map(get, x)) == prefix + line.encode("utf-8")
            for k, (line, x) in enumerate(zip(lines, per_line, strict=True))
        )
        return np.fromiter(same, dtype=bool, count=len(lines))


class HFTokenizer(Tokenizer):
    """A Hugging Face `tokenizers.Tokenizer` (tokenizer.json, transformers directories, GGUF, hub)."""

    family = "huggingface"

    def __init__(
        self, tok: Any, *, name: str, source: str, files: tuple[Path, ...], spec: dict[str, Any] | None = None
    ) -> None:
        """`spec` is `tok`'s JSON when the caller has it already (a large vocabulary takes seconds to re-serialise)."""
        tok.no_padding()
        tok.no_truncation()
        tok.encode_special_tokens = True  # special-token strings in text stay text
        self._tok = tok
        self.name, self.source, self.files = name, source, files
        self.vocab_size = tok.get_vocab_size(with_added_tokens=True)
        added = tok.get_added_tokens_decoder()
        self.special_ids = frozenset(i for i, t in added.items() if t.special)
        spec = spec if spec is not None else json.loads(tok.to_str())
        model = spec["model"]
        unk = model.get("unk_token")
        unk_id = model.get("unk_id")
        ids: set[int] = set()
        if isinstance(unk, str) and tok.token_to_id(unk) is not None:
            ids.add(tok.token_to_id(unk))
        if isinstance(unk_id, int):
            ids.add(unk_id)
        self.unk_ids = frozenset(ids)
        vocab = tok.get_vocab(with_added_tokens=True)
        if model.get("byte_fallback"):
            self.byte_fallback_ids = frozenset(i for t, i in vocab.items() if _BYTE_TOKEN.match(t))
        else:
            self.byte_fallback_ids = frozenset()
        self._install_surfaces(spec, vocab, added)

    def _install_surfaces(self, spec: dict[str, Any], vocab: dict[str, int], added: dict[int, Any]) -> None:
        decoder = json.dumps(spec.get("decoder"))
        if '"ByteLevel"' in decoder:

            def surface(token: str) -> bytes | None:
                try:
                    return bytes(BYTE_LEVEL_DECODE[c] for c in token)
                except KeyError:
                    return None
        elif '"Metaspace"' in decoder or "\\u2581" in decoder or "▁" in decoder:

            def surface(token: str) -> bytes | None:
                if _BYTE_TOKEN.match(token):
                    return bytes([int(token[3:5], 16)])
                return token.replace("▁", " ").encode("utf-8")
        else:
            return  # WordPiece and others drop whitespace: keep the library's offsets
        table: list[bytes | None] = [None] * max(self.vocab_size, max(vocab.values(), default=-1) + 1)
        for token, i in vocab.items():
            table[i] = surface(token)
        for i, t in added.items():
            table[i] = None if t.special else t.content.encode("utf-8")
        for i in self.unk_ids:
            table[i] = None
        normalizer = spec.get("normalizer")
        if normalizer is None:
            check = "exact"
        elif normalizer.get("type") in {"NFC", "NFKC", "NFD", "NFKD"}:
            check = str(normalizer["type"])
        else:
            check = "full"
        self._set_surfaces(table, check=check)

    def _ids_batch(self, lines: list[str]) -> list[list[int]]:
        try:
            return [e.ids for e in self._tok.encode_batch_fast(lines, add_special_tokens=False)]
        except Exception as e:  # the Rust side raises a bare Exception
            raise InputError(f"tokenizer {self.name} cannot encode the text ({_first_line(e)})") from None

    def _offsets_batch(self, lines: list[str]) -> EncodedBatch:
        try:
            encs = self._tok.encode_batch(lines, add_special_tokens=False)
        except Exception as e:
            raise InputError(f"tokenizer {self.name} cannot encode the text ({_first_line(e)})") from None
        lengths = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        total = int(lengths.sum())
        ids = _flat([e.ids for e in encs], total)
        offsets = np.fromiter(
            chain.from_iterable(chain.from_iterable(e.offsets for e in encs)), dtype=np.int64, count=2 * total
        )
        return EncodedBatch(ids, lengths, offsets[0::2], offsets[1::2])

    def encode(self, text: str) -> list[int]:
        try:
            return list(self._tok.encode(text, add_special_tokens=False).ids)
        except Exception as e:
            raise InputError(f"tokenizer {self.name} cannot encode the text ({_first_line(e)})") from None

    def encode_parsing_specials(self, text: str) -> list[int]:
        """What the library does by default: special-token strings in the text become control ids."""
        self._tok.encode_special_tokens = False
        try:
            return list(self._tok.encode(text, add_special_tokens=False).ids)
        finally:
            self._tok.encode_special_tokens = True

    def decode(self, ids: Sequence[int]) -> str:
        return str(self._tok.decode(list(ids), skip_special_tokens=False))

    def id_to_token(self, token_id: int) -> str:
        return str(self._tok.id_to_token(token_id))


class SentencePieceTokenizer(Tokenizer):
    """A SentencePiece `.model` read with the `sentencepiece` library itself."""

    family = "sentencepiece"

    def __init__(self, path: Path, *, name: str) -> None:
        import sentencepiece as spm

        try:
            self._sp = spm.SentencePieceProcessor(model_file=str(path))
        except (OSError, RuntimeError) as e:
            raise InputError(f"{path} is not a valid SentencePiece model ({_first_line(e)})") from None
        self.name, self.source, self.files = name, str(path), (path,)
        sp = self._sp
        n = sp.get_piece_size()
        self.vocab_size = n
        self.special_ids = frozenset(i for i in range(n) if sp.is_control(i))
        self.unk_ids = frozenset(i for i in range(n) if sp.is_unknown(i))
        self.byte_fallback_ids = frozenset(i for i in range(n) if sp.is_byte(i))
        table: list[bytes | None] = []
        for i in range(n):
            piece = sp.id_to_piece(i)
            if sp.is_byte(i):
                table.append(bytes([int(piece[3:5], 16)]))
            elif sp.is_control(i) or sp.is_unknown(i):
                table.append(None)
            else:
                table.append(piece.replace("▁", " ").encode("utf-8"))
        self._set_surfaces(table, check=self._surface_check())

    def _surface_check(self) -> str:
        """ "exact" when the model's normaliser is the identity and keeps every space."""
        try:
            from sentencepiece import sentencepiece_model_pb2 as pb

            proto = pb.ModelProto()  # type: ignore[attr-defined]
            proto.ParseFromString(self._sp.serialized_model_proto())
            spec = proto.normalizer_spec
            identity = spec.name == "identity" and not spec.remove_extra_whitespaces and not spec.precompiled_charsmap
        except Exception:  # an unreadable spec only costs speed: compare bytes line by line
            return "full"
        return "exact" if identity else "full"

    def _ids_batch(self, lines: list[str]) -> list[list[int]]:
        return list(self._sp.encode(lines, out_type="numpy"))  # int32 arrays: flattened without Python ints

    def _offsets_batch(self, lines: list[str]) -> EncodedBatch:
        out = self._sp.encode(lines, return_type="offset_mapping")
        lengths = np.fromiter((len(r["ids"]) for r in out), dtype=np.int64, count=len(out))
        total = int(lengths.sum())
        ids = _flat([r["ids"] for r in out], total)
        offsets = np.fromiter(
            chain.from_iterable(chain.from_iterable(r["offsets"] for r in out)), dtype=np.int64, count=2 * total
        )
        starts, ends = offsets[0::2], offsets[1::2]
        # SentencePiece gives all but the last byte token of a character a zero-width span; each
        # of them spells part of the character at `start`, so it covers that character too.
        if self.byte_fallback_ids:
            partial = (ends == starts) & np.isin(ids, np.fromiter(self.byte_fallback_ids, dtype=np.int64))
            ends = np.where(partial, starts + 1, ends)
        return EncodedBatch(ids, lengths, starts, ends)

    def encode(self, text: str) -> list[int]:
        return list(self._sp.encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        return str(self._sp.decode(list(ids)))

    def id_to_token(self, token_id: int) -> str:
        return str(self._sp.id_to_piece(token_id))


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
            raise InputError(f"{path} cannot be used as a tiktoken encoding ({_first_line(e)})") from None
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
        # tiktoken releases the GIL while encoding: two threads use both cores
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))
        encode, offset = self._enc.encode_ordinary, self._offset
        chunk = max(1, len(lines) // (4 * self._pool._max_workers))
        parts = self._pool.map(
            lambda ls: [encode(s) for s in ls], [lines[i : i + chunk] for i in range(0, len(lines), chunk)]
        )
        out = [x for part in parts for x in part]
        return [[i + offset for i in x] for x in out] if offset else out

    def _offsets_batch(self, lines: list[str]) -> EncodedBatch:  # never needed: surfaces are exact
        per_line = self._ids_batch(lines)
        lengths = np.fromiter((len(x) for x in per_line), dtype=np.int64, count=len(per_line))
        ids = _flat(per_line, int(lengths.sum()))
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


# --------------------------------------------------------------------------------------------
# Loading


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__


def load_tokenizer(spec: str, *, tiktoken_pattern: str | None = None, trust_remote_code: bool = False) -> Tokenizer:
    """Load a tokenizer from a path, an offline catalog name or (online) a hub id."""
    path = Path(spec).expanduser()
    if path.exists():
        return _load_path(path, tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code)
    if spec in catalog.OFFLINE_TOKENIZERS:
        entry = catalog.OFFLINE_TOKENIZERS[spec]
        resolved = catalog.resolve(spec)
        return _load_path(
            resolved,
            tiktoken_pattern=tiktoken_pattern or entry.tiktoken_pattern,
            trust_remote_code=False,
            name=spec,
            specials=entry.tiktoken_specials,
        )
    looks_like_path = spec.startswith((".", "/", "~")) or Path(spec).suffix in {".json", ".model", ".tiktoken", ".gguf"}
    if re.fullmatch(r"[\w.-]+/[\w.-]+", spec) and not looks_like_path:
        return _load_hub(spec, trust_remote_code=trust_remote_code)
    raise InputError(
        f"tokenizer {spec!r} not found: no such file or directory, and not an offline tokenizer name",
        hint=f"give a path, a hub id (online), or one of: {', '.join(catalog.OFFLINE_TOKENIZERS)}",
    )


def _display_name(path: Path) -> str:
    if path.name in {"tokenizer.json", "tokenizer.model"}:
        return path.resolve().parent.name
    return path.name.split(".")[0] if path.is_file() else path.resolve().name


def _load_path(
    path: Path,
    *,
    tiktoken_pattern: str | None,
    trust_remote_code: bool,
    name: str | None = None,
    specials: dict[str, int] | None = None,
) -> Tokenizer:
    name = name or _display_name(path)
    if path.is_dir():
        return _load_dir(path, name=name, trust_remote_code=trust_remote_code)
    if path.stat().st_size == 0:
        raise InputError(f"tokenizer file {path} is empty")
    suffixes = path.name.lower().split(".")[1:]
    if "gguf" in suffixes[-1:]:
        return _load_gguf(path, name=name)
    if suffixes[-1:] == ["tiktoken"]:
        return _load_tiktoken(path, name=name, pattern=tiktoken_pattern, specials=specials)
    if "model" in suffixes:
        return SentencePieceTokenizer(path, name=name)
    if suffixes[-1:] == ["json"]:
        return _load_json(path, name=name)
    raise InputError(
        f"unknown tokenizer format: {path}",
        hint="expected tokenizer.json, a tokenizer directory, .model, .tiktoken, tekken .json or .gguf",
    )


def _read_json(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text, so not a JSON tokenizer file") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} is JSON but not a tokenizer (top level is not an object)")
    return text, data


def _load_json(path: Path, *, name: str) -> Tokenizer:
    text, data = _read_json(path)
    if "model" in data:
        from tokenizers import Tokenizer as RawTokenizer

        try:
            tok = RawTokenizer.from_str(text)
        except Exception as e:  # the Rust parser raises a bare Exception
            raise InputError(f"{path} is not a valid tokenizer.json ({_first_line(e)})") from None
        return HFTokenizer(tok, name=name, source=str(path), files=(path,), spec=data)
    if isinstance(data.get("vocab"), list) and "config" in data:
        return _load_tekken(path, data, name=name)
    raise InputError(
        f"{path} is JSON but neither a Hugging Face tokenizer.json (no 'model') nor a tekken file",
        hint="pass the tokenizer.json written by `tokenizers`/`save_pretrained`, or a Mistral tekken.json",
    )


def _load_tekken(path: Path, data: dict[str, Any], *, name: str) -> Tokenizer:
    try:
        config = data["config"]
        n_special = int(config["default_num_special_tokens"])
        vocab_size = int(config["default_vocab_size"])
        inner = vocab_size - n_special
        entries = data["vocab"][:inner]
        ranks = {base64.b64decode(e["token_bytes"]): int(e["rank"]) for e in entries}
        pattern = str(config["pattern"])
        listed = data.get("special_tokens") or []
        specials = {str(t["token_str"]): int(t["rank"]) for t in listed}
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"{path} is not a valid tekken tokenizer ({type(e).__name__}: {_first_line(e)})") from None
    if len(ranks) != inner or set(ranks.values()) != set(range(inner)):
        raise InputError(f"{path} is not a valid tekken tokenizer (ranks are not 0..{inner - 1})")
    if not specials:  # files before v7 list no special tokens: the defaults of mistral-common
        names = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
                 "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]",
                 "[IMG_END]", "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]",
                 "[TOOL_CONTENT]"]  # fmt: skip
        specials = {s: i for i, s in enumerate(names)}
    for i in range(n_special):
        if i not in specials.values():
            specials[f"<SPECIAL_{i}>"] = i
    tok = TiktokenTokenizer(
        ranks, pattern=pattern, name=name, path=path, specials=specials, id_offset=n_special, vocab_size=vocab_size
    )
    tok.family = "tekken"
    tok.unk_ids = frozenset(i for s, i in specials.items() if s == "<unk>")
    return tok


def _load_tiktoken(path: Path, *, name: str, pattern: str | None, specials: dict[str, int] | None) -> Tokenizer:
    stem = path.name.split(".")[0]
    pattern = pattern or stem
    regex = TIKTOKEN_PATTERNS.get(pattern, pattern if pattern != stem else None)
    if regex is None:
        raise InputError(
            f"no pre-tokenization pattern known for {path.name}",
            hint=f"pass --tiktoken-pattern with one of {', '.join(TIKTOKEN_PATTERNS)} or a regex",
        )
    ranks: dict[bytes, int] = {}
    try:
        for lineno, line in enumerate(path.read_bytes().splitlines(), 1):  # noqa: B007
            if not line.strip():
                continue
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
    except ValueError:
        raise InputError(f"{path} is not a tiktoken ranks file (line {lineno} is not 'base64 rank')") from None
    if not ranks:
        raise InputError(f"{path} is not a tiktoken ranks file (no ranks)")
    specials = (
        specials
        if specials is not None
        else TIKTOKEN_SPECIALS.get(pattern if pattern in TIKTOKEN_SPECIALS else stem, {})
    )
    return TiktokenTokenizer(ranks, pattern=regex, name=name, path=path, specials=specials)


def _load_dir(path: Path, *, name: str, trust_remote_code: bool) -> Tokenizer:
    if (path / "tokenizer.json").is_file():
        tok = _load_path(path / "tokenizer.json", tiktoken_pattern=None, trust_remote_code=False, name=name)
        return _with_config_roles(tok, path / "tokenizer_config.json")
    if (path / "tokenizer.model").is_file():
        return _with_config_roles(
            SentencePieceTokenizer(path / "tokenizer.model", name=name), path / "tokenizer_config.json"
        )
    ggufs = sorted(path.glob("*.gguf"))
    if len(ggufs) == 1:
        return _load_gguf(ggufs[0], name=name)
    if not any(path.iterdir()):
        raise InputError(f"tokenizer directory {path} is empty")
    return _load_transformers(str(path), name=name, local=True, trust_remote_code=trust_remote_code)


def _with_config_roles(tok: Tokenizer, config: Path) -> Tokenizer:
    """Set `tok.roles` from a transformers tokenizer_config.json (bos_token etc.), when there is one."""
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return tok
    by_text = {tok.id_to_token(i): i for i in sorted(tok.special_ids | tok.unk_ids, reverse=True)}
    roles = {}
    for role in ("bos", "eos", "unk", "pad"):
        value = data.get(f"{role}_token") if isinstance(data, dict) else None
        text = value.get("content") if isinstance(value, dict) else value
        if isinstance(text, str) and text in by_text:
            roles[role] = by_text[text]
    tok.roles = MappingProxyType(roles)
    return tok


def _load_transformers(ref: str, *, name: str, local: bool, trust_remote_code: bool, **kwargs: Any) -> Tokenizer:
    from transformers import AutoTokenizer

    try:
        hf = AutoTokenizer.from_pretrained(ref, local_files_only=local, trust_remote_code=trust_remote_code, **kwargs)
    except Exception as e:  # transformers raises many types for unreadable inputs
        where = "directory" if local else "hub id"
        raise InputError(
            f"cannot load a tokenizer from {where} {ref} ({_first_line(e)})",
            hint="a tokenizer directory needs tokenizer.json, tokenizer.model or vocab files"
            if local
            else "check the id and your network; set HF_HUB_OFFLINE=1 to work offline with local paths",
        ) from None
    backend = getattr(hf, "backend_tokenizer", None)
    if backend is None:
        raise InputError(f"{ref} has only a slow (Python) tokenizer, which tokkit cannot read")
    files = tuple(Path(ref, f) for f in kwargs.values() if isinstance(f, str)) if local else ()
    tok = HFTokenizer(backend, name=name, source=ref, files=files)
    roles = {role: getattr(hf, f"{role}_token_id", None) for role in ("bos", "eos", "unk", "pad")}
    tok.roles = MappingProxyType({r: i for r, i in roles.items() if isinstance(i, int) and 0 <= i < tok.vocab_size})
    return tok


def _load_gguf(path: Path, *, name: str) -> Tokenizer:
    try:
        import gguf  # noqa: F401  (transformers needs it to read GGUF)
    except ImportError:  # pragma: no cover - gguf is a dependency
        raise InputError("reading GGUF files needs the `gguf` package: pip install gguf") from None
    tok = _load_transformers(str(path.parent), name=name, local=True, trust_remote_code=False, gguf_file=path.name)
    return tok


def _load_hub(repo_id: str, *, trust_remote_code: bool) -> Tokenizer:
    log.info("loading %s from the Hugging Face hub", repo_id)
    return _load_transformers(repo_id, name=repo_id, local=False, trust_remote_code=trust_remote_code)


# --------------------------------------------------------------------------------------------
# Saving


def sentencepiece_to_tokenizers(model: Path) -> Any:
    """The `tokenizers.Tokenizer` that transformers builds from a SentencePiece model (same ids)."""
    import shutil
    import tempfile

    from transformers import AutoTokenizer

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(model, Path(tmp) / "tokenizer.model")
        hf = AutoTokenizer.from_pretrained(tmp, local_files_only=True)
        return hf.backend_tokenizer


def write_tokenizer_dir(
    tok: Any, directory: Path, *, roles: dict[str, str], extra_files: dict[str, bytes], check_lines: list[str]
) -> None:
    """Write tokenizer.json, the transformers config files, vocab.txt and extra files into `directory`.

    Then load the directory both ways (`tokenizers` and `transformers.AutoTokenizer`) and check that
    they encode `check_lines` identically; a difference is a bug and raises RuntimeError.
    """
    from tokenizers import Tokenizer as RawTokenizer
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    for name, data in extra_files.items():
        (directory / name).write_bytes(data)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, **roles)  # type: ignore[no-untyped-call]
    fast.save_pretrained(str(directory))
    raw = RawTokenizer.from_file(str(directory / "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    for line in check_lines:
        a = raw.encode(line, add_special_tokens=False).ids
        b = auto.encode(line, add_special_tokens=False)
        if a != b:
            raise RuntimeError(f"tokenizers and transformers disagree on {line[:60]!r}: {a[:10]} vs {b[:10]}")
    with (directory / "vocab.txt").open("w", encoding="utf-8") as fh:
        fh.write("# id\ttoken\ttext it stands for (escaped)\n")
        for token, i in sorted(raw.get_vocab(with_added_tokens=True).items(), key=lambda x: x[1]):
            text = raw.decode([i], skip_special_tokens=False)
            fh.write(f"{i}\t{token}\t{text.encode('unicode_escape').decode('ascii')}\n")


def to_tokenizers(tok: Tokenizer) -> Any:
    """The tokenizer as a `tokenizers.Tokenizer`, for saving next to a model."""
    if isinstance(tok, HFTokenizer):
        from tokenizers import Tokenizer as RawTokenizer

        raw = RawTokenizer.from_str(tok._tok.to_str())
        raw.encode_special_tokens = False
        return raw
    if isinstance(tok, SentencePieceTokenizer):
        return sentencepiece_to_tokenizers(tok.files[0])
    raise InputError(
        f"cannot save a {tok.family} tokenizer as tokenizer.json yet",
        hint="pass a tokenizer.json, a Hugging Face directory or a SentencePiece .model",
    )
