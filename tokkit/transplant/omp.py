"""Batched Orthogonal Matching Pursuit in torch (pure, deterministic, memory-bounded)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True, slots=True)
class SparseCode:
    """Each target ≈ Σ_i coeffs[b, i] · dictionary[indices[b, i]]."""

    indices: torch.Tensor  # (B, k) int64: rows of the dictionary, in selection order
    coeffs: torch.Tensor  # (B, k) float32
    relative_error: torch.Tensor  # (B,) ‖target − reconstruction‖ / ‖target‖


def omp(
    targets: torch.Tensor,
    dictionary: torch.Tensor,
    k: int,
    *,
    chunk_size: int = 1024,
    on_progress: Callable[[int], None] | None = None,
) -> SparseCode:
    """Approximate each row of `targets` (B, D) by k rows of `dictionary` (N, D).

    Greedy selection as in mergekit-tokensurgeon: at each step the atom with the largest
    |⟨residual, atom⟩| (raw inner product, chosen atoms masked), then least squares on all chosen
    atoms (Cholesky of their Gram matrix, in float64). Work is float32 on the dictionary's device,
    `chunk_size` targets at a time so memory stays bounded at chunk_size × N.
    """
    n_atoms = dictionary.shape[0]
    if not 1 <= k <= n_atoms:
        raise ValueError(f"k={k} must be between 1 and the number of atoms ({n_atoms})")
    if targets.shape[1] != dictionary.shape[1]:
        raise ValueError(f"targets have dimension {targets.shape[1]}, the dictionary {dictionary.shape[1]}")
    dic = dictionary.to(torch.float32)
    parts = [
        _omp_chunk(targets[s : s + chunk_size].to(dic), dic, k, on_progress)
        for s in range(0, targets.shape[0], chunk_size)
    ]
    if not parts:
        empty = torch.empty(0, k)
        return SparseCode(empty.long(), empty, torch.empty(0))
    return SparseCode(*(torch.cat([p[i] for p in parts]) for i in range(3)))


def _omp_chunk(
    x: torch.Tensor, dic: torch.Tensor, k: int, on_progress: Callable[[int], None] | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """OMP with an incremental QR of the chosen atoms (Gram-Schmidt, orthogonalised twice).

    Each step costs one (b, N) correlation product plus O(b·t·D): the residual is x minus its
    projection on span(Q), and the coefficients come from R c = Qᵀ x at the end.
    """
    b, d = x.shape
    rows = torch.arange(b, device=x.device)
    chosen = torch.empty(b, k, dtype=torch.long, device=x.device)
    masked = torch.zeros(b, dic.shape[0], dtype=torch.bool, device=x.device)
    q = torch.zeros(b, k, d, dtype=x.dtype, device=x.device)
    r = torch.zeros(b, k, k, dtype=torch.float64, device=x.device)
    residual = x.clone()
    for t in range(k):
        scores = (residual @ dic.T).abs_()  # (b, N)
        scores.masked_fill_(masked, -1.0)
        j = scores.argmax(dim=1)
        chosen[:, t] = j
        masked[rows, j] = True
        v = dic[j]  # (b, D)
        if t:
            basis = q[:, :t]  # (b, t, D)
            proj = torch.einsum("btd,bd->bt", basis, v)
            v = v - torch.einsum("bt,btd->bd", proj, basis)
            again = torch.einsum("btd,bd->bt", basis, v)  # a second pass keeps Q orthogonal in float32
            v = v - torch.einsum("bt,btd->bd", again, basis)
            r[:, :t, t] = (proj + again).double()
        norm = v.norm(dim=1)
        r[:, t, t] = norm.double()
        q[:, t] = v / norm.clamp_min(1e-12).unsqueeze(1)
        residual = residual - (residual * q[:, t]).sum(1, keepdim=True) * q[:, t]
        if on_progress is not None:
            on_progress(0)
    qtx = torch.einsum("bkd,bd->bk", q, x).double().unsqueeze(2)  # (b, k, 1)
    diag = r.diagonal(dim1=1, dim2=2)
    safe = r + torch.diag_embed((diag.abs() < 1e-12).double())  # a dependent atom gets coefficient ~0
    coeffs = torch.linalg.solve_triangular(safe, qtx, upper=True).squeeze(2)
    error = residual.norm(dim=1) / x.norm(dim=1).clamp_min(1e-12)
    if on_progress is not None:
        on_progress(b)
    return chosen, coeffs.float(), error
