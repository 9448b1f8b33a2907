"""The adapter for Hugging Face `tokenizers` (tokenizer.json, transformers directories, GGUF, hub)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from tokkit.errors import InputError, first_line
from tokkit.io.tokenizers.tiktoken import encode_in_threads, encoder_pool
from tokkit.tokenizer import BYTE_LEVEL_DECODE, CountingPath, EncodedBatch, IdsPerLine, Tokenizer, flat_ids

FAST_REASON = "tiktoken encoding built from the vocabulary; identical ids on the probe text"

_BYTE_TOKEN = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")


class HFTokenizer(Tokenizer):
    """A Hugging Face `tokenizers.Tokenizer` (tokenizer.json, transformers directories, GGUF, hub)."""

    family = "huggingface"

    def __init__(
        self,
        tok: Any,
        *,
        name: str,
        source: str,
        files: tuple[Path, ...],
        spec: dict[str, Any] | None = None,
        json_text: str | None = None,
    ) -> None:
        """`spec` is `tok`'s JSON (and `json_text` its text) when the caller has it already (a large
        vocabulary takes seconds to re-serialise)."""
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
        self._json_text = json_text  # for `enable_fast_counting` (a str is far smaller than the parsed dict)
        self._counting: CountingPath | None = None
        self._fast: Callable[[str], np.ndarray] | None = None
        self._pool: ThreadPoolExecutor | None = None

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

    def enable_fast_counting(self) -> CountingPath:
        """Count with a tiktoken encoding built from the vocabulary, when it is exact (see `fast_bpe`)."""
        if self._counting is None:
            self._counting = self._try_fast_counting()
        return self._counting

    def _try_fast_counting(self) -> CountingPath:
        from tokkit.io.tokenizers.fast_bpe import FastBPE, NotExpressible, fast_plan

        spec = json.loads(self._json_text if self._json_text is not None else self._tok.to_str())
        self._json_text = None
        try:
            fast = FastBPE(fast_plan(spec), name=self.name)
        except NotExpressible as e:
            return CountingPath("exact", "tokenizers", f"no tiktoken form: {e}")
        differs = fast.probe(self._library_ids)
        if differs is not None:
            return CountingPath("exact", "tokenizers", f"tiktoken's ids differ from the library's on {differs[:40]!r}")
        self._fast, self._pool = fast.encode_array, encoder_pool()
        self.encodes_nfc_text = fast.nfc
        return CountingPath("fast", "tiktoken", FAST_REASON)

    def _ids_batch(self, lines: list[str]) -> IdsPerLine:
        if self._fast is not None and self._pool is not None:
            return encode_in_threads(self._fast, lines, self._pool)
        return self._library_ids(lines)

    def _library_ids(self, lines: list[str]) -> list[list[int]]:
        try:
            return [e.ids for e in self._tok.encode_batch_fast(lines, add_special_tokens=False)]
        except Exception as e:  # the Rust side raises a bare Exception
            raise InputError(f"tokenizer {self.name} cannot encode the text ({first_line(e)})") from None

    def _offsets_batch(self, lines: list[str]) -> EncodedBatch:
        try:
            encs = self._tok.encode_batch(lines, add_special_tokens=False)
        except Exception as e:
            raise InputError(f"tokenizer {self.name} cannot encode the text ({first_line(e)})") from None
        lengths = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        total = int(lengths.sum())
        ids = flat_ids([e.ids for e in encs], total)
        offsets = np.fromiter(
            chain.from_iterable(chain.from_iterable(e.offsets for e in encs)), dtype=np.int64, count=2 * total
        )
        return EncodedBatch(ids, lengths, offsets[0::2], offsets[1::2])

    def encode(self, text: str) -> list[int]:
        try:
            return list(self._tok.encode(text, add_special_tokens=False).ids)
        except Exception as e:
            raise InputError(f"tokenizer {self.name} cannot encode the text ({first_line(e)})") from None

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
