"""The adapter for a SentencePiece `.model`, read with the `sentencepiece` library itself."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from pathlib import Path

import numpy as np

from tokkit.errors import InputError, first_line
from tokkit.tokenizer import EncodedBatch, Tokenizer, flat_ids


class SentencePieceTokenizer(Tokenizer):
    """A SentencePiece `.model` read with the `sentencepiece` library itself."""

    family = "sentencepiece"

    def __init__(self, path: Path, *, name: str) -> None:
        import sentencepiece as spm

        try:
            self._sp = spm.SentencePieceProcessor(model_file=str(path))
        except (OSError, RuntimeError) as e:
            raise InputError(f"{path} is not a valid SentencePiece model ({first_line(e)})") from None
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
        ids = flat_ids([r["ids"] for r in out], total)
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
