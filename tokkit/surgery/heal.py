"""Healing: a short fine-tune of embedding / lm_head rows only, everything else frozen (torch).

Each step draws `batch_size` windows of `seq_len + 1` tokens at random offsets of the corpus
token stream (a local generator seeded with `seed`), each after the start token when given, and
takes one Adam step (no weight decay) on the mean next-token cross-entropy. Only the rows asked
for are parameters: a (rows × d) copy per trainable matrix that is scattered into the frozen
matrix for the forward pass, so no dense gradient of the vocabulary matrix is formed and every
other row stays bit for bit what it was; every other parameter has requires_grad off. The lm_head
computes the frozen logits and the trainable rows' logits apart, so its weight gradient is only
(rows × d). The step size is `lr` × the standard deviation of the input embedding matrix, so one
setting fits models whose embeddings differ in scale. The model runs in eval mode (no dropout):
same seed, same weights. Torch runs on `config.threads` threads for the duration.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.nn.utils import parametrize

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


class _Rows(torch.nn.Module):
    """Parametrization: the frozen matrix with `rows` replaced by the trainable `sub`."""

    def __init__(self, rows: torch.Tensor, sub: torch.nn.Parameter) -> None:
        super().__init__()
        self.rows, self.sub = rows, sub

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return weight.detach().index_copy(0, self.rows, self.sub)


class _RowHead(torch.nn.Module):
    """An lm_head whose `rows` are `sub`: frozen logits for the rest, gradient (rows × d) only."""

    def __init__(self, head: torch.nn.Module, rows: torch.Tensor, sub: torch.nn.Parameter) -> None:
        super().__init__()
        self.weight: torch.Tensor = head.weight  # type: ignore[assignment]
        self.bias: torch.Tensor | None = getattr(head, "bias", None)
        self.rows, self.sub = rows, sub

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        w, b = self.weight.detach(), None if self.bias is None else self.bias.detach()
        frozen = torch.nn.functional.linear(hidden, w, b)
        new = torch.nn.functional.linear(hidden, self.sub, None if b is None else b[self.rows])
        return frozen.index_copy(-1, self.rows, new)


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
    if rows is None:
        idx = torch.arange(vocab, device=device)
    else:
        idx = torch.as_tensor(np.unique(np.asarray(rows, dtype=np.int64)), device=device)
    for p in model.parameters():
        p.requires_grad_(False)
    subs = [torch.nn.Parameter(w.detach()[idx].clone()) for w in mats]
    emb, head = model.get_input_embeddings(), model.get_output_embeddings()
    scale = float(mats[0].detach().float().std())
    opt = torch.optim.Adam(subs, lr=config.lr * scale, weight_decay=0.0, foreach=False)
    gen = torch.Generator().manual_seed(config.seed)
    offsets = torch.arange(span)
    losses: list[float] = []
    threads = torch.get_num_threads()
    if config.threads:
        torch.set_num_threads(config.threads)
    parametrize.register_parametrization(emb, "weight", _Rows(idx, subs[0]), unsafe=True)
    if head is not None:
        model.set_output_embeddings(_RowHead(head, idx, subs[-1]))
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
            del logits
            opt.step()
            losses.append(float(loss.detach()))
            if on_step is not None:
                on_step(step, losses[-1])
    finally:
        parametrize.remove_parametrizations(emb, "weight", leave_parametrized=False)
        if head is not None:
            model.set_output_embeddings(head)
        with torch.no_grad():
            for w, sub in zip(mats, subs, strict=True):
                w.index_copy_(0, idx, sub.detach())  # in place: a tied lm_head shares the storage
        torch.set_num_threads(threads)
        model.to("cpu")
    return HealStats(config.steps, len(idx), len(mats), losses, round(time.perf_counter() - t0, 2))
