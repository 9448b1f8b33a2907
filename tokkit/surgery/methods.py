"""Method -> the function that gives new tokens their rows: one table, no silent default (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from tokkit.surgery.config import Method, TransplantConfig
from tokkit.surgery.hybrid import hybrid_rows
from tokkit.surgery.rows import NewRows, mean_rows, omp_rows, random_rows, subword_mean_rows, zero_rows
from tokkit.surgery.vocab import VocabAlignment


@dataclass(frozen=True, slots=True)
class HybridInputs:
    """Texts of the new tokens and of every old token, and their auxiliary embeddings."""

    texts: list[str]
    old_texts: list[str]
    phi_new: torch.Tensor
    phi_old: torch.Tensor


@dataclass(frozen=True, slots=True)
class RowInputs:
    """Everything a method may use besides the old matrix (one matrix: input or output embeddings)."""

    alignment: VocabAlignment
    config: TransplantConfig
    donor: torch.Tensor | None = None  # omp: the donor's matching matrix, indexed by new ids
    pieces: Sequence[Sequence[int] | None] = ()  # subword-mean, hybrid: new tokens spelled in old ids
    hybrid: HybridInputs | None = None


def _omp(old: torch.Tensor, x: RowInputs) -> NewRows:
    if x.donor is None:
        raise ValueError("omp needs the donor matrix")
    c = x.config
    return omp_rows(old.to(c.device), x.donor.to(c.device), x.alignment, c.k, chunk_size=c.chunk_size,
                    screen=c.omp_screen)  # fmt: skip


def _hybrid(old: torch.Tensor, x: RowInputs) -> NewRows:
    if x.hybrid is None:
        raise ValueError("hybrid needs its auxiliary embeddings")
    h, c = x.hybrid, x.config
    return hybrid_rows(old, x.pieces, h.texts, h.old_texts, h.phi_new, h.phi_old, temperature=c.temperature,
                       top_k=c.top_k, weight=c.global_weight)  # fmt: skip


ROW_METHODS: dict[Method, Callable[[torch.Tensor, RowInputs], NewRows]] = {
    Method.OMP: _omp,
    Method.SUBWORD_MEAN: lambda old, x: subword_mean_rows(old, x.pieces),
    Method.HYBRID: _hybrid,
    Method.MEAN: lambda old, x: mean_rows(old, len(x.alignment.to_approximate)),
    Method.ZERO: lambda old, x: zero_rows(old, len(x.alignment.to_approximate)),
    Method.RANDOM: lambda old, x: random_rows(old, len(x.alignment.to_approximate), seed=x.config.seed),
}


def new_rows(method: Method, old: torch.Tensor, inputs: RowInputs) -> NewRows:
    """The rows `method` gives the new tokens of `inputs.alignment`, from the old matrix `old`."""
    try:
        make = ROW_METHODS[Method(method)]
    except (KeyError, ValueError):
        raise ValueError(f"unknown transplant method {method!r}; known: {', '.join(m.value for m in Method)}") from None
    return make(old, inputs)
