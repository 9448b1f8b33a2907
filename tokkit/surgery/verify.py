"""How much of a model survived: bits per byte on held-out text, and the mass on new tokens."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


@dataclass(frozen=True, slots=True)
class LanguageModelScore:
    bits_per_byte: float  # total next-token NLL in bits / UTF-8 bytes of the text
    n_tokens: int
    new_token_mass: float | None  # mean probability the model puts on `new_ids` (None if not asked)
    token_bits: np.ndarray  # (n_tokens,) −log2 p(token | its prefix in the window), every text token once


@torch.no_grad()
def score_text(
    model: Any,
    ids: Sequence[int],
    n_bytes: int,
    *,
    start_id: int | None,
    window: int = 512,
    new_ids: torch.Tensor | None = None,
) -> LanguageModelScore:
    """Bits per byte of `ids` (the text's tokens) under `model`, in windows of `window` tokens.

    Each window starts with `start_id` when given (the same rule for every model compared), and
    every text token is predicted once (without a start token the first one is not predicted and
    gets 0 bits). With `new_ids`, also the mean probability of those ids.
    """
    mass, positions = 0.0, 0
    seq = list(ids)
    token_nats = np.zeros(len(seq), dtype=np.float64)
    offset = 1 if start_id is not None else 0
    step = window - offset
    for s in range(0, len(seq), step):
        chunk = seq[s : s + step]
        inputs = ([start_id] if start_id is not None else []) + chunk
        logits = model(input_ids=torch.tensor([inputs])).logits[0].float()  # (L, V)
        logp = torch.log_softmax(logits, dim=-1)
        targets = torch.tensor(chunk if offset else chunk[1:])
        predictions = logp[: len(inputs) - 1]
        nll = -predictions.gather(1, targets.unsqueeze(1)).squeeze(1).double().numpy()
        token_nats[s + 1 - offset : s + len(chunk)] = nll
        if new_ids is not None and len(new_ids):
            mass += float(predictions.exp()[:, new_ids].sum())
            positions += predictions.shape[0]
    bits = token_nats / math.log(2)
    return LanguageModelScore(
        float(bits.sum()) / max(n_bytes, 1),
        len(seq),
        (mass / positions) if new_ids is not None and positions else None,
        bits,
    )
