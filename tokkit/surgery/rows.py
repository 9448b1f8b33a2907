"""New-token rows by method (pure): omp, subword-mean, mean, zero, random; and assembly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from tokkit.surgery.omp import omp
from tokkit.surgery.vocab import VocabAlignment


@dataclass(frozen=True, slots=True)
class NewRows:
    """Rows for `alignment.to_approximate`, and which of them fell back to the mean row."""

    rows: torch.Tensor  # (A, D)
    fallback: torch.Tensor  # (A,) bool: the method had nothing to go on
    relative_error: torch.Tensor | None = None  # (A,) OMP reconstruction error in donor space


def mean_rows(old: torch.Tensor, n: int) -> NewRows:
    """Every new row is the mean of the old matrix."""
    return NewRows(old.float().mean(0).expand(n, -1).clone(), torch.zeros(n, dtype=torch.bool))


def zero_rows(old: torch.Tensor, n: int) -> NewRows:
    return NewRows(torch.zeros(n, old.shape[1]), torch.zeros(n, dtype=torch.bool))


def random_rows(old: torch.Tensor, n: int, *, seed: int) -> NewRows:
    """N(mean, std) per dimension of the old matrix, from a local generator seeded with `seed`."""
    g = torch.Generator().manual_seed(seed)
    o = old.float()
    noise = torch.randn(n, o.shape[1], generator=g)
    return NewRows(o.mean(0) + noise * o.std(0), torch.zeros(n, dtype=torch.bool))


def subword_mean_rows(old: torch.Tensor, pieces: Sequence[Sequence[int] | None]) -> NewRows:
    """Mean of the old rows of each new token's pieces under the old tokenizer (ReTok-style).

    A token with no pieces (its bytes cannot be spelled in the old vocabulary) gets the mean row.
    """
    o = old.float()
    mean = o.mean(0)
    rows = torch.empty(len(pieces), o.shape[1])
    fallback = torch.zeros(len(pieces), dtype=torch.bool)
    for i, p in enumerate(pieces):
        if p:
            rows[i] = o[torch.as_tensor(list(p))].mean(0)
        else:
            rows[i] = mean
            fallback[i] = True
    return NewRows(rows, fallback)


def omp_rows(
    old: torch.Tensor,
    donor: torch.Tensor,
    alignment: VocabAlignment,
    k: int,
    *,
    chunk_size: int = 1024,
    screen: int | None = None,
) -> NewRows:
    """mergekit-tokensurgeon's OMP: code each new token's donor row over the shared (anchor) tokens'
    donor rows, then apply the same coefficients to the anchors' old rows.

    `donor` is indexed by new ids; anchors are the shared tokens (new ids in donor space, old ids
    in the old space). `screen=M`: OMP within each target's M best-correlated anchors (see `omp`).
    """
    anchors_donor = donor.float()[torch.as_tensor(alignment.shared_new)]
    anchors_old = old.float()[torch.as_tensor(alignment.shared_old)]
    targets = donor.float()[torch.as_tensor(alignment.to_approximate)]
    code = omp(targets, anchors_donor, k, chunk_size=chunk_size, screen=screen)
    rows = torch.einsum("bk,bkd->bd", code.coeffs, anchors_old[code.indices]).cpu()
    return NewRows(rows, torch.zeros(len(rows), dtype=torch.bool), code.relative_error.cpu())


def assemble(old: torch.Tensor, alignment: VocabAlignment, new: NewRows) -> torch.Tensor:
    """The new matrix: shared tokens keep their old row bit for bit, the rest come from `new`."""
    out = torch.empty(alignment.new_size, old.shape[1], dtype=old.dtype)
    out[torch.as_tensor(alignment.shared_new)] = old[torch.as_tensor(alignment.shared_old)]
    out[torch.as_tensor(alignment.to_approximate)] = new.rows.to(old.dtype)
    return out
