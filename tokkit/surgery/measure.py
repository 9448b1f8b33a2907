"""Bits per byte of the base and of a transplanted model on one text, whole and on new tokens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tokkit.io.models import LoadedModel, load_saved, special_roles
from tokkit.io.tokenizers import Tokenizer, load_tokenizer
from tokkit.surgery.attribution import NewTokenBits, new_token_bits
from tokkit.surgery.result import Verification
from tokkit.surgery.verify import LanguageModelScore, score_text


@dataclass(frozen=True, slots=True)
class TextScore:
    """One model on one text: its score, the UTF-8 length of each of its tokens, its start token."""

    score: LanguageModelScore
    lengths: np.ndarray
    start: int | None


def token_lengths(tok: Tokenizer, ids: list[int]) -> np.ndarray:
    """UTF-8 bytes each token stands for (0 for a token without bytes)."""
    table = tok.token_bytes()
    return np.array([len(table[i] or b"") for i in ids], dtype=np.int64)


def score_base(base: LoadedModel, new: Tokenizer, new_start: int | None, eval_text: Path, window: int) -> TextScore:
    """Bits per byte of the base model. Windows start with the same special token text as the new
    model's (its bos, else eos) when the base has it, else with the base's own bos/eos."""
    text = eval_text.read_text(encoding="utf-8")
    roles = special_roles(base.tokenizer, base.model.config)
    start = roles.get("bos", roles.get("eos"))
    if new_start is not None:
        wanted = new.id_to_token(new_start)
        same = [i for i in sorted(base.tokenizer.special_ids) if base.tokenizer.id_to_token(i) == wanted]
        start = same[0] if same else start
    ids = base.tokenizer.encode(text)
    score = score_text(base.model, ids, len(text.encode("utf-8")), start_id=start, window=window)
    return TextScore(score, token_lengths(base.tokenizer, ids), start)


def score_new(model: Any, tok: Tokenizer, eval_text: Path, initialised: list[int], window: int) -> tuple[
        TextScore, np.ndarray]:  # fmt: skip
    """The new model on the text, and which of its tokens are initialised rows."""
    text = eval_text.read_text(encoding="utf-8")
    ids = tok.encode(text)  # special-token strings in the text stay text
    config = model.config
    start = config.bos_token_id if config.bos_token_id is not None else config.eos_token_id
    init = torch.as_tensor(initialised, dtype=torch.long)
    score = score_text(model, ids, len(text.encode("utf-8")), start_id=start, window=window, new_ids=init)
    is_new = np.isin(np.array(ids, dtype=np.int64), np.array(initialised, dtype=np.int64))
    return TextScore(score, token_lengths(tok, ids), start), is_new


def on_new_tokens(new: TextScore, is_new: np.ndarray, base: TextScore | None) -> NewTokenBits:
    return new_token_bits(new.score.token_bits, new.lengths, is_new, base.score.token_bits if base else None,
                          base.lengths if base else None)  # fmt: skip


def verify(base: TextScore, out: Path, eval_text: Path, initialised: list[int], window: int) -> Verification:
    """Reload the saved model with transformers and compare its bits per byte with the base model's."""
    text = eval_text.read_text(encoding="utf-8")
    model, hf_tok = load_saved(out)
    new, is_new = score_new(model, load_tokenizer(str(out)), eval_text, initialised, window)
    nt = on_new_tokens(new, is_new, base)
    prompt = hf_tok("The capital of France is", return_tensors="pt", add_special_tokens=False)
    generated = model.generate(**prompt, max_new_tokens=8, do_sample=False)
    b, a = base.score, new.score
    return Verification(
        eval_text=str(eval_text),
        eval_text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        eval_bytes=len(text.encode("utf-8")),
        base_bits_per_byte=b.bits_per_byte,
        new_bits_per_byte=a.bits_per_byte,
        ratio=a.bits_per_byte / b.bits_per_byte if b.bits_per_byte else None,
        base_tokens=b.n_tokens,
        new_tokens=a.n_tokens,
        new_token_mass=a.new_token_mass,
        new_token_positions=nt.positions,
        new_token_bytes=nt.bytes,
        base_new_token_bits_per_byte=nt.base_bits_per_byte,
        new_new_token_bits_per_byte=nt.new_bits_per_byte,
        start_tokens={"base": base.start, "new": new.start},
        generation_sample=hf_tok.decode(generated[0], skip_special_tokens=True),
    )
