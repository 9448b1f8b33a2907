"""Healing: a short fine-tune of embedding / lm_head rows only, everything else frozen (torch).

Each step draws `batch_size` windows of `seq_len + 1` tokens at random offsets of the corpus
token stream (a local generator seeded with `seed`), each after the start token when given, and
takes one Adam step (no weight decay) on the mean next-token cross-entropy. The gradient of each
trainable matrix is masked to the rows asked for, so every other row keeps a zero gradient and
Adam leaves it bit for bit unchanged; every other parameter has requires_grad off. The step size
is `lr` × the standard deviation of the input embedding matrix, so one setting fits models whose
embeddings differ in scale. The model runs in eval mode (no dropout): same seed, same weights.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tokkit.surgery.config import HealConfig


@dataclass(frozen=True, slots=True)
class HealStats:
    steps: int
    rows_healed: int  # rows of each trainable matrix that received gradients
    matrices: int  # 1 when the lm_head is tied to the input embeddings, else 2
    losses: list[float]  # training loss per step, nats per token
    seconds: float


def trainable_matrices(model: Any) -> list[torch.nn.Parameter]:
    """The input embeddings, and the lm_head when it is not tied to them."""
    emb = model.get_input_embeddings().weight
    head = model.get_output_embeddings()
    if head is None or head.weight.data_ptr() == emb.data_ptr():
        return [emb]
    return [emb, head.weight]


def heal(
    model: Any,
    ids: np.ndarray,
    rows: np.ndarray | None,
    config: HealConfig,
    *,
    start_id: int | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> HealStats:
    """Fine-tune the `rows` (new-tokenizer ids; None: all rows) of the embedding matrices on `ids`."""
    seq = torch.as_tensor(np.asarray(ids, dtype=np.int64))
    span = config.seq_len + 1
    if len(seq) < config.batch_size * config.seq_len + 1:
        raise ValueError(f"{len(seq)} corpus tokens are fewer than one batch ({config.batch_size} × {config.seq_len})")
    device = torch.device(config.device)
    model.to(device)
    model.eval()
    mats = trainable_matrices(model)
    vocab = mats[0].shape[0]
    mask = torch.zeros(vocab, 1, device=device)
    if rows is None:
        mask[:] = 1
    else:
        mask[torch.as_tensor(np.asarray(rows, dtype=np.int64), device=device)] = 1
    frozen = [p for p in model.parameters() if p.requires_grad]
    for p in frozen:
        p.requires_grad_(False)
    for w in mats:
        w.requires_grad_(True)
    hooks = [w.register_hook(lambda g: g * mask) for w in mats]  # type: ignore[no-untyped-call]
    scale = float(mats[0].detach().float().std())
    opt = torch.optim.Adam(mats, lr=config.lr * scale, weight_decay=0.0, foreach=False)
    gen = torch.Generator().manual_seed(config.seed)
    offsets = torch.arange(span)
    losses: list[float] = []
    t0 = time.perf_counter()
    try:
        for step in range(config.steps):
            starts = torch.randint(0, len(seq) - span + 1, (config.batch_size,), generator=gen)
            window = seq[starts[:, None] + offsets]  # (B, L + 1)
            if start_id is not None:
                window = torch.cat([torch.full((config.batch_size, 1), start_id), window], dim=1)
            window = window.to(device)
            logits = model(input_ids=window[:, :-1]).logits.float()  # the start token is never a target
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), window[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            losses.append(float(loss.detach()))
            if on_step is not None:
                on_step(step, losses[-1])
    finally:
        for h in hooks:
            h.remove()
        for w in mats:
            w.requires_grad_(False)
            w.grad = None
        model.to("cpu")
    healed = vocab if rows is None else int(mask.sum())
    return HealStats(config.steps, healed, len(mats), losses, round(time.perf_counter() - t0, 2))
