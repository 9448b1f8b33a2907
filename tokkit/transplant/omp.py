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
    b = x.shape[0]
    rows = torch.arange(b, device=x.device)
    chosen = torch.empty(b, k, dtype=torch.long, device=x.device)
    masked = torch.zeros(b, dic.shape[0], dtype=torch.bool, device=x.device)
    residual = x
    coeffs = torch.zeros(b, 0, dtype=torch.float64, device=x.device)
    x64 = x.double()
    for t in range(k):
        scores = (residual @ dic.T).abs_()  # (b, N)
        scores.masked_fill_(masked, -1.0)
        j = scores.argmax(dim=1)
        chosen[:, t] = j
        masked[rows, j] = True
        atoms = dic[chosen[:, : t + 1]].double()  # (b, t+1, D)
        gram = atoms @ atoms.transpose(1, 2)  # (b, t+1, t+1)
        rhs = (atoms @ x64.unsqueeze(2)).squeeze(2)  # (b, t+1)
        coeffs = _solve_spd(gram, rhs)
        residual = (x64 - (coeffs.unsqueeze(1) @ atoms).squeeze(1)).float()
        if on_progress is not None:
            on_progress(0)
    error = residual.norm(dim=1) / x.norm(dim=1).clamp_min(1e-12)
    if on_progress is not None:
        on_progress(b)
    return chosen, coeffs.float(), error


def _solve_spd(gram: torch.Tensor, rhs: torch.Tensor) -> torch.Tensor:
    """Solve gram · c = rhs for symmetric positive (semi)definite gram, with a tiny ridge if needed."""
    eye = torch.eye(gram.shape[-1], dtype=gram.dtype, device=gram.device)
    scale = gram.diagonal(dim1=1, dim2=2).mean(dim=1).clamp_min(1e-30)[:, None, None]
    chol, info = torch.linalg.cholesky_ex(gram)
    if bool((info > 0).any()):
        chol, _ = torch.linalg.cholesky_ex(gram + 1e-10 * scale * eye)
    return torch.cholesky_solve(rhs.unsqueeze(2), chol).squeeze(2)
