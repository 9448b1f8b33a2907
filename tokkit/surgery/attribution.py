"""Bits per byte where the methods differ: on the bytes of the new (initialised) tokens (pure).

Bytes are the fair unit across tokenizers. Definitions, for one text scored by two models:

- new model, tokens t_1..t_n with UTF-8 lengths b_i and losses ℓ_i (bits, ℓ_i = −log2 p(t_i | t_<i));
  position i is *new* when t_i is an initialised row. new_token_bits_per_byte = Σ_new ℓ_i / Σ_new b_i,
  over `positions` = #new positions and `bytes` = Σ_new b_i.
- base model, tokens u_1..u_m with lengths c_j and losses λ_j: each byte of u_j carries λ_j / c_j;
  base_new_token_bits_per_byte = (Σ over the bytes inside new-token spans of the new tokenization of
  their share) / `bytes`. Both figures are bits over the same bytes.

A token of zero bytes (a special token's text that stands for nothing) has no bytes to carry its
loss: it counts in neither figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LN2 = float(np.log(2.0))


@dataclass(frozen=True, slots=True)
class NewTokenBits:
    positions: int  # positions whose target token is new
    bytes: int  # UTF-8 bytes of those target tokens
    new_bits_per_byte: float | None  # the new model on those bytes (None when there are none)
    base_bits_per_byte: float | None  # the base model on the same bytes (None when not comparable)


def per_byte_loss(token_bits: np.ndarray, token_lengths: np.ndarray) -> np.ndarray:
    """Each token's loss spread evenly over its bytes: one value per byte of the text."""
    lengths = np.asarray(token_lengths, dtype=np.int64)
    bits = np.asarray(token_bits, dtype=np.float64)
    share = np.divide(bits, lengths, out=np.zeros_like(bits), where=lengths > 0)
    return np.repeat(share, lengths)


def new_token_bits(
    new_bits: np.ndarray,
    new_lengths: np.ndarray,
    is_new: np.ndarray,
    base_bits: np.ndarray | None = None,
    base_lengths: np.ndarray | None = None,
) -> NewTokenBits:
    """Bits per byte on the new tokens' bytes, for the new model and (when given) the base model.

    `new_bits`/`new_lengths`/`is_new` are per token of the new tokenization, `base_bits`/`base_lengths`
    per token of the base tokenization of the same text; the base figure is None when the two
    tokenizations do not cover the same number of bytes.
    """
    lengths = np.asarray(new_lengths, dtype=np.int64)
    mask = np.asarray(is_new, dtype=bool)
    if not len(lengths) == len(mask) == len(new_bits):
        raise ValueError("new_bits, new_lengths and is_new must have one entry per token")
    n_bytes = int(lengths[mask].sum())
    positions = int(mask.sum())
    if n_bytes == 0:
        return NewTokenBits(positions, 0, None, None)
    new_bpb = float(np.asarray(new_bits, dtype=np.float64)[mask].sum()) / n_bytes
    base_bpb = None
    if base_bits is not None and base_lengths is not None and int(np.sum(base_lengths)) == int(lengths.sum()):
        byte_mask = np.repeat(mask, lengths)
        base_bpb = float(per_byte_loss(base_bits, base_lengths)[byte_mask].sum()) / n_bytes
    return NewTokenBits(positions, n_bytes, new_bpb, base_bpb)
